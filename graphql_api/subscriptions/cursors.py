"""Opaque resume cursors: a stream's name, an event id and when the event happened."""

from __future__ import annotations

import base64
import binascii
import time

from django.conf import settings

from graphql_api.common.errors import ApiError, ApiErrorCode
from realtime.bus import Stream


def encode_cursor(stream: Stream, event_id: int, occurred_at_epoch: float) -> str:
    raw = f"{stream}:{event_id}:{int(occurred_at_epoch)}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(stream: Stream, cursor: str | None) -> int | None:
    """The event id after which to resume (None when no cursor is given). Raises `ApiError`
    (INVALID_CURSOR, CURSOR_EXPIRED) for a cursor that cannot be resumed from."""
    if cursor is None:
        return None
    try:
        kind, event_id, epoch = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        position, stamped = int(event_id), int(epoch)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(ApiErrorCode.INVALID_CURSOR, "The cursor is malformed.") from None
    if kind != stream or position < 0:
        raise ApiError(ApiErrorCode.INVALID_CURSOR, "The cursor is not from this stream.")
    if stamped < time.time() - settings.EVENT_RETENTION:
        raise ApiError(
            ApiErrorCode.CURSOR_EXPIRED,
            "Events that old are no longer kept; reload the data, then subscribe afresh.",
        )
    return position
