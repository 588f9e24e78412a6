"""Webhooks: endpoints that staff register, and deliveries to them from the event log.

Each active endpoint reads the product and order event logs (domain/events) after its own
cursors, in id order, and POSTs the events of its types one at a time, signed as the
Standard Webhooks specification says (`signing.py`). A delivery that fails is retried with
exponential backoff and jitter, and the endpoint's later events wait behind it; after the
last attempt the endpoint is disabled (`delivery.py`). Re-enabling it is refused once the
event log no longer holds what it missed, unless staff ask to skip that (`resuming.py`).
URLs are kept in ASCII (`url_ascii.py`). Targets are checked against the SSRF rules when
the URL is saved and again, on the resolved address, before each delivery (`addresses.py`,
`transport.py`)."""
