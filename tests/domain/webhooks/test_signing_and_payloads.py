"""Secrets and signatures as Standard Webhooks defines them, and the global IDs in payloads
as the API reads them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from standardwebhooks import Webhook

from domain.webhooks.payloads import public_id
from domain.webhooks.signing import secret_new, signature, signed_headers
from graphql_api.common.nodes import decode_global_id


def test_a_secret_is_whsec_and_32_random_bytes():
    first, second = secret_new(), secret_new()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second


def test_the_signature_is_the_one_standard_webhooks_computes():
    secret = secret_new()
    body = b'{"type":"product.created","data":{"name":"Caf\\u00e9"}}'
    ours = signature(secret=secret, message_id="evt_product_9", timestamp=1_780_000_000, body=body)
    theirs = Webhook(secret).sign(
        "evt_product_9", datetime.fromtimestamp(1_780_000_000, tz=UTC), body.decode()
    )
    assert ours == theirs


def test_the_headers_carry_id_timestamp_and_signature():
    secret = secret_new()
    headers = signed_headers(secret=secret, message_id="evt_order_1", timestamp=42, body=b"{}")
    assert headers == {
        "webhook-id": "evt_order_1",
        "webhook-timestamp": "42",
        "webhook-signature": signature(
            secret=secret, message_id="evt_order_1", timestamp=42, body=b"{}"
        ),
    }


def test_payload_ids_are_global_ids_the_api_decodes():
    for type_name in ("Product", "Category", "Order", "User"):
        assert decode_global_id(public_id(type_name, 12345), type_name=type_name) == 12345
