"""Persisted and trusted documents over both WebSocket protocols (graphql-transport-ws and
the legacy graphql-ws)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_product
from tests.support.graphql import operation_document
from tests.support.persisted import (
    fresh_documents,  # noqa: F401 (an autouse fixture)
    hash_and_text,
    hash_only,
    persisted,
    sha256,
)
from tests.support.websocket import LEGACY_WS, TRANSPORT_WS

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "query Page { products(first: 5) { edges { node { name } } } }"
LAMP = {"data": {"products": {"edges": [{"node": {"name": "Lamp"}}]}}}
_ids = iter(range(1, 1_000_000))


async def _run(socket: Any, protocol: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Send one operation; its first answer as (type, payload) of the protocol's message."""
    operation_id = str(next(_ids))
    start = "subscribe" if protocol == TRANSPORT_WS else "start"
    await socket.communicator.send_json_to({"id": operation_id, "type": start, "payload": payload})
    message = await socket.receive()
    while message["type"] == "complete" and message["id"] != operation_id:
        message = await socket.receive()  # the end of an earlier operation
    assert message["id"] == operation_id, message
    return {"type": message["type"], "payload": message.get("payload")}


def _error(code: str, message: str, protocol: str) -> dict[str, Any]:
    error = {"message": message, "extensions": {"code": code}}
    return {"type": "error", "payload": [error] if protocol == TRANSPORT_WS else error}


def _data(protocol: str, result: dict[str, Any]) -> dict[str, Any]:
    return {"type": "next" if protocol == TRANSPORT_WS else "data", "payload": result}


def _codes(answer: dict[str, Any]) -> list[str]:
    """The error codes of an answer, whatever its message's shape."""
    payload = answer["payload"]
    errors = payload if isinstance(payload, list) else payload.get("errors", [payload])
    return [error.get("extensions", {}).get("code") for error in errors if "message" in error]


@pytest.fixture
def lamp(db):
    return make_product(name="Lamp")


async def test_apq_over_graphql_transport_ws_not_found_then_registered_then_by_hash(open_ws, lamp):
    # given
    socket = await open_ws(TRANSPORT_WS)
    # when
    unknown = await _run(socket, TRANSPORT_WS, hash_only(PAGE))
    registered = await _run(socket, TRANSPORT_WS, hash_and_text(PAGE))
    await socket.receive()  # its complete
    by_hash = await _run(socket, TRANSPORT_WS, hash_only(PAGE))
    # then
    assert unknown == _error("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", TRANSPORT_WS)
    assert registered == _data(TRANSPORT_WS, LAMP)
    assert by_hash == _data(TRANSPORT_WS, LAMP)


# The legacy protocol runs subscriptions only: this one answers an anonymous caller with
# UNAUTHENTICATED at once, which shows that the document ran.
MINE = "subscription Mine { myOrderUpdates { cursor } }"


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_apq_subscriptions_over_both_protocols(open_ws, protocol):
    # given
    socket = await open_ws(protocol)
    # when
    unknown = await _run(socket, protocol, hash_only(MINE))
    registered = await _run(socket, protocol, hash_and_text(MINE))
    by_hash = await _run(socket, protocol, hash_only(MINE))
    # then
    assert unknown == _error("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", protocol)
    assert _codes(registered) == ["UNAUTHENTICATED"]
    assert _codes(by_hash) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_contract_subscription_runs_by_document_id_over_websocket(open_ws, protocol):
    # given
    text = operation_document("realtime", "OnMyOrderUpdates")
    socket = await open_ws(protocol)
    # when
    answer = await _run(socket, protocol, {"documentId": f"sha256:{sha256(text)}"})
    # then
    assert _codes(answer) == ["UNAUTHENTICATED"]


NOT_TRUSTED_MESSAGE = (
    "This server runs only trusted documents, and this is not one of them: register it "
    "with the client's manifest (manage.py load_documents)."
)


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_trusted_mode_refuses_an_untrusted_document_over_websocket(
    open_ws, protocol, settings
):
    # given
    settings.GRAPHQL_DOCUMENTS = "trusted"
    socket = await open_ws(protocol)
    trusted = operation_document("realtime", "OnMyOrderUpdates")
    # when
    refused_text = await _run(socket, protocol, {"query": MINE})
    refused_apq = await _run(socket, protocol, hash_and_text(MINE))
    accepted = await _run(socket, protocol, hash_only(trusted))
    # then
    refusal = _error("DOCUMENT_NOT_TRUSTED", NOT_TRUSTED_MESSAGE, protocol)
    assert refused_text == refusal
    assert refused_apq == refusal
    assert _codes(accepted) == ["UNAUTHENTICATED"]


async def test_a_hash_mismatch_over_websocket_is_refused_with_its_code(open_ws):
    socket = await open_ws(TRANSPORT_WS)
    response = await _run(
        socket, TRANSPORT_WS, {"query": PAGE, "extensions": persisted(sha256("{ x }"))}
    )
    assert response == _error(
        "PERSISTED_QUERY_HASH_MISMATCH",
        "The persisted query's sha256Hash is not the SHA-256 of its `query` text.",
        TRANSPORT_WS,
    )


async def test_an_empty_query_with_a_hash_is_a_hash_alone_as_graphql_ws_clients_send(open_ws, lamp):
    # given: graphql-ws clients must send `query` as a string
    socket = await open_ws(TRANSPORT_WS)
    # when
    unknown = await _run(socket, TRANSPORT_WS, {"query": "", **hash_only(PAGE)})
    # then
    assert unknown == _error("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", TRANSPORT_WS)
