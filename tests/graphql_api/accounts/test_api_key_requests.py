"""Requests made with an API key over HTTP (`Authorization: Api-Key <secret>` or
`X-Api-Key: <secret>`): the key acts for its maker within its scopes; a revoked, unknown
or malformed key gets 401 UNAUTHENTICATED, never anonymous access; `lastUsedAt` is written
at most once a minute; a key is no browser session (no CSRF token needed, no session
cookie set) and a client of its own for the cost budget."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from domain.accounts.models import ApiKey, User
from domain.accounts.tokens import access_token_encode
from domain.catalog.models import Product, ProductImage
from domain.common.permissions import StaffScope
from tests.factories import make_api_key, make_category, make_product, make_staff, make_user
from tests.factories.api_keys import api_key_header
from tests.support.graphql import bearer, operation_document
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

PRODUCT_CREATE = operation_document("staff", "ProductCreate")
STAFF_PRODUCTS = operation_document("staff", "StaffProducts")
ME = "{ me { email } }"
PASSWORD = "a-long-pass-phrase-9"


def _post(query: str, variables: dict | None = None, *, client: Client | None = None, **headers):
    return (client or Client()).post(
        "/graphql/",
        {"query": query, "variables": variables or {}},
        content_type="application/json",
        headers=headers,
    )


def _header_forms(secret: str) -> dict[str, dict[str, str]]:
    return {"authorization": api_key_header(secret), "x-api-key": {"X-Api-Key": secret}}


def _product_input(category: Any, name: str = "Oak Lamp") -> dict[str, Any]:
    return {
        "input": {
            "name": name,
            "price": "12.50",
            "stock": 3,
            "categoryId": global_id("Category", category.pk),
        }
    }


def _unauthenticated(response: Any, message: str = "The API key is invalid or revoked.") -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Api-Key")
    assert response.json() == {
        "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]
    }


@pytest.mark.parametrize("form", ["authorization", "x-api-key"])
def test_a_key_with_catalog_write_creates_a_product_as_its_maker(form):
    # given a key with CATALOG_WRITE
    category = make_category()
    _, secret = make_api_key(scopes=[StaffScope.CATALOG_WRITE])
    # when it sends ProductCreate, in either header form
    response = _post(PRODUCT_CREATE, _product_input(category), **_header_forms(secret)[form])
    # then the product is created
    payload = response.json()["data"]["productCreate"]
    assert payload["errors"] == []
    assert payload["product"]["name"] == "Oak Lamp"
    assert Product.all_objects.filter(name="Oak Lamp").count() == 1


@pytest.mark.parametrize("form", ["authorization", "x-api-key"])
def test_a_key_without_catalog_write_is_permission_denied_and_nothing_is_created(form):
    category = make_category()
    _, secret = make_api_key(scopes=[StaffScope.CATALOG_READ, StaffScope.ORDERS_WRITE])
    response = _post(PRODUCT_CREATE, _product_input(category), **_header_forms(secret)[form])
    assert response.status_code == 200
    assert response.json()["data"]["productCreate"] == {
        "product": None,
        "errors": [
            {
                "field": None,
                "message": "This API key may not do this: it needs the CATALOG_WRITE scope.",
                "code": "PERMISSION_DENIED",
            }
        ],
    }
    assert Product.all_objects.count() == 0


def test_a_key_with_catalog_read_sees_unpublished_products_and_one_without_is_refused():
    # given a published and an unpublished product
    make_product(name="Live Lamp")
    make_product(name="Draft Lamp", is_published=False)
    maker = make_staff()
    _, reader = make_api_key(created_by=maker, scopes=[StaffScope.CATALOG_READ])
    _, writer = make_api_key(created_by=maker, scopes=[StaffScope.CATALOG_WRITE])
    # when each asks for StaffProducts
    seen = _post(STAFF_PRODUCTS, **api_key_header(reader)).json()
    refused = _post(STAFF_PRODUCTS, **api_key_header(writer)).json()
    # then the reader sees both; the other gets PERMISSION_DENIED
    assert sorted(e["node"]["name"] for e in seen["data"]["products"]["edges"]) == [
        "Draft Lamp",
        "Live Lamp",
    ]
    assert refused["data"] is None
    assert refused["errors"] == [
        {
            "message": "This API key may not list unpublished products: it needs the "
            "CATALOG_READ scope.",
            "locations": [{"line": 2, "column": 3}],
            "path": ["products"],
            "extensions": {"code": "PERMISSION_DENIED"},
        }
    ]


@pytest.mark.parametrize("form", ["authorization", "x-api-key"])
def test_a_revoked_key_gets_401(form):
    # given a key that worked, then was revoked
    key, secret = make_api_key()
    assert _post(ME, **_header_forms(secret)[form]).status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    # when it is used again, it is refused before anything runs
    _unauthenticated(_post(ME, **_header_forms(secret)[form]))


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param({"Authorization": "Api-Key shk_" + "A" * 43}, None, id="unknown"),
        pytest.param({"X-Api-Key": "shk_" + "A" * 43}, None, id="unknown-x-api-key"),
        pytest.param({"Authorization": "Api-Key not-a-key"}, None, id="malformed"),
        pytest.param({"X-Api-Key": "not a key"}, None, id="malformed-x-api-key"),
        pytest.param({"Authorization": "api-key shk_short"}, None, id="scheme-any-case"),
        pytest.param(
            {"Authorization": "Api-Key"},
            "Use `Authorization: Bearer <access token>` or `Authorization: Api-Key <key>`.",
            id="no-key",
        ),
        pytest.param(
            {"Authorization": "Bearer x", "X-Api-Key": "shk_" + "A" * 43},
            "Send one credential: `Authorization` or `X-Api-Key`, not both.",
            id="two-credentials",
        ),
    ],
)
def test_an_unknown_or_malformed_key_gets_401_not_anonymous_access(headers, message):
    make_product(name="Live Lamp")
    response = _post("{ products(first: 5) { totalCount } }", **headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert "data" not in response.json()
    if message is not None:
        assert response.json()["errors"][0]["message"] == message


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"is_staff": False}], ids=["deactivated", "no-longer-staff"]
)
def test_a_key_of_a_maker_no_longer_active_staff_gets_401(change):
    key, secret = make_api_key()
    User.objects.filter(pk=key.created_by_id).update(**change)
    _unauthenticated(_post(ME, **api_key_header(secret)))


def test_a_key_acts_as_its_maker():
    maker = make_staff(email="ops@example.com")
    _, secret = make_api_key(created_by=maker, scopes=[StaffScope.ORDERS_READ])
    assert _post(ME, **api_key_header(secret)).json() == {"data": {"me": {"email": maker.email}}}


def _key_updates(queries: list[dict[str, str]]) -> int:
    table = ApiKey._meta.db_table
    return sum(1 for q in queries if q["sql"].startswith("UPDATE") and table in q["sql"])


def test_last_used_at_is_written_on_first_use_and_not_again_within_the_minute():
    # given a key never used
    key, secret = make_api_key()
    assert key.last_used_at is None
    # when it is used once
    with CaptureQueriesContext(connection) as first:
        assert _post(ME, **api_key_header(secret)).status_code == 200
    # then one UPDATE records it
    assert _key_updates(first.captured_queries) == 1
    used_at = ApiKey.objects.get(pk=key.pk).last_used_at
    assert used_at is not None
    # when it is used again within the minute: no write
    with CaptureQueriesContext(connection) as second:
        assert _post(ME, **{"X-Api-Key": secret}).status_code == 200
    assert _key_updates(second.captured_queries) == 0
    assert ApiKey.objects.get(pk=key.pk).last_used_at == used_at


def test_each_key_records_its_own_use():
    maker = make_staff()
    _, first_secret = make_api_key(created_by=maker)
    second, second_secret = make_api_key(created_by=maker)
    _post(ME, **api_key_header(first_secret))
    with CaptureQueriesContext(connection) as queries:
        _post(ME, **api_key_header(second_secret))
    assert _key_updates(queries.captured_queries) == 1
    assert ApiKey.objects.get(pk=second.pk).last_used_at is not None


def test_a_key_post_needs_no_csrf_token_even_beside_a_session_cookie():
    # given a browser signed in as a customer, that enforces CSRF, and a staff key
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user(email="browser@example.com"))
    maker = make_staff(email="ops@example.com")
    _, secret = make_api_key(created_by=maker)
    # when it POSTs with the key and no CSRF token
    response = _post(ME, client=browser, **api_key_header(secret))
    # then it is served, as the key's maker (the session is ignored)
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"email": "ops@example.com"}}}


def test_a_key_request_never_starts_a_session():
    # given a staff member's key
    maker = make_user(email="ops@example.com", password=PASSWORD, is_staff=True)
    _, secret = make_api_key(created_by=maker)
    client = Client()
    # when it is used, and asks to log in with the maker's password
    used = _post(ME, client=client, **api_key_header(secret))
    login = _post(
        "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) "
        "{ user { email } errors { field message code } } }",
        {"e": maker.email, "p": PASSWORD},
        client=client,
        **api_key_header(secret),
    )
    # then no session cookie is ever set, and login is refused
    assert "sessionid" not in used.cookies and "sessionid" not in login.cookies
    assert login.json()["data"]["login"] == {
        "user": None,
        "errors": [
            {
                "field": None,
                "message": "`login` manages a browser session: send it without an API key.",
                "code": "PERMISSION_DENIED",
            }
        ],
    }


def test_a_key_cannot_change_its_makers_password():
    maker = make_user(email="ops@example.com", password=PASSWORD, is_staff=True)
    _, secret = make_api_key(created_by=maker)
    response = _post(
        "mutation ($o: String!, $n: String!) { passwordChange(oldPassword: $o, "
        "newPassword: $n) { errors { code } } }",
        {"o": PASSWORD, "n": "another-long-pass-phrase-7"},
        **api_key_header(secret),
    )
    assert response.json()["data"]["passwordChange"]["errors"] == [{"code": "PERMISSION_DENIED"}]
    maker.refresh_from_db()
    assert maker.check_password(PASSWORD)


def test_a_key_spends_a_budget_of_its_own(settings):
    # given small budgets (a page below costs 22), a staff member and their key
    settings.GRAPHQL_COST_BUDGET_USER = 50
    settings.GRAPHQL_COST_BUDGET_WINDOW = 3600
    make_product()
    maker = make_staff()
    _, secret = make_api_key(created_by=maker)
    _, other_secret = make_api_key(created_by=maker)
    page = "{ products(first: 10) { edges { node { name } } } }"
    # when the key spends its budget
    assert _post(page, **api_key_header(secret)).status_code == 200
    assert _post(page, **api_key_header(secret)).status_code == 200
    refused = _post(page, **api_key_header(secret))
    # then it is refused, while its maker and their other key each still have their own
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert _post(page, **bearer(access_token_encode(maker))).status_code == 200
    assert _post(page, **api_key_header(other_secret)).status_code == 200


def test_a_key_uploads_an_image_without_a_csrf_token():
    # given a key that may write the catalog, and a client that enforces CSRF
    product = make_product()
    _, secret = make_api_key(scopes=[StaffScope.CATALOG_WRITE])
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    operations = {
        "query": operation_document("staff", "ProductImageUpload"),
        "variables": {"productId": global_id("Product", product.pk), "file": None},
    }
    # when it sends a multipart upload (the form a cross-site page could send)
    response = Client(enforce_csrf_checks=True).post(
        "/graphql/",
        {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
            "0": SimpleUploadedFile("front.png", buffer.getvalue(), content_type="image/png"),
        },
        headers={"X-Api-Key": secret},
    )
    # then the key's own header is enough: the image is stored
    assert response.status_code == 200
    assert response.json()["data"]["productImageUpload"]["errors"] == []
    assert ProductImage.objects.filter(product=product).count() == 1
