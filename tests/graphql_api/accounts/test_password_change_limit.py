"""passwordChange has an attempt limit: a stolen short-lived token cannot try current
passwords until one fits."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from domain.accounts.tokens import access_token_encode
from tests.factories import make_user
from tests.support.graphql import bearer, run_graphql

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"
CHANGE = (
    "mutation ($old: String!) { passwordChange(oldPassword: $old, "
    'newPassword: "another-long-pass-7") { user { email } errors { field message code } } }'
)


def _change(token: str, old: str) -> dict:
    return run_graphql(Client(), CHANGE, {"old": old}, headers=bearer(token))["data"][
        "passwordChange"
    ]


def test_after_five_wrong_current_passwords_the_right_one_is_rate_limited_too(settings):
    # given a signed-in account, and someone guessing its current password
    user = make_user(email="ada@example.com", password=PASSWORD)
    token = access_token_encode(user)
    for guess in range(settings.PASSWORD_CHANGE_MAX_FAILURES):
        assert _change(token, f"guess-{guess}")["errors"] == [
            {
                "field": "oldPassword",
                "message": "The current password is wrong.",
                "code": "WRONG_PASSWORD",
            }
        ]
    # when the right one comes next
    payload = _change(token, PASSWORD)
    # then it is refused too, with the time to wait, and the password stays
    assert payload["user"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == (None, "RATE_LIMITED")
    assert re.fullmatch(r"Too many wrong passwords\. Try again in \d+ seconds\.", error["message"])
    wait = int(re.search(r"\d+", error["message"]).group())
    assert 0 < wait <= settings.PASSWORD_CHANGE_THROTTLE_WINDOW
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # and the limit is this account's: another one still changes its password
    other = make_user(email="bob@example.com", password=PASSWORD)
    assert _change(access_token_encode(other), PASSWORD) == {
        "user": {"email": "bob@example.com"},
        "errors": [],
    }


def test_a_device_guessing_passwords_does_not_lock_the_owners_other_devices_out(settings):
    # given the owner's phone and a thief holding a token of another device (its own
    # refresh-token family), and the thief's guesses used up
    make_user(email="ada@example.com", password=PASSWORD)
    sign_in = (
        f'mutation {{ tokenCreate(email: "ada@example.com", password: "{PASSWORD}") {{ token }} }}'
    )
    phone, stolen = (
        run_graphql(Client(), sign_in)["data"]["tokenCreate"]["token"] for _ in range(2)
    )
    for guess in range(settings.PASSWORD_CHANGE_MAX_FAILURES):
        _change(stolen, f"guess-{guess}")
    assert _change(stolen, PASSWORD)["errors"][0]["code"] == "RATE_LIMITED"
    # when the owner changes the password from the phone
    payload = _change(phone, PASSWORD)
    # then it works, and the thief's token is dead
    assert payload == {"user": {"email": "ada@example.com"}, "errors": []}
    refused = Client().post(
        "/graphql/",
        {"query": "{ me { id } }"},
        content_type="application/json",
        headers=bearer(stolen),
    )
    assert refused.status_code == 401
