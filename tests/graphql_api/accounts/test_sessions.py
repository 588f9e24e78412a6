"""Browser sessions: the login and logout mutations, and the CSRF cookie login sets (the
CSRF rule itself: tests/graphql_api/http/test_csrf.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"
ME = {"query": "{ me { email } }"}
LOGIN = {
    "query": f'mutation {{ login(email: "ada@example.com", password: "{PASSWORD}") '
    "{ user { email } errors { code } } }"
}


@pytest.fixture
def user():
    return make_user(email="ada@example.com", password=PASSWORD)


def _post(client: Client, body: dict, **headers: str):
    return client.post("/graphql/", body, content_type="application/json", headers=headers)


def test_login_starts_a_session_and_logout_ends_it(user):
    client = Client(enforce_csrf_checks=True)
    assert _post(client, LOGIN).json()["data"]["login"] == {
        "user": {"email": "ada@example.com"},
        "errors": [],
    }
    assert client.get("/graphql/", {"query": "{ me { email } }"}).json() == {
        "data": {"me": {"email": "ada@example.com"}}
    }
    token = client.cookies["csrftoken"].value
    logout = _post(client, {"query": "mutation { logout { loggedOut } }"}, **{"X-CSRFToken": token})
    assert logout.json() == {"data": {"logout": {"loggedOut": True}}}
    assert client.get("/graphql/", {"query": "{ me { email } }"}).json() == {"data": {"me": None}}


def test_login_sets_the_csrf_cookie_that_later_posts_send_back(user):
    client = Client(enforce_csrf_checks=True)
    assert _post(client, LOGIN).json()["data"]["login"]["errors"] == []  # no cookie yet: allowed
    token = client.cookies["csrftoken"].value
    response = _post(client, ME, **{"X-CSRFToken": token})
    assert response.json() == {"data": {"me": {"email": "ada@example.com"}}}
