"""Plain factory functions for tests: every argument has a sensible default."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from domain.accounts.models import User
from domain.catalog.models import Category, Product, Review

_sequence = itertools.count(1)


def next_number() -> int:
    return next(_sequence)


def make_user(*, email: str | None = None, password: str = "pass-word-123", **fields: Any) -> User:
    email = email or f"user{next_number()}@example.com"
    return User.objects.create_user(email, password, **fields)


def make_staff(**fields: Any) -> User:
    return make_user(is_staff=True, **fields)


def make_category(
    *, name: str | None = None, parent: Category | None = None, **fields: Any
) -> Category:
    number = next_number()
    name = name or f"Category {number}"
    fields.setdefault("slug", f"category-{number}")
    return Category.objects.create(name=name, parent=parent, **fields)


def make_product(*, category: Category | None = None, **fields: Any) -> Product:
    number = next_number()
    fields.setdefault("name", f"Product {number}")
    fields.setdefault("slug", f"product-{number}")
    fields.setdefault("price", Decimal("10.00"))
    fields.setdefault("stock", 5)
    fields.setdefault("is_published", True)
    return Product.objects.create(category=category or make_category(), **fields)


def make_review(*, product: Product, author: User | None = None, **fields: Any) -> Review:
    fields.setdefault("rating", 4)
    fields.setdefault("title", "Good")
    return Review.objects.create(product=product, author=author or make_user(), **fields)
