"""API keys in the admin: listed without their secret or its hash, created through
`api_key_create` with the secret shown once (a message), revoked through `api_key_revoke`
(an action); never edited or deleted there."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from domain.accounts.api_keys import api_key_user, secret_hash
from domain.accounts.models import ApiKey
from domain.common.permissions import StaffScope, key_scopes
from tests.factories import make_api_key, make_user

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "/admin/accounts/apikey/"


@pytest.fixture
def admin_user():
    return make_user(email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def browser(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_the_list_shows_each_key_but_never_its_secret_or_hash(browser):
    key, secret = make_api_key(name="ERP sync", scopes=[StaffScope.ORDERS_READ])
    page = browser.get(CHANGELIST).text
    assert key.prefix in page and "ERP sync" in page and "ORDERS_READ" in page
    assert key.created_by.email in page
    assert secret not in page and secret[len(key.prefix) :] not in page
    assert key.secret_hash not in page
    detail = browser.get(f"{CHANGELIST}{key.pk}/change/").text
    assert key.prefix in detail
    assert secret[len(key.prefix) :] not in detail and key.secret_hash not in detail


def test_creating_a_key_in_the_admin_shows_its_secret_once(browser, admin_user):
    # when a key is added
    response = browser.post(
        f"{CHANGELIST}add/",
        {"name": "Search indexer", "scopes": ["CATALOG_READ", "CATALOG_WRITE"]},
        follow=True,
    )
    # then it was made by the service: the admin is its maker, the secret is in a message
    assert response.status_code == 200
    key = ApiKey.objects.get()
    assert (key.name, key.scopes, key.created_by_id) == (
        "Search indexer",
        ["CATALOG_READ", "CATALOG_WRITE"],
        admin_user.pk,
    )
    shown = re.findall(r"shk_[A-Za-z0-9_-]{43}", response.text)
    assert len(shown) == 1 and secret_hash(shown[0]) == key.secret_hash
    acting = api_key_user(shown[0])
    assert key_scopes(acting) == {StaffScope.CATALOG_READ, StaffScope.CATALOG_WRITE}
    # and never again
    assert shown[0] not in browser.get(CHANGELIST).text
    assert shown[0][len(key.prefix) :] not in browser.get(f"{CHANGELIST}{key.pk}/change/").text


def test_a_key_without_scopes_is_not_created(browser):
    response = browser.post(f"{CHANGELIST}add/", {"name": "Nothing"})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert ApiKey.objects.count() == 0


def test_the_revoke_action_revokes_through_the_service(browser):
    # given two keys, one revoked already
    live, secret = make_api_key()
    done, _ = make_api_key()
    ApiKey.objects.filter(pk=done.pk).update(revoked_at="2026-01-01T00:00Z")
    # when both are revoked from the list
    response = browser.post(
        CHANGELIST,
        {"action": "revoke_keys", "_selected_action": [live.pk, done.pk]},
        follow=True,
    )
    # then the live one is revoked and no longer accepted; the other keeps its date
    assert "2 API key(s) revoked." in response.text
    assert ApiKey.objects.get(pk=live.pk).revoked_at is not None
    assert api_key_user(secret) is None
    assert ApiKey.objects.get(pk=done.pk).revoked_at.year == 2026


def test_keys_are_neither_edited_nor_deleted_in_the_admin(browser):
    key, _ = make_api_key(name="ERP")
    edited = browser.post(f"{CHANGELIST}{key.pk}/change/", {"name": "Changed"})
    deleted = browser.post(f"{CHANGELIST}{key.pk}/delete/", {"post": "yes"})
    assert edited.status_code == 403 and deleted.status_code == 403
    assert ApiKey.objects.get(pk=key.pk).name == "ERP"
