"""The client's address behind trusted proxies (TRUSTED_PROXY_COUNT): one address for
HTTP and WebSocket, which the sign-in and registration limits count."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from project.client_address import TrustedProxyMiddleware
from tests.factories import make_user
from tests.support.asgi import http_request, websocket

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-pass-phrase-9"
PROXY = ("10.0.0.2", 41000)  # the reverse proxy: daphne's TCP peer
REGISTER = "mutation ($input: RegisterInput!) { register(input: $input) { errors { code } } }"
TOKEN_CREATE = (
    "mutation ($email: String!, $password: String!) "
    "{ tokenCreate(email: $email, password: $password) { token errors { code } } }"
)


async def make_user_async(**fields: Any) -> Any:
    return await sync_to_async(make_user)(password=PASSWORD, **fields)


async def _register(email: str, **request: Any) -> list[str]:
    response = await http_request(
        "POST",
        body={"query": REGISTER, "variables": {"input": {"email": email, "password": PASSWORD}}},
        **request,
    )
    return [error["code"] for error in response["json"]["data"]["register"]["errors"]]


async def _sign_in(email: str, password: str, **request: Any) -> list[str]:
    response = await http_request(
        "POST",
        body={"query": TOKEN_CREATE, "variables": {"email": email, "password": password}},
        **request,
    )
    return [error["code"] for error in response["json"]["data"]["tokenCreate"]["errors"]]


async def _sign_in_over_websocket(email: str, password: str, **connection: Any) -> list[str]:
    communicator = websocket(**connection)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    try:
        await communicator.send_json_to({"type": "connection_init", "payload": {}})
        assert (await communicator.receive_json_from(timeout=5))["type"] == "connection_ack"
        await communicator.send_json_to(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": TOKEN_CREATE,
                    "variables": {"email": email, "password": password},
                },
            }
        )
        message = await communicator.receive_json_from(timeout=10)
        assert message["type"] == "next", message
        return [error["code"] for error in message["payload"]["data"]["tokenCreate"]["errors"]]
    finally:
        await communicator.disconnect()


async def test_without_trusted_proxies_a_forged_forwarded_for_earns_no_fresh_sign_in_budget(
    settings,
):
    # given the default (no trusted proxy) and two failed sign-ins allowed per address
    assert settings.TRUSTED_PROXY_COUNT == 0
    settings.SIGN_IN_MAX_FAILURES_PER_IP = 2
    client = ("203.0.113.7", 50000)
    # when one client fails three times, each time with another email and a forged address
    codes = [
        await _sign_in(
            f"nobody{n}@example.com",
            "wrong-password",
            peer=client,
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        for n in range(3)
    ]
    # then its third attempt is refused: the forged header changed nothing
    assert codes == [["INVALID_CREDENTIALS"], ["INVALID_CREDENTIALS"], ["RATE_LIMITED"]]


async def test_behind_one_proxy_the_registration_cap_counts_the_address_the_proxy_appended(
    settings,
):
    # given one trusted proxy in front of daphne and two registrations per address
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REGISTER_MAX_PER_IP = 2
    # when a client at 203.0.113.7 registers three times, forging a new left-most entry
    # each time (the proxy appends the address it saw)
    codes = [
        await _register(
            f"new{n}@example.com",
            peer=PROXY,
            headers={"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.7"},
        )
        for n in range(3)
    ]
    # then the third is capped: forged entries earn no fresh budget
    assert codes == [[], [], ["RATE_LIMITED"]]
    # while another client behind the same proxy still may register
    assert (
        await _register("other@example.com", peer=PROXY, headers={"X-Forwarded-For": "203.0.113.8"})
        == []
    )


async def test_websocket_sign_ins_from_two_addresses_behind_a_proxy_have_separate_budgets(
    settings,
):
    # given one trusted proxy and one failed sign-in allowed per address
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SIGN_IN_MAX_FAILURES_PER_IP = 1
    await make_user_async(email="ada@example.com")
    first = {"peer": PROXY, "headers": {"X-Forwarded-For": "203.0.113.7"}}
    second = {"peer": PROXY, "headers": {"X-Forwarded-For": "203.0.113.8"}}
    # when the first client uses up its budget over WebSocket
    assert await _sign_in_over_websocket("ada@example.com", "wrong", **first) == [
        "INVALID_CREDENTIALS"
    ]
    assert await _sign_in_over_websocket("bob@example.com", "wrong", **first) == ["RATE_LIMITED"]
    # then the second client, on another socket through the same proxy, still signs in
    assert await _sign_in_over_websocket("ada@example.com", PASSWORD, **second) == []


async def test_websocket_clients_with_no_known_address_do_not_share_one_budget(settings):
    # given daphne on a Unix socket (no peer address) and no trusted proxy
    settings.SIGN_IN_MAX_FAILURES_PER_IP = 1
    await make_user_async(email="ada@example.com")
    # when one such client fails to sign in twice
    for email in ("x@example.com", "y@example.com"):
        assert await _sign_in_over_websocket(email, "wrong", peer=None) == ["INVALID_CREDENTIALS"]
    # then another such client still signs in (per-email limits still apply to each)
    assert await _sign_in_over_websocket("ada@example.com", PASSWORD, peer=None) == []


async def test_behind_a_tls_proxy_a_same_origin_cookie_post_passes_the_csrf_origin_check(
    settings,
):
    # given one trusted proxy that terminates TLS for https://shop.example
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLOWED_HOSTS = ["shop.example"]
    await make_user_async(email="ada@example.com")
    proxied = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    login = await http_request(
        "POST",
        body={
            "query": f'mutation {{ login(email: "ada@example.com", password: "{PASSWORD}") '
            "{ errors { code } } }"
        },
        headers={"Host": "shop.example", **proxied},
        peer=PROXY,
    )
    cookies = login["cookies"]
    # when the page posts with its session cookie, CSRF token and https Origin
    response = await http_request(
        "POST",
        body={"query": "{ me { email } }"},
        headers={
            "Host": "shop.example",
            "Origin": "https://shop.example",
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
            "X-CSRFToken": cookies["csrftoken"],
            **proxied,
        },
        peer=PROXY,
    )
    # then it is served
    assert (response["status"], response["json"]) == (
        200,
        {"data": {"me": {"email": "ada@example.com"}}},
    )


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "expected"),
    [
        (0, ["198.51.100.1"], ["10.0.0.2", 41000]),  # header ignored
        (1, ["198.51.100.1, 203.0.113.7"], ("203.0.113.7", 0)),  # the right-most
        (2, ["198.51.100.1, 203.0.113.7, 10.0.0.1"], ("203.0.113.7", 0)),
        (1, ["198.51.100.1", "203.0.113.7"], ("203.0.113.7", 0)),  # two headers: one list
        (2, ["203.0.113.7"], ["10.0.0.2", 41000]),  # shorter than the chain: forged
        (1, [], ["10.0.0.2", 41000]),  # reached daphne directly
        (1, ["unknown"], ["10.0.0.2", 41000]),  # not an address
        (1, ["203.0.113.7, shop.example"], ["10.0.0.2", 41000]),
        (1, ["203.0.113.7:99999"], ["10.0.0.2", 41000]),
        (1, ["203.0.113.7:5123"], ("203.0.113.7", 5123)),
        (1, ["[2001:DB8::1]:443"], ("2001:db8::1", 443)),
        (1, ["2001:db8:0::1"], ("2001:db8::1", 0)),
    ],
)
async def test_the_client_is_the_trusted_proxys_entry_else_the_peer(
    settings, trusted, forwarded_for, expected
):
    # given
    settings.TRUSTED_PROXY_COUNT = trusted
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)

    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    # when
    for scope_type in ("http", "websocket"):
        scope = {"type": scope_type, "headers": headers, "client": ["10.0.0.2", 41000]}
        await TrustedProxyMiddleware(app)(scope, None, None)
    # then HTTP and WebSocket agree
    assert [scope["client"] for scope in seen] == [expected, expected]


@pytest.mark.parametrize(
    ("trusted", "forwarded_proto", "expected"),
    [
        (0, ["https"], ("http", "ws")),  # header ignored: the server's own scheme
        (1, ["https"], ("https", "wss")),
        (1, ["HTTP"], ("http", "ws")),
        (2, ["https"], ("https", "wss")),  # the outer proxy's, passed on by the inner one
        (2, ["https, http"], ("https", "wss")),  # appended: the outer proxy's entry
        (1, ["gopher"], ("http", "ws")),
    ],
)
async def test_the_scheme_is_the_trusted_proxys_forwarded_proto(
    settings, trusted, forwarded_proto, expected
):
    settings.TRUSTED_PROXY_COUNT = trusted
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)

    headers = [(b"x-forwarded-proto", value.encode()) for value in forwarded_proto]
    await TrustedProxyMiddleware(app)({"type": "http", "headers": headers}, None, None)
    await TrustedProxyMiddleware(app)({"type": "websocket", "headers": headers}, None, None)
    assert (
        seen[0].get("scheme", "http"),
        seen[1].get("scheme", "ws"),
    ) == expected
