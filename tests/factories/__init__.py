"""Plain factory functions for tests, one module per domain: every argument has a sensible
default, and each returns the saved row. They write rows directly (no service, no event,
no rating refresh), so a test that is about a service calls the service instead."""

from __future__ import annotations

from tests.factories.accounts import make_staff, make_user
from tests.factories.api_keys import make_api_key
from tests.factories.catalog import (
    make_catalog,
    make_category,
    make_favorite,
    make_product,
    make_product_image,
    make_review,
)
from tests.factories.orders import make_order, make_order_line
from tests.factories.sequence import next_number

__all__ = [
    "make_api_key",
    "make_catalog",
    "make_category",
    "make_favorite",
    "make_order",
    "make_order_line",
    "make_product",
    "make_product_image",
    "make_review",
    "make_staff",
    "make_user",
    "next_number",
]
