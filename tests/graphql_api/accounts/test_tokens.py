from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from django.test import Client

from domain.accounts.models import RefreshToken
from tests.factories import make_user
from tests.support.graphql import bearer, contract_document, run_graphql

pytestmark = pytest.mark.django_db

ACCOUNT = contract_document("account")
PASSWORD = "a-long-pass-phrase-9"


def _token_create(client: Client, email: str, password: str, ip: str = "10.0.0.1") -> dict:
    response = client.post(
        "/graphql/",
        {
            "query": ACCOUNT,
            "operationName": "TokenCreate",
            "variables": {"email": email, "password": password},
        },
        content_type="application/json",
        REMOTE_ADDR=ip,
    )
    return response.json()["data"]["tokenCreate"]


def _refresh(client: Client, refresh_token: str) -> dict:
    return run_graphql(
        client,
        "mutation ($t: String!) { tokenRefresh(refreshToken: $t) "
        "{ token refreshToken errors { field message code } } }",
        {"t": refresh_token},
    )["data"]["tokenRefresh"]


def _me(client: Client, token: str):
    return client.post(
        "/graphql/",
        {"query": "{ me { email } }"},
        content_type="application/json",
        headers=bearer(token),
    )


@pytest.fixture
def user():
    return make_user(email="ada@example.com", password=PASSWORD)


def test_token_create_returns_tokens_that_authenticate_the_user(client, user):
    # when
    payload = _token_create(client, "ADA@example.com", PASSWORD)
    # then
    assert payload["errors"] == []
    assert payload["user"]["email"] == "ada@example.com"
    assert payload["user"]["isStaff"] is False
    assert _me(client, payload["token"]).json() == {"data": {"me": {"email": "ada@example.com"}}}


def test_refresh_rotates_and_reuse_revokes_the_whole_family(client, user):
    # given
    first = _token_create(client, user.email, PASSWORD)["refreshToken"]
    second = _refresh(client, first)
    assert second["errors"] == [] and second["token"] and second["refreshToken"] != first
    # when the used token is presented again
    reused = _refresh(client, first)
    # then it is refused, and the token issued from it is revoked too
    invalid = [
        {
            "field": None,
            "code": "INVALID_TOKEN",
            "message": "The refresh token is invalid, expired or already used.",
        }
    ]
    assert reused == {"token": None, "refreshToken": None, "errors": invalid}
    assert _refresh(client, second["refreshToken"])["errors"] == invalid
    assert RefreshToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0


@pytest.mark.parametrize("refresh_token", ["", "garbage", "a" * 500])
def test_unknown_refresh_tokens_are_invalid(client, user, refresh_token):
    assert _refresh(client, refresh_token)["errors"][0]["code"] == "INVALID_TOKEN"


def _forged(claims: dict, *, key: str = "test-secret-key-not-for-production", alg: str = "HS256"):
    return jwt.encode(claims, key, algorithm=alg)


def _claims(user, **overrides) -> dict:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.pk),
        "type": "access",
        "pwd": user.get_session_auth_hash()[:16],
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    return claims


def _alg_none(claims: dict) -> str:
    def part(data: dict) -> str:
        raw = json.dumps(data, default=lambda v: int(v.timestamp())).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(
            lambda u: _forged(_claims(u, exp=datetime.now(UTC) - timedelta(seconds=1))),
            id="expired",
        ),
        pytest.param(lambda u: _forged(_claims(u), key="someone-elses-key-" * 4), id="wrong-key"),
        pytest.param(lambda u: _forged(_claims(u))[:-3] + "AAA", id="tampered-signature"),
        pytest.param(lambda u: _alg_none(_claims(u)), id="alg-none"),
        pytest.param(
            lambda u: _forged(_claims(u), key="k" * 64, alg="HS512"), id="other-algorithm"
        ),
        pytest.param(lambda u: _forged(_claims(u, type="refresh")), id="not-an-access-token"),
        pytest.param(lambda u: _forged(_claims(u, sub="999999")), id="unknown-user"),
        pytest.param(lambda u: "not.a.jwt", id="garbage"),
    ],
)
def test_bad_access_tokens_are_rejected_with_unauthenticated(client, user, make_token):
    response = _me(client, make_token(user))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert "data" not in response.json()  # refused before execution: no data entry


def test_a_non_bearer_authorization_header_is_rejected(client, user):
    response = client.post(
        "/graphql/",
        {"query": "{ me { email } }"},
        content_type="application/json",
        headers={"Authorization": "Basic YWRhOnB3"},
    )
    assert response.status_code == 401


def test_password_change_revokes_refresh_tokens_and_ends_old_access_tokens(client, user):
    # given two signed-in devices
    device_a = _token_create(client, user.email, PASSWORD)
    device_b = _token_create(client, user.email, PASSWORD)
    # when the password changes from device A
    changed = client.post(
        "/graphql/",
        {
            "query": "mutation ($old: String!) { passwordChange(oldPassword: $old, "
            'newPassword: "another-long-pass-7") { user { email } errors { code } } }',
            "variables": {"old": PASSWORD},
        },
        content_type="application/json",
        headers=bearer(device_a["token"]),
    ).json()["data"]["passwordChange"]
    # then
    assert changed == {"user": {"email": user.email}, "errors": []}
    assert _refresh(client, device_b["refreshToken"])["errors"][0]["code"] == "INVALID_TOKEN"
    assert _me(client, device_b["token"]).status_code == 401
    assert _token_create(client, user.email, "another-long-pass-7")["errors"] == []


