"""An adversarial catalog for comparing compiled plans with the standard executor:
non-ASCII, emoji, control characters, whole-second and microsecond timestamps, 0.0 and
integral ratings, 5-digit ids, empty lists, null parents, unpublished and deleted rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from domain.catalog.models import Product, Review
from domain.common.permissions import StaffScope
from tests.factories import (
    make_api_key,
    make_category,
    make_favorite,
    make_product,
    make_product_image,
    make_review,
    make_user,
)
from tests.factories.api_keys import api_key_header

NAMES = [
    "Lampe \u00e0 p\u00e9trole",
    "\U0001f600 Emoji lamp \u2603",
    'Ctrl\x01\x1f\ttab\nline "quoted" back\\slash \x7f',
    "\u65e5\u672c\u8a9e</script>",
    "plain",
]


@dataclass
class Catalog:
    roles: dict[str, Any]
    products: list[Product] = field(default_factory=list)
    hidden: list[Product] = field(default_factory=list)  # unpublished or deleted
    reviews: list[Review] = field(default_factory=list)
    categories: list[Any] = field(default_factory=list)


def _at(seconds: int, micro: int = 0) -> datetime:
    return datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC) + timedelta(
        seconds=seconds, microseconds=micro
    )


@pytest.fixture
def adversarial_catalog() -> Catalog:
    customer = make_user(email="customer@example.com", display_name="Cl\u00e9o \U0001f431")
    other = make_user(email="other@example.com", display_name="Other\x02")
    staff = make_user(email="staff@example.com", is_staff=True)
    catalog = Catalog(
        roles={
            "anonymous": None,
            "customer": customer,
            "other": other,
            "staff": staff,
            # keys of the staff member: one reading the catalog as staff, one without
            "key": ApiKeyCaller(
                make_api_key(created_by=staff, scopes=[StaffScope.CATALOG_READ])[1]
            ),
            "scopeless key": ApiKeyCaller(
                make_api_key(created_by=staff, scopes=[StaffScope.ORDERS_READ])[1]
            ),
        }
    )
    root = make_category(name="Root \u00e9", position=2)
    child = make_category(name="Kid \U0001f9f8", parent=root, position=1)
    empty = make_category(name="Empty", position=0)
    catalog.categories = [root, child, empty]
    for n in range(14):
        product = make_product(
            pk=10_000 + n * 7 if n % 3 else None,
            name=NAMES[n % len(NAMES)] + f" {n}",
            description=NAMES[(n + 2) % len(NAMES)],
            price=Decimal(n * 3) + Decimal("0.05") if n % 4 else Decimal("0.00"),
            stock=n % 3,
            category=child if n % 2 else root,
            is_published=n % 5 != 4,
        )
        rating = [Decimal("0.00"), Decimal("4.00"), Decimal("3.33"), Decimal("4.50")][n % 4]
        # Ties on created_at (n // 2) test the id tiebreaker; whole seconds and micros mix.
        Product.all_objects.filter(pk=product.pk).update(
            created_at=_at(n // 2, 0 if n % 3 else 120_000),
            updated_at=_at(n, 1),
            rating_avg=rating,
            deleted_at=_at(99) if n == 7 else None,
        )
        product.refresh_from_db()
        if product.deleted_at is not None or not product.is_published:
            catalog.hidden.append(product)
        else:
            catalog.products.append(product)
        for i in range(n % 4):
            make_product_image(product=product, position=(3 - i) % 3, alt_text=NAMES[i])
        for i, author in enumerate([customer, other, staff][: n % 4]):
            review = make_review(
                product=product, author=author, rating=1 + i, title=NAMES[i], body=NAMES[n % 5]
            )
            Review.objects.filter(pk=review.pk).update(created_at=_at(i % 2, 5 * i))
            catalog.reviews.append(review)
    # A stored name whose URL Django would quote: the plan's statement fails, the standard
    # executor answers.
    make_product_image(product=catalog.hidden[0], image="products/x/caf\u00e9 1.png")
    for product in catalog.products[:3] + catalog.hidden[:1]:
        make_favorite(user=customer, product=product)
    make_favorite(user=other, product=catalog.products[-1])
    make_favorite(user=staff, product=catalog.products[0])  # never shown to the staff's keys
    return catalog


@dataclass(frozen=True)
class ApiKeyCaller:
    """A role that sends an API key's secret instead of signing in."""

    secret: str


def client_as(user: Any) -> Client:
    if isinstance(user, ApiKeyCaller):
        return Client(headers=api_key_header(user.secret))
    client = Client()
    if user is not None and not isinstance(user, AnonymousUser):
        client.force_login(user)
    return client
