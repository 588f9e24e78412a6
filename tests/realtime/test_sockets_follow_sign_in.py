"""A WebSocket connection ends with the sign-in it was opened with (in-process, Channels'
communicator, both protocols): password change, token expiry, sign-out, a revoked device,
deactivation and staff changes close it with 4401; a connection of another user, or of
another device, stays open and served."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from domain.accounts.models import User
from domain.accounts.tokens import access_token_encode
from domain.orders import services as orders
from realtime import bus
from tests.factories import make_product, make_user
from tests.support.graphql import bearer, contract_document, run_graphql
from tests.support.websocket import LEGACY_WS, TRANSPORT_WS, joining

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-9"
ME = "{ me { email } }"
REALTIME = contract_document("realtime")
PROTOCOLS = [TRANSPORT_WS, LEGACY_WS]
SIGNED_OUT = (
    4401,
    "Sign-in ended: sign in again, reconnect and resume from your last cursor.",
)
_operation_ids = itertools.count(1)


async def _me(socket: Any) -> dict | None:
    """`{ me { email } }` asked over a graphql-transport-ws socket."""
    await socket.subscribe(ME)
    answer = await socket.next_data()
    assert (await socket.receive())["type"] == "complete"
    return answer["data"]["me"]


async def _served(socket: Any, protocol: str, user: User) -> bool:
    """The socket still serves `user`: `me` over graphql-transport-ws; over the legacy
    protocol (subscriptions only) an order of theirs reaches their `myOrderUpdates`."""
    if protocol == TRANSPORT_WS:
        return await _me(socket) == {"email": user.email}
    async with joining(bus.user_orders_group(user.pk)):
        await socket.communicator.send_json_to(
            {
                "id": str(next(_operation_ids)),
                "type": "start",
                "payload": {"query": REALTIME, "operationName": "OnMyOrderUpdates"},
            }
        )
    product = await sync_to_async(make_product)(stock=5)
    order = await sync_to_async(orders.order_place)(
        actor=user, lines=[orders.OrderLineRequest(product.pk, 1)]
    )
    message = await socket.receive()
    assert message["type"] == "data", message
    return message["payload"]["data"]["myOrderUpdates"]["order"]["number"] == order.number


async def _close_code(socket: Any, timeout: float = 15) -> tuple[int, str]:
    """The code and reason the server closes the socket with (anything sent before is
    skipped)."""
    while True:
        output = await socket.communicator.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output["code"], output.get("reason", "")


async def _open_as(open_ws, token: str, protocol: str = TRANSPORT_WS) -> Any:
    return await open_ws(protocol=protocol, init={"authorization": f"Bearer {token}"})


def _token_create(email: str) -> dict:
    return run_graphql(
        Client(),
        "mutation ($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) "
        "{ token refreshToken errors { code } } }",
        {"e": email, "p": PASSWORD},
    )["data"]["tokenCreate"]


def _session_cookie(email: str) -> tuple[Client, list[tuple[bytes, bytes]]]:
    """A browser signed in with `login`, and the Cookie header a WebSocket from it sends."""
    client = Client()
    payload = run_graphql(
        client,
        "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) "
        "{ errors { code } } }",
        {"e": email, "p": PASSWORD},
    )
    assert payload["data"]["login"]["errors"] == []
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return client, [(b"cookie", cookie.encode())]


@pytest.fixture
def ada():
    return make_user(email="ada@example.com", password=PASSWORD)


@pytest.fixture
def bob():
    return make_user(email="bob@example.com", password=PASSWORD)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_password_change_closes_the_users_sockets_with_4401(open_ws, ada, bob, protocol):
    # given a socket of Ada's and one of Bob's, both served
    issued = await sync_to_async(_token_create)(ada.email)
    adas = await _open_as(open_ws, issued["token"], protocol)
    bobs = await _open_as(open_ws, access_token_encode(bob), protocol)
    assert await _served(adas, protocol, ada)
    # when Ada changes her password over HTTP
    changed = await sync_to_async(run_graphql)(
        Client(),
        "mutation ($old: String!) { passwordChange(oldPassword: $old, "
        'newPassword: "another-long-pass-7") { errors { code } } }',
        {"old": PASSWORD},
        headers=bearer(issued["token"]),
    )
    assert changed["data"]["passwordChange"]["errors"] == []
    # then her socket is closed, and Bob's is still served
    assert await _close_code(adas) == SIGNED_OUT
    assert await _served(bobs, protocol, bob)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_expired_access_token_closes_the_socket_with_4401(
    open_ws, ada, settings, protocol
):
    # given a socket signed in with a token that lives six seconds (room for a slow start)
    settings.JWT_ACCESS_TOKEN_TTL = 6
    socket = await _open_as(open_ws, access_token_encode(ada), protocol)
    assert await _served(socket, protocol, ada)
    # when the token expires, then the socket is closed
    assert await _close_code(socket) == SIGNED_OUT


async def test_logout_closes_the_sockets_of_that_session_only(open_ws, ada, bob):
    # given two browsers of Ada's and one of Bob's, each with a socket on its session
    browser, cookie = await sync_to_async(_session_cookie)(ada.email)
    _, other_browser_cookie = await sync_to_async(_session_cookie)(ada.email)
    _, bobs_cookie = await sync_to_async(_session_cookie)(bob.email)
    socket = await open_ws(headers=cookie)
    other_browser = await open_ws(headers=other_browser_cookie)
    bobs = await open_ws(headers=bobs_cookie)
    assert await _me(socket) == {"email": "ada@example.com"}
    # when the first browser signs out
    logout = await sync_to_async(run_graphql)(browser, "mutation { logout { loggedOut } }")
    assert logout == {"data": {"logout": {"loggedOut": True}}}
    # then its socket is closed; the other browser's and Bob's are still served
    assert await _close_code(socket) == SIGNED_OUT
    assert await _me(other_browser) == {"email": "ada@example.com"}
    assert await _me(bobs) == {"email": "bob@example.com"}


async def test_an_ended_session_closes_its_socket_at_its_expiry_date(open_ws, ada):
    # given a session that ends six seconds from now (room for a slow start)
    _, cookie = await sync_to_async(_session_cookie)(ada.email)
    await sync_to_async(Session.objects.update)(expire_date=timezone.now() + timedelta(seconds=6))
    socket = await open_ws(headers=cookie)
    assert await _me(socket) == {"email": "ada@example.com"}
    # when it ends, then its socket is closed
    assert await _close_code(socket) == SIGNED_OUT


async def test_token_revoke_closes_the_sockets_of_that_device_only(open_ws, ada):
    # given two devices of Ada's, each with a socket
    phone = await sync_to_async(_token_create)(ada.email)
    laptop = await sync_to_async(_token_create)(ada.email)
    phones = await _open_as(open_ws, phone["token"])
    laptops = await _open_as(open_ws, laptop["token"])
    # when the phone is signed out
    revoked = await sync_to_async(run_graphql)(
        Client(),
        "mutation ($t: String!) { tokenRevoke(refreshToken: $t) { revoked errors { code } } }",
        {"t": phone["refreshToken"]},
    )
    assert revoked["data"]["tokenRevoke"] == {"revoked": True, "errors": []}
    # then the phone's socket is closed, the laptop's still served
    assert await _close_code(phones) == SIGNED_OUT
    assert await _me(laptops) == {"email": "ada@example.com"}


async def test_a_change_nobody_announced_is_seen_at_the_periodic_check(open_ws, ada, settings):
    # given a socket, and sign-ins checked every second
    settings.WS_AUTH_RECHECK_INTERVAL = 1
    socket = await _open_as(open_ws, access_token_encode(ada))
    assert await _me(socket) == {"email": "ada@example.com"}
    # when the account is deactivated behind the services' back (no notification)
    await sync_to_async(User.objects.filter(pk=ada.pk).update)(is_active=False)
    # then the socket is closed anyway
    assert await _close_code(socket) == SIGNED_OUT


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_connection_older_than_the_maximum_age_is_closed_with_1001(
    open_ws, settings, protocol
):
    # given connections live at most two seconds
    settings.WS_MAX_CONNECTION_AGE = 2
    socket = await open_ws(protocol=protocol)  # acknowledged
    # then
    assert await _close_code(socket) == (
        1001,
        "Connection too old: reconnect and resume from your last cursor.",
    )


def _admin_edit(user: User, **flags: bool) -> int:
    """Staff save `user` in the admin's change form with these flags changed."""
    staff = make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    joined = timezone.localtime(user.date_joined)
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    current = {"is_active": user.is_active, "is_staff": user.is_staff, "is_superuser": False}
    for flag, value in {**current, **flags}.items():
        if value:
            data[flag] = "on"
    return client.post(f"/admin/accounts/user/{user.pk}/change/", data).status_code


@pytest.mark.parametrize(
    ("is_staff", "change"),
    [(False, {"is_active": False}), (True, {"is_staff": False})],
    ids=["deactivation", "staff demotion"],
)
async def test_an_admin_change_of_rights_closes_the_users_sockets(
    open_ws, ada, bob, is_staff, change
):
    # given a socket of Ada's and one of Bob's
    await sync_to_async(User.objects.filter(pk=ada.pk).update)(is_staff=is_staff)
    ada = await sync_to_async(User.objects.get)(pk=ada.pk)
    adas = await _open_as(open_ws, access_token_encode(ada))
    bobs = await _open_as(open_ws, access_token_encode(bob))
    assert await _me(adas) == {"email": "ada@example.com"}
    # when staff change Ada's rights in the admin
    assert await sync_to_async(_admin_edit)(ada, **change) == 302
    # then her socket is closed, and Bob's is still served
    assert await _close_code(adas) == SIGNED_OUT
    assert await _me(bobs) == {"email": "bob@example.com"}
