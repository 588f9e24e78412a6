"""An API key in a WebSocket `connection_init` (`{"authorization": "Api-Key <secret>"}`), on
both protocols: a valid key signs the connection in as its maker within its scopes; a
revoked, unknown or malformed one is refused as a bad token is (4403); a key revoked while
its connection is open closes it with 4401, as an ended sign-in does."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from domain.accounts.api_keys import api_key_revoke
from domain.accounts.models import ApiKey
from domain.accounts.services import user_update
from domain.common.permissions import StaffScope
from tests.factories import make_api_key, make_product, make_staff
from tests.support.ids import global_id
from tests.support.websocket import LEGACY_WS, TRANSPORT_WS

pytestmark = [pytest.mark.django_db(transaction=True)]

PROTOCOLS = [TRANSPORT_WS, LEGACY_WS]
FORBIDDEN = {"type": "websocket.close", "code": 4403, "reason": "Forbidden"}
SIGNED_OUT = (4401, "Sign-in ended: sign in again, reconnect and resume from your last cursor.")


async def _answer(socket: Any, query: str) -> dict:
    await socket.subscribe(query)
    answer = await socket.next_data()
    assert (await socket.receive())["type"] == "complete"
    return answer


async def _close_code(socket: Any, timeout: float = 15) -> tuple[int, str]:
    while True:
        output = await socket.communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output["code"], output.get("reason", "")


@pytest.fixture
def maker():
    return make_staff(email="ops@example.com")


async def _key(maker: Any, **fields: Any) -> tuple[ApiKey, str]:
    return await sync_to_async(make_api_key)(created_by=maker, **fields)


async def test_a_valid_key_signs_the_connection_in_as_its_maker_within_its_scopes(open_ws, maker):
    # given a key that may read the catalog, and an unpublished product
    draft = await sync_to_async(make_product)(name="Draft Lamp", is_published=False)
    _, secret = await _key(maker, scopes=[StaffScope.CATALOG_READ])
    # when it opens a connection
    socket = await open_ws(init={"authorization": f"Api-Key {secret}"})
    # then it is its maker (whose e-mail is not the key's to read), sees unpublished
    # products, and may not write
    assert (await _answer(socket, "{ me { id email } }")) == {
        "data": {"me": {"id": global_id("User", maker.pk), "email": None}}
    }
    staff_read = await _answer(
        socket, "{ products(first: 5, includeUnpublished: true) { totalCount } }"
    )
    assert staff_read == {"data": {"products": {"totalCount": 1}}}
    product_id = global_id("Product", draft.pk)
    refused = await _answer(
        socket,
        f'mutation {{ stockAdjust(productId: "{product_id}", delta: 1) {{ errors {{ code }} }} }}',
    )
    assert refused == {"data": {"stockAdjust": {"errors": [{"code": "PERMISSION_DENIED"}]}}}


async def test_a_key_without_catalog_read_is_refused_the_staff_read(open_ws, maker):
    _, secret = await _key(maker, scopes=[StaffScope.ORDERS_READ])
    socket = await open_ws(init={"authorization": f"Api-Key {secret}"})
    await socket.subscribe("{ products(first: 5, includeUnpublished: true) { totalCount } }")
    message = await socket.receive()
    codes = [e["extensions"]["code"] for e in message["payload"].get("errors", [])]
    assert codes == ["PERMISSION_DENIED"]


async def test_a_key_may_not_follow_its_maker_s_own_orders(open_ws, maker):
    # given a key holding every scope
    _, secret = await _key(maker)
    socket = await open_ws(init={"authorization": f"Api-Key {secret}"})
    # when it subscribes to OnMyOrderUpdates
    await socket.subscribe("subscription { myOrderUpdates { type } }")
    message = await socket.receive()
    # then it is refused: a key has no orders of its own
    codes = [e["extensions"]["code"] for e in message["payload"]["errors"]]
    assert (message["type"], codes) == ("next", ["PERMISSION_DENIED"])
    assert message["payload"]["data"] is None


async def test_a_valid_key_is_accepted_on_the_legacy_protocol(open_ws, maker):
    _, secret = await _key(maker)
    socket = await open_ws(protocol=LEGACY_WS, acknowledge=False)
    ack = await socket.init({"authorization": f"Api-Key {secret}"})
    assert ack["type"] == "connection_ack"


@pytest.mark.parametrize(
    "presented",
    [
        pytest.param("revoked", id="revoked"),
        pytest.param("Api-Key shk_" + "A" * 43, id="unknown"),
        pytest.param("Api-Key not-a-key", id="malformed"),
        pytest.param("Api-Key", id="empty"),
    ],
)
async def test_a_revoked_unknown_or_malformed_key_closes_with_4403(open_ws, maker, presented):
    if presented == "revoked":
        key, secret = await _key(maker)
        await sync_to_async(ApiKey.objects.filter(pk=key.pk).update)(revoked_at="2026-01-01T00:00Z")
        presented = f"Api-Key {secret}"
    socket = await open_ws(acknowledge=False)
    await socket.communicator.send_json_to(
        {"type": "connection_init", "payload": {"authorization": presented}}
    )
    assert await socket.communicator.receive_output(timeout=5) == FORBIDDEN


async def test_a_revoked_key_on_the_legacy_protocol_is_refused_then_closed_with_4403(
    open_ws, maker
):
    key, secret = await _key(maker)
    await sync_to_async(api_key_revoke)(actor=maker, key_id=key.pk)
    socket = await open_ws(protocol=LEGACY_WS, acknowledge=False)
    await socket.communicator.send_json_to(
        {"type": "connection_init", "payload": {"authorization": f"Api-Key {secret}"}}
    )
    refusal = await socket.receive()
    assert (refusal["type"], refusal["payload"]["code"]) == ("connection_error", "UNAUTHENTICATED")
    assert await socket.communicator.receive_output(timeout=5) == FORBIDDEN


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_revoking_a_key_closes_its_open_connections_only(open_ws, maker, protocol):
    # given two keys of one maker, each with an open connection
    revoked, revoked_secret = await _key(maker)
    _, kept_secret = await _key(maker)
    closing = await open_ws(protocol=protocol, init={"authorization": f"Api-Key {revoked_secret}"})
    staying = await open_ws(init={"authorization": f"Api-Key {kept_secret}"})
    # when another staff member revokes the first
    other_staff = await sync_to_async(make_staff)()
    await sync_to_async(api_key_revoke)(actor=other_staff, key_id=revoked.pk)
    # then its connection is closed as an ended sign-in; the other key's is still served
    assert await _close_code(closing) == SIGNED_OUT
    assert (await _answer(staying, "{ me { email } }")) == {"data": {"me": {"email": maker.email}}}


async def test_deactivating_the_maker_closes_the_keys_connections(open_ws, maker):
    _, secret = await _key(maker)
    socket = await open_ws(init={"authorization": f"Api-Key {secret}"})
    assert (await _answer(socket, "{ me { email } }"))["data"]["me"] == {"email": maker.email}
    admin = await sync_to_async(make_staff)()
    await sync_to_async(user_update)(actor=admin, user=maker, is_active=False)
    assert await _close_code(socket) == SIGNED_OUT
