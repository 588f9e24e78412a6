from __future__ import annotations

import pytest

from domain.accounts.models import User
from tests.factories import make_user
from tests.support.graphql import client_for, contract_document, run_graphql

pytestmark = pytest.mark.django_db

ACCOUNT = contract_document("account")


def _register(**input_: str) -> dict:
    return run_graphql(client_for(None), ACCOUNT, {"input": input_}, operation_name="Register")[
        "data"
    ]["register"]


def test_register_creates_a_customer_and_shows_them_their_email():
    payload = _register(
        email=" New@Example.com", password="a-long-pass-phrase-9", displayName="Newcomer"
    )
    assert payload["errors"] == []
    assert payload["user"]["email"] == "new@example.com"
    assert payload["user"]["displayName"] == "Newcomer"
    user = User.objects.get(email="new@example.com")
    assert user.check_password("a-long-pass-phrase-9") and not user.is_staff


@pytest.mark.parametrize(
    ("input_", "errors"),
    [
        (
            {"email": "TAKEN@example.com", "password": "a-long-pass-phrase-9"},
            [{"field": "email", "message": "An account with this email exists.", "code": "UNIQUE"}],
        ),
        (
            {"email": "not-an-email", "password": "a-long-pass-phrase-9"},
            [{"field": "email", "message": "Enter a valid email address.", "code": "INVALID"}],
        ),
        (
            {"email": "short@example.com", "password": "123"},
            [
                {
                    "field": "password",
                    "message": "This password is too short. It must contain at least 8 characters. "
                    "This password is too common. This password is entirely numeric.",
                    "code": "PASSWORD_TOO_WEAK",
                }
            ],
        ),
        (
            {
                "email": "long@example.com",
                "password": "a-long-pass-phrase-9",
                "displayName": "x" * 101,
            },
            [{"field": "displayName", "message": "At most 100 characters.", "code": "INVALID"}],
        ),
    ],
)
def test_register_refuses_bad_input_and_creates_nothing(input_, errors):
    make_user(email="taken@example.com")
    before = User.objects.count()
    assert _register(**input_) == {"user": None, "errors": errors}
    assert User.objects.count() == before