def test_password_change_with_a_wrong_current_password_changes_nothing(client, user):
    token = _token_create(client, user.email, PASSWORD)["token"]
    payload = client.post(
        "/graphql/",
        {
            "query": 'mutation { passwordChange(oldPassword: "nope", newPassword: "x-long-pass-77")'
            " { user { email } errors { field message code } } }"
        },
        content_type="application/json",
        headers=bearer(token),
    ).json()["data"]["passwordChange"]
    assert payload == {
        "user": None,
        "errors": [
            {
                "field": "oldPassword",
                "message": "The current password is wrong.",
                "code": "WRONG_PASSWORD",
            }
        ],
    }
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_inactive_users_cannot_sign_in_and_their_tokens_stop_working(client, user):
    token = _token_create(client, user.email, PASSWORD)["token"]
    user.is_active = False
    user.save()
    assert _token_create(client, user.email, PASSWORD)["errors"][0]["code"] == (
        "INVALID_CREDENTIALS"
    )
    assert _me(client, token).status_code == 401


def test_unknown_email_and_wrong_password_give_identical_payloads(client, user):
    unknown = _token_create(client, "nobody@example.com", PASSWORD, ip="10.0.0.2")
    wrong = _token_create(client, user.email, "wrong-password", ip="10.0.0.3")
    assert (
        unknown
        == wrong
        == {
            "token": None,
            "refreshToken": None,
            "user": None,
            "errors": [
                {
                    "field": None,
                    "message": "The email or password is wrong.",
                    "code": "INVALID_CREDENTIALS",
                }
            ],
        }
    )


def test_the_sixth_failure_for_an_email_is_rate_limited_even_with_the_right_password(client, user):
    for attempt in range(5):
        errors = _token_create(client, user.email, "wrong", ip=f"10.1.0.{attempt}")["errors"]
        assert errors[0]["code"] == "INVALID_CREDENTIALS"
    blocked = _token_create(client, user.email, PASSWORD, ip="10.1.0.9")
    assert blocked["token"] is None
    assert blocked["errors"][0]["code"] == "RATE_LIMITED"
    assert blocked["errors"][0]["message"].startswith("Too many failed sign-ins. Try again in ")


def test_twenty_failures_from_one_address_block_it_for_every_email(client, user):
    for attempt in range(20):
        _token_create(client, f"someone{attempt}@example.com", "wrong", ip="10.2.0.1")
    assert _token_create(client, user.email, PASSWORD, ip="10.2.0.1")["errors"][0]["code"] == (
        "RATE_LIMITED"
    )
    assert _token_create(client, user.email, PASSWORD, ip="10.2.0.2")["errors"] == []


def test_the_failure_counter_expires_with_its_window(client, user, settings):
    # a window long enough for the six attempts on a busy machine, short enough to wait out
    settings.SIGN_IN_THROTTLE_WINDOW = 3
    for _ in range(5):
        _token_create(client, user.email, "wrong")
    assert _token_create(client, user.email, PASSWORD)["errors"][0]["code"] == "RATE_LIMITED"
    # then, once the window has passed, the right password works again
    deadline = time.monotonic() + 15
    while (errors := _token_create(client, user.email, PASSWORD)["errors"]) != []:
        assert errors[0]["code"] == "RATE_LIMITED"
        assert time.monotonic() < deadline, "the window never ended"
        time.sleep(0.25)


def test_token_revoke_signs_a_device_out(client, user):
    issued = _token_create(client, user.email, PASSWORD)
    revoked = run_graphql(
        client,
        "mutation ($t: String!) { tokenRevoke(refreshToken: $t) { revoked errors { code } } }",
        {"t": issued["refreshToken"]},
    )["data"]["tokenRevoke"]
    assert revoked == {"revoked": True, "errors": []}
    assert _refresh(client, issued["refreshToken"])["errors"][0]["code"] == "INVALID_TOKEN"


def test_token_revoke_ends_that_devices_access_token_too(client, user):
    # given two signed-in devices
    phone = _token_create(client, user.email, PASSWORD)
    laptop = _token_create(client, user.email, PASSWORD)
    # when the phone is signed out
    run_graphql(
        client,
        "mutation ($t: String!) { tokenRevoke(refreshToken: $t) { revoked } }",
        {"t": phone["refreshToken"]},
    )
    # then its access token is refused at once, the laptop's still works
    refused = _me(client, phone["token"])
    assert (refused.status_code, refused.json()["errors"][0]["extensions"]) == (
        401,
        {"code": "UNAUTHENTICATED"},
    )
    assert _me(client, laptop["token"]).json() == {"data": {"me": {"email": user.email}}}
