from __future__ import annotations

from typing import Any

import pytest

from domain.catalog.models import Product
from tests.factories import make_category, make_favorite, make_product, make_user


@pytest.fixture
def customer() -> Any:
    return make_user(email="customer@example.com")


@pytest.fixture
def staff() -> Any:
    return make_user(email="staff@example.com", is_staff=True)


@pytest.fixture
def favorite_of(customer: Any):
    def mark(product: Product) -> None:
        make_favorite(user=customer, product=product)

    return mark


@pytest.fixture
def published_and_draft() -> tuple[Product, Product]:
    category = make_category(name="Desks")
    return (
        make_product(name="Oak Desk", slug="oak-desk", category=category, is_published=True),
        make_product(name="Draft Desk", slug="draft-desk", category=category, is_published=False),
    )
