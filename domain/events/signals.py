"""What the event log tells the rest of the domain.

`events_published` is sent after events of either stream have been published, which is
after their rows committed: a reader of the log (webhook delivery) may look now and find
them. It is a hint, sent at most once per publish, never a delivery guarantee (a reader
still looks on its own schedule)."""

from __future__ import annotations

from django.dispatch import Signal

events_published = Signal()  # sender: the event model (ProductEvent or OrderEvent)
