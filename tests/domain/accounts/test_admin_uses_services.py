"""The accounts admin goes through the domain services: its sign-in form has the same
attempt limits as tokenCreate, a password it sets revokes the user's refresh tokens, and
deleting a user recomputes the ratings of the products they reviewed."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from domain.accounts import services
from domain.accounts.models import User
from domain.catalog.models import Review
from domain.catalog.rating_stats import product_rating_stats_refresh
from domain.events.models import ProductEvent
from domain.orders.services import OrderLineRequest, order_place
from tests.factories import make_product, make_review, make_user
from tests.support.graphql import run_graphql

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-pass-phrase-9"
TOKEN_CREATE = (
    "mutation ($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) "
    "{ token refreshToken errors { field message code } } }"
)
TOKEN_REFRESH = (
    "mutation ($t: String!) { tokenRefresh(refreshToken: $t) "
    "{ token errors { field message code } } }"
)


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))
    return client


def _admin_login(client: Client, email: str, password: str, ip: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def test_after_the_email_limit_the_admin_login_refuses_the_right_password_too(settings):
    # given a staff account, and wrong passwords for it at /admin/login/ from many addresses
    make_user(email="boss@example.com", password=PASSWORD, is_staff=True)
    browser = Client()
    for attempt in range(settings.SIGN_IN_MAX_FAILURES_PER_EMAIL):
        refused = _admin_login(browser, "boss@example.com", "wrong", ip=f"10.3.0.{attempt}")
        assert refused.status_code == 200
        assert "Please enter the correct email and password" in refused.text
    # when the right password comes next
    response = _admin_login(browser, "boss@example.com", PASSWORD, ip="10.3.0.99")
    # then it is refused with the time to wait, and no session starts
    assert response.status_code == 200
    assert re.search(r"Too many failed sign-ins\. Try again in \d+ seconds\.", response.text)
    assert browser.get("/admin/").status_code == 302  # to the login page
    # and tokenCreate, counting against the same limit, refuses it as well
    payload = run_graphql(Client(), TOKEN_CREATE, {"e": "boss@example.com", "p": PASSWORD})
    assert payload["data"]["tokenCreate"]["errors"][0]["code"] == "RATE_LIMITED"


def test_a_password_set_in_the_admin_revokes_the_users_refresh_tokens(staff_client):
    # given a signed-in device
    user = make_user(email="ada@example.com", password=PASSWORD)
    issued = run_graphql(Client(), TOKEN_CREATE, {"e": user.email, "p": PASSWORD})
    refresh_token = issued["data"]["tokenCreate"]["refreshToken"]
    # when staff set a new password in the admin
    response = staff_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "set-by-staff-pass-4", "password2": "set-by-staff-pass-4"},
    )
    assert response.status_code == 302, response.text[:2000]
    # then the device's refresh token no longer works, and the new password does
    refreshed = run_graphql(Client(), TOKEN_REFRESH, {"t": refresh_token})
    assert refreshed["data"]["tokenRefresh"] == {
        "token": None,
        "errors": [
            {
                "field": None,
                "message": "The refresh token is invalid, expired or already used.",
                "code": "INVALID_TOKEN",
            }
        ],
    }
    signed_in = run_graphql(Client(), TOKEN_CREATE, {"e": user.email, "p": "set-by-staff-pass-4"})
    assert signed_in["data"]["tokenCreate"]["errors"] == []


PRODUCT = (
    "query ($slug: String!) { product(slug: $slug) { ratingAvg reviewCount "
    "reviews(first: 5) { edges { node { rating author { displayName } } } } } }"
)


@pytest.mark.parametrize("how", ["delete view", "bulk action"])
def test_deleting_a_user_in_the_admin_recomputes_ratings_and_refreshes_cached_reads(
    staff_client, settings, how
):
    # given a product rated 5 by Ada and 1 by Bob, whose anonymous read is cached
    settings.RESPONSE_CACHE_TTL = 60
    product = make_product(slug="oak-desk")
    ada = make_user(email="ada@example.com", display_name="Ada")
    make_review(product=product, author=ada, rating=5)
    make_review(product=product, author=make_user(display_name="Bob"), rating=1)
    product_rating_stats_refresh(product_ids=[product.pk])
    anonymous = Client()
    before = run_graphql(anonymous, PRODUCT, {"slug": "oak-desk"})["data"]["product"]
    assert (before["ratingAvg"], before["reviewCount"]) == (3.0, 2)
    ProductEvent.objects.all().delete()
    # when staff delete Ada
    if how == "delete view":
        response = staff_client.post(f"/admin/accounts/user/{ada.pk}/delete/", {"post": "yes"})
    else:
        response = staff_client.post(
            "/admin/accounts/user/",
            {"action": "delete_selected", "_selected_action": [ada.pk], "post": "yes"},
        )
    assert response.status_code == 302, response.text[:2000]
    # then an anonymous reader sees the product without her review, rated by Bob alone
    after = run_graphql(anonymous, PRODUCT, {"slug": "oak-desk"})["data"]["product"]
    assert after == {
        "ratingAvg": 1.0,
        "reviewCount": 1,
        "reviews": {"edges": [{"node": {"rating": 1, "author": {"displayName": "Bob"}}}]},
    }
    # and subscribers are told
    assert list(ProductEvent.objects.values_list("type", "product_id", "changed_fields")) == [
        ("product.updated", product.pk, ["rating_avg", "review_count"])
    ]


def test_an_account_with_orders_is_not_deleted():
    # given a customer with an order, and a review
    customer = make_user(email="ada@example.com")
    product = make_product(stock=5)
    make_review(product=product, author=customer)
    order_place(actor=customer, lines=[OrderLineRequest(product.pk, 1)])
    staff = make_user(is_staff=True)
    # when staff try to delete the account
    with pytest.raises(ValidationError) as refused:
        services.user_delete(actor=staff, user_id=customer.pk)
    # then it is refused with a reason, and the account and its review stay
    assert (refused.value.code, refused.value.message) == (
        "invalid",
        "This account has orders, which are kept: deactivate it instead.",
    )
    assert User.objects.filter(pk=customer.pk).exists()
    assert Review.objects.filter(author=customer).count() == 1
