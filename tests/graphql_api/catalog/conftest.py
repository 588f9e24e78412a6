from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.catalog.models import Favorite, Product, ProductImage, Review
from domain.catalog.rating_stats import product_rating_stats_refresh
from tests.factories import make_category, make_product, make_user


def make_catalog(products: int, *, reviews_each: int = 4, images_each: int = 2) -> list[Product]:
    """`products` published products in one two-level category tree, with reviews and images,
    created in bulk."""
    root = make_category(name="Home")
    leaf = make_category(name="Lamps", parent=root)
    authors = [make_user() for _ in range(reviews_each)]
    created = Product.objects.bulk_create(
        Product(
            name=f"Lamp {n:03d}",
            slug=f"lamp-{n:03d}",
            price=Decimal(n % 50) + Decimal("0.99"),
            stock=n % 7,
            is_published=True,
            category=leaf,
            description="A lamp.",
        )
        for n in range(products)
    )
    Review.objects.bulk_create(
        Review(product=p, author=a, rating=1 + (i + p.pk) % 5, title=f"Review {i}")
        for p in created
        for i, a in enumerate(authors)
    )
    ProductImage.objects.bulk_create(
        ProductImage(product=p, image=f"products/{p.pk}/{i}.png", alt_text=f"view {i}", position=i)
        for p in created
        for i in range(images_each)
    )
    product_rating_stats_refresh(product_ids=[p.pk for p in created])
    return list(Product.objects.filter(pk__in=[p.pk for p in created]).order_by("pk"))


@pytest.fixture
def customer() -> Any:
    return make_user(email="customer@example.com")


@pytest.fixture
def staff() -> Any:
    return make_user(email="staff@example.com", is_staff=True)


@pytest.fixture
def favorite_of(customer: Any):
    def mark(product: Product) -> None:
        Favorite.objects.create(user=customer, product=product)

    return mark


@pytest.fixture
def published_and_draft() -> tuple[Product, Product]:
    category = make_category(name="Desks")
    return (
        make_product(name="Oak Desk", slug="oak-desk", category=category, is_published=True),
        make_product(name="Draft Desk", slug="draft-desk", category=category, is_published=False),
    )
