"""Standard Webhooks signatures (https://www.standardwebhooks.com/): what a receiver checks
with any Standard Webhooks library, e.g. `standardwebhooks.Webhook(secret).verify(body,
headers)` in Python.

- The secret is `whsec_` followed by the base64 of 32 random bytes; those bytes (not the
  text) are the HMAC key.
- `webhook-id`: the event's id, the same on every attempt (receivers deduplicate on it);
  `webhook-timestamp`: when this attempt was signed, in whole seconds since the epoch
  (receivers refuse one more than a few minutes off their clock, so it is the time of
  sending, not of the event); `webhook-signature`: `v1,` and the base64 of HMAC-SHA256 of
  `<id>.<timestamp>.<body>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(*, secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            secret=secret, message_id=message_id, timestamp=timestamp, body=body
        ),
    }
