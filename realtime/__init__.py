"""Delivery of events to this process's subscribers, below GraphQL and the domain.

What belongs here: the bus (publish, listen, groups and message shapes over the channel
layer), the replay-then-live stream, the event-log poller, single-flight reads, WebSocket
backpressure and routing, draining on restart (`draining.py`, and the daphne side in
`graceful_shutdown.py`), the one registry of process-wide state (`registry.runtime`) and
realtime's own exceptions (`errors`). Every use of a private name of channels or
channels-redis lives here too (`layer.py`).

What does not: business rules, GraphQL types, the domain's models. realtime imports
neither `domain` nor `graphql_api`: what reads the event log is handed to it (the stream's
`StreamSource`, the poller's `use_log_reader`, called at the composition root).
"""
