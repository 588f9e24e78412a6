from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from domain.accounts.models import User
from domain.catalog.models import Category, Product, ProductImage, Review
from domain.demo.seeding import DEMO_ACCOUNTS
from domain.orders.models import Order, OrderLine

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, list[tuple]]:
    return {
        "categories": list(Category.objects.order_by("slug").values_list("slug", "parent__slug")),
        "products": list(
            Product.all_objects.order_by("slug").values_list(
                "slug",
                "name",
                "price",
                "stock",
                "is_published",
                "category__slug",
                "rating_avg",
                "review_count",
            )
        ),
        "images": list(
            ProductImage.objects.order_by("product__slug", "position").values_list(
                "product__slug", "position", "image"
            )
        ),
        "reviews": list(
            Review.objects.order_by("product__slug", "author__email").values_list(
                "product__slug", "author__email", "rating", "title"
            )
        ),
        "users": list(User.objects.order_by("email").values_list("email", "is_staff")),
        "orders": list(Order.objects.order_by("number").values_list("number", "status", "total")),
        "lines": list(
            OrderLine.objects.order_by("order__number", "product__slug").values_list(
                "order__number", "product__slug", "quantity"
            )
        ),
    }


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, "--force", stdout=out)
    return out.getvalue()


def test_seed_demo_twice_gives_the_same_rows():
    # given
    _seed("--products", "30", "--seed", "7")
    first = _snapshot()
    # when
    output = _seed("--products", "30", "--seed", "7")
    # then
    assert _snapshot() == first
    assert "+0 products" in output
    assert len(first["products"]) == 30
    assert first["reviews"] and first["images"] and first["orders"]


def test_seed_demo_rating_columns_match_the_reviews():
    _seed("--products", "20")
    for product in Product.all_objects.all():
        ratings = list(product.reviews.values_list("rating", flat=True))
        assert product.review_count == len(ratings)
        expected = round(sum(ratings) / len(ratings), 2) if ratings else 0
        assert float(product.rating_avg) == pytest.approx(expected, abs=0.005)


def test_seed_demo_with_more_products_adds_only_the_missing_ones():
    _seed("--products", "10", "--seed", "3")
    ten = set(Product.all_objects.values_list("slug", flat=True))
    _seed("--products", "15", "--seed", "3")
    fifteen = set(Product.all_objects.values_list("slug", flat=True))
    assert ten < fifteen
    assert len(fifteen) == 15


def test_demo_accounts_can_sign_in_with_the_printed_credentials():
    output = _seed("--products", "2")
    for account in DEMO_ACCOUNTS:
        assert f"{account.email} / {account.password}" in output
        user = authenticate(username=account.email, password=account.password)
        assert user is not None
        assert user.is_staff is account.is_staff


def test_seed_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", "--products", "1", stdout=io.StringIO())
    assert not Product.all_objects.exists()


def test_seed_demo_if_empty_adds_nothing_to_a_database_with_products():
    _seed("--products", "3")
    output = _seed("--products", "9", "--if-empty")
    assert Product.all_objects.count() == 3
    assert "already has products" in output


def test_demo_orders_take_the_stock_their_lines_hold(monkeypatch):
    # given the demo catalog without its orders
    from domain.demo import seeding

    monkeypatch.setattr(seeding, "_ensure_demo_orders", lambda report, seed: None)
    _seed("--products", "30", "--seed", "7")
    before = dict(Product.all_objects.values_list("pk", "stock"))
    monkeypatch.undo()
    # when the demo orders are added
    seeding._ensure_demo_orders(seeding.SeedReport(), 7)
    # then each product's stock went down by what the orders' lines hold (so that cancelling
    # one, by its customer or the payment timeout, gives back only what it took)
    taken: dict[int, int] = {}
    for product_id, quantity in OrderLine.objects.values_list("product_id", "quantity"):
        taken[product_id] = taken.get(product_id, 0) + quantity
    assert taken
    after = dict(Product.all_objects.values_list("pk", "stock"))
    assert after == {pk: stock - taken.get(pk, 0) for pk, stock in before.items()}
    assert min(after.values()) >= 0
