"""Real daphne processes on one PostgreSQL and Redis: a password changed over HTTP on one
process closes, with 4401, the sockets signed in with the old password on another; an
access token's expiry closes its sockets; on both protocols."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from graphql_api.websocket.sign_in_watch import SIGNED_OUT_REASON
from tests.factories import make_user
from tests.support.daphne import daphne_env_on_test_services, post_graphql, running_daphne
from tests.support.metrics import listening

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-9"
PROTOCOLS = ("graphql-transport-ws", "graphql-ws")


async def _signed_in_socket(ws_url: str, protocol: str, token: str) -> ClientConnection:
    socket = await connect(ws_url, subprotocols=[protocol])
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
    return socket


async def _close_code(socket: ClientConnection) -> tuple[int | None, str | None]:
    try:
        while True:
            await asyncio.wait_for(socket.recv(), 20)
    except ConnectionClosed:
        return socket.close_code, socket.close_reason


def _token_create(base_url: str, email: str) -> str:
    issued = post_graphql(
        base_url,
        "mutation ($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) "
        "{ token errors { code } } }",
        {"e": email, "p": PASSWORD},
    )
    return issued["data"]["tokenCreate"]["token"]


def _user_the_servers_can_sign_in() -> Any:
    """A user whose password hash the servers' default hasher reads (the tests' own
    settings use a faster one)."""
    user = make_user(email="ada@example.com")
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return user


async def _scenario(first: str, second: str, user: Any) -> list[tuple[int | None, str | None]]:
    token = await asyncio.to_thread(_token_create, second, user.email)
    before = await asyncio.to_thread(listening, first, "notifications")
    ws_url = first.replace("http://", "ws://") + "/graphql/"
    sockets = [await _signed_in_socket(ws_url, protocol, token) for protocol in PROTOCOLS]
    # both connections on the first process listen for the user's sign-in changes
    deadline = time.monotonic() + 20
    while await asyncio.to_thread(listening, first, "notifications") < before + len(sockets):
        assert time.monotonic() < deadline, "the connections never joined their user's group"
        await asyncio.sleep(0.02)
    changed = await asyncio.to_thread(
        post_graphql,
        second,
        "mutation ($old: String!) { passwordChange(oldPassword: $old, "
        'newPassword: "another-long-pass-7") { errors { code } } }',
        {"old": PASSWORD},
        token,
    )
    assert changed == {"data": {"passwordChange": {"errors": []}}}
    return [await _close_code(socket) for socket in sockets]


def test_a_password_change_on_one_process_closes_the_sockets_on_another():
    # given a user, and two daphne processes
    user = _user_the_servers_can_sign_in()
    env = daphne_env_on_test_services()
    with running_daphne(env) as first, running_daphne(env) as second:
        # when the user's sockets on the first process are open and the password changes
        # over HTTP on the second
        codes = asyncio.run(_scenario(first, second, user))
    # then both sockets (one per protocol) are closed with 4401, saying what to do
    assert codes == [(4401, SIGNED_OUT_REASON), (4401, SIGNED_OUT_REASON)]


async def _expiring(base_url: str, email: str) -> list[tuple[int | None, str | None]]:
    token = await asyncio.to_thread(_token_create, base_url, email)
    ws_url = base_url.replace("http://", "ws://") + "/graphql/"
    sockets = [await _signed_in_socket(ws_url, protocol, token) for protocol in PROTOCOLS]
    return [await _close_code(socket) for socket in sockets]


def test_an_expired_access_token_closes_its_sockets_on_a_real_server():
    # given a server whose access tokens live six seconds (room for a slow start)
    user = _user_the_servers_can_sign_in()
    with running_daphne(daphne_env_on_test_services(JWT_ACCESS_TOKEN_TTL="6")) as base_url:
        # when sockets (one per protocol) sign in with such a token
        codes = asyncio.run(_expiring(base_url, user.email))
    # then both are closed with 4401 once it expires
    assert codes == [(4401, SIGNED_OUT_REASON), (4401, SIGNED_OUT_REASON)]
