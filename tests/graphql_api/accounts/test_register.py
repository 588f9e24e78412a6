from __future__ import annotations

import pytest

from domain.accounts.models import User
from tests.factories import make_user
from tests.support.graphql import client_for, contract_document

pytestmark = pytest.mark.django_db

ACCOUNT = contract_document("account")


def _register(ip: str = "10.3.0.1", **input_: str) -> dict:
    response = client_for(None).post(
        "/graphql/",
        {"query": ACCOUNT, "operationName": "Register", "variables": {"input": input_}},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )
    return response.json()["data"]["register"]


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


def test_registrations_from_one_address_are_capped_whatever_their_outcome(settings):
    settings.REGISTER_MAX_PER_IP = 3
    make_user(email="taken@example.com")
    password = "a-long-pass-phrase-9"
    # given three attempts from one address: a probe of a taken email, a bad one, a success
    assert _register(email="taken@example.com", password=password)["errors"][0]["code"] == (
        "UNIQUE"
    )
    assert _register(email="bad", password=password)["errors"][0]["code"] == "INVALID"
    assert _register(email="one@example.com", password=password)["errors"] == []
    before = User.objects.count()
    # then the fourth is refused before anything is checked, and creates nothing
    blocked = _register(email="two@example.com", password=password)
    assert blocked["user"] is None
    [error] = blocked["errors"]
    assert (error["field"], error["code"]) == (None, "RATE_LIMITED")
    assert error["message"].startswith("Too many registrations from this address. Try again in ")
    assert _register(email="taken@example.com", password=password)["errors"][0]["code"] == (
        "RATE_LIMITED"
    )
    assert User.objects.count() == before
    # while another address may still register
    assert _register(ip="10.3.0.2", email="two@example.com", password=password)["errors"] == []
