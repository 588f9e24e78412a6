"""CSRF on the GraphQL endpoint: a POST riding on the session cookie must bring the CSRF
token; a bearer-token POST needs none (graphql_api/http/csrf.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_user
from tests.support.graphql import bearer

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"
ME = {"query": "{ me { email } }"}


@pytest.fixture
def user():
    return make_user(email="ada@example.com", password=PASSWORD)


def _post(client: Client, body: dict, **headers: str):
    return client.post("/graphql/", body, content_type="application/json", headers=headers)


def test_a_cookie_authenticated_post_without_the_csrf_token_is_refused(user):
    # given a signed-in browser that enforces CSRF
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    # when it POSTs without the token
    response = _post(client, ME)
    # then
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"] == {"code": "CSRF_FAILED"}


def test_a_bearer_post_needs_no_csrf_token(user, client):
    client = Client(enforce_csrf_checks=True)
    token = _post(
        client,
        {
            "query": 'mutation { tokenCreate(email: "ada@example.com", '
            f'password: "{PASSWORD}") {{ token }} }}'
        },
    )
    access = token.json()["data"]["tokenCreate"]["token"]
    response = _post(client, ME, **bearer(access))
    assert response.json() == {"data": {"me": {"email": "ada@example.com"}}}
