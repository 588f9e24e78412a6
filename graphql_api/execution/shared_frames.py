"""A shared subscription result encoded once, and the WebSocket frames built around it.

The subscribers of an event that share its execution (shared_execution.py) would each
encode the same `{"data": ...}` payload to JSON; the payload's text is made once here
instead, and each subscriber's frame is its small envelope (`{"id":...,"type":"next",
"payload":` or the legacy protocol's `{"type":"data","id":...,"payload":`) around it.
The envelope is encoded by the same function as the payload, with `null` in place of the
payload, so the frame is byte for byte what encoding the whole message would give; a
connection keeps the envelopes of its operations (`FrameEncoder`).
Only a message whose payload is exactly `{"data": <SharedData>}` (no errors, no
extensions) is built this way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Encode = Callable[[Any], "str | bytes"]
_PAYLOAD_PLACEHOLDER = "null}"


class SharedData(dict[str, Any]):
    """The data of an execution result handed to several subscribers: its payload's JSON
    text is kept after the first encoding (the data is never changed once executed)."""

    __slots__ = ("_encoded",)

    def payload_text(self, encode: Encode) -> str:
        """The text of `{"data": self}` by `encode`."""
        encoded = getattr(self, "_encoded", None)
        function = getattr(encode, "__func__", encode)
        if encoded is None or encoded[0] is not function:
            encoded = self._encoded = (function, _text(encode({"data": self})))
        return encoded[1]


class FrameEncoder:
    """One connection's frames of shared results: `encode` is its consumer's encoder; the
    envelope of each operation and message type is encoded once and kept (the last
    `ENVELOPES_KEPT` of them), so a frame costs two string joins."""

    ENVELOPES_KEPT = 32

    def __init__(self, encode: Encode) -> None:
        self.encode = encode
        self._envelopes: dict[tuple[tuple[str, Any], ...], str] = {}

    def shared_frame(self, message: Mapping[str, Any]) -> str | None:
        """The text of `message` (a "next" or "data" message of either protocol), from its
        shared payload's text; None when its payload is not a shared result alone."""
        payload = message.get("payload")
        if not isinstance(payload, dict) or len(payload) != 1:
            return None
        data = payload.get("data")
        if not isinstance(data, SharedData) or list(message)[-1] != "payload":
            return None
        envelope = self._envelope(message)
        if envelope is None:
            return None
        return envelope + data.payload_text(self.encode) + "}"

    def _envelope(self, message: Mapping[str, Any]) -> str | None:
        key = tuple((name, value) for name, value in message.items() if name != "payload")
        envelope = self._envelopes.get(key)
        if envelope is None:
            text = _text(self.encode({**message, "payload": None}))
            if not text.endswith(_PAYLOAD_PLACEHOLDER):
                return None  # an encoding that does not end so: encode the whole message
            if len(self._envelopes) >= self.ENVELOPES_KEPT:
                self._envelopes.clear()
            envelope = self._envelopes[key] = text[: -len(_PAYLOAD_PLACEHOLDER)]
        return envelope


def _text(encoded: str | bytes) -> str:
    return encoded.decode() if isinstance(encoded, bytes) else encoded
