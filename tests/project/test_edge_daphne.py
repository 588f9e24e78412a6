"""The edge of the service against a real daphne with DEBUG off, configured only through
the environment, as in production: browser clients on other origins
(CORS_ALLOWED_ORIGINS) and the client's address behind a reverse proxy
(TRUSTED_PROXY_COUNT)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.factories import make_user
from tests.support.daphne import clean_env, running_daphne

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

APP = "https://app.example"  # listed
EVIL = "https://evil.example"  # not listed
PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture(scope="module")
def server(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    with django_db_blocker.unblock():
        db = connection.settings_dict
    env = clean_env(
        DEBUG="0",
        SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        ALLOWED_HOSTS="127.0.0.1",
        CORS_ALLOWED_ORIGINS=APP,
        TRUSTED_PROXY_COUNT="1",  # as behind nginx; this test process plays the proxy
        REGISTER_MAX_PER_IP="2",
        LOG_LEVEL="ERROR",
    )
    with running_daphne(env) as base_url:
        yield base_url


def _request(
    base_url: str, method: str, body: dict | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, dict[str, Any] | None]:
    """(status, headers, JSON body or None) of one request to /graphql/."""
    request = urllib.request.Request(
        f"{base_url}/graphql/",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, response_headers, content = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, content = error.code, error.headers, error.read()
    is_json = response_headers.get_content_type() == "application/json"
    return status, response_headers, json.loads(content) if is_json else None


def _signed_in_browser(base_url: str) -> dict[str, str]:
    """The cookies of a browser that signed in with `login` (a session and a CSRF token)."""
    hasher = PBKDF2PasswordHasher()  # the server's hasher (the tests' MD5 is not one of its)
    user = make_user(email="ada@example.com")
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    login = (
        f'mutation {{ login(email: "ada@example.com", password: "{PASSWORD}") '
        "{ errors { code } } }"
    )
    status, headers, body = _request(base_url, "POST", {"query": login}, {"Origin": APP})
    assert (status, body) == (200, {"data": {"login": {"errors": []}}})
    cookies: dict[str, str] = {}
    for value in headers.get_all("Set-Cookie"):
        cookies.update((name, morsel.value) for name, morsel in SimpleCookie(value).items())
    return cookies


def test_a_listed_origin_preflights_then_posts_with_its_session_and_others_are_refused(server):
    # given a browser signed in to the API from a page on a listed origin
    cookies = _signed_in_browser(server)
    session_post = {
        "Cookie": f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}",
        "X-CSRFToken": cookies["csrftoken"],
    }
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-csrftoken",
    }
    # when that page preflights, then posts with its session cookie and CSRF token
    status, headers, _ = _request(server, "OPTIONS", headers={"Origin": APP, **preflight})
    assert (status, headers["Access-Control-Allow-Origin"]) == (200, APP)
    assert headers["Access-Control-Allow-Credentials"] == "true"
    status, headers, body = _request(
        server, "POST", {"query": "{ me { email } }"}, {"Origin": APP, **session_post}
    )
    # then it is served, and its page may read the answer
    assert (status, body) == (200, {"data": {"me": {"email": "ada@example.com"}}})
    assert headers["Access-Control-Allow-Origin"] == APP
    # when a page on another origin tries the same with the same browser's cookies
    status, headers, _ = _request(server, "OPTIONS", headers={"Origin": EVIL, **preflight})
    assert (status, headers["Access-Control-Allow-Origin"]) == (200, None)
    status, headers, body = _request(
        server, "POST", {"query": "{ me { email } }"}, {"Origin": EVIL, **session_post}
    )
    # then Django's CSRF check refuses it, and the browser would not let the page read it
    assert (status, body["errors"][0]["extensions"]) == (403, {"code": "CSRF_FAILED"})
    assert headers["Access-Control-Allow-Origin"] is None


async def _handshake(base_url: str, origin: str) -> str | int:
    """The first message after connection_init, or the HTTP status refusing the handshake."""
    url = base_url.replace("http://", "ws://") + "/graphql/"
    try:
        async with connect(url, origin=origin, subprotocols=["graphql-transport-ws"]) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            return json.loads(await socket.recv())["type"]
    except InvalidStatus as refusal:
        return refusal.response.status_code


async def test_a_websocket_handshake_from_a_listed_origin_is_accepted_and_others_refused(server):
    assert await _handshake(server, APP) == "connection_ack"
    assert await _handshake(server, EVIL) == 403


def _register(base_url: str, email: str, forwarded_for: str) -> list[str]:
    register = "mutation ($input: RegisterInput!) { register(input: $input) { errors { code } } }"
    variables = {"input": {"email": email, "password": PASSWORD}}
    status, _, body = _request(
        base_url,
        "POST",
        {"query": register, "variables": variables},
        {"X-Forwarded-For": forwarded_for},
    )
    assert status == 200, body
    return [error["code"] for error in body["data"]["register"]["errors"]]


def test_behind_one_proxy_the_registration_cap_follows_the_address_the_proxy_appended(server):
    # when a client at 203.0.113.7 registers three times, forging a new left-most entry
    # each time, through one proxy (which appends the address it saw)
    codes = [
        _register(server, f"new{n}@example.com", f"198.51.100.{n}, 203.0.113.7") for n in range(3)
    ]
    # then the third is capped (two per address), while another client still registers
    assert codes == [[], [], ["RATE_LIMITED"]]
    assert _register(server, "other@example.com", "203.0.113.8") == []
