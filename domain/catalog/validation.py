"""Validation of catalog input, shared by the services and the admin forms."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from domain.common.currencies import ISO_4217_CODES
from domain.common.error_codes import CommonErrorCode

MAX_PRICE = Decimal("9999999999.99")
MAX_STOCK = 1_000_000_000
NAME_MAX = 200
SLUG_MAX = 220


class Errors:
    """Collects field errors so one response reports all of them."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def add(self, field: str, message: str, code: Any = CommonErrorCode.INVALID) -> None:
        self.by_field.setdefault(field, []).append(ValidationError(message, code=code.value))

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def clean_name(errors: Errors, value: Any, *, max_length: int = NAME_MAX) -> str | None:
    name = (value or "").strip()
    if not name:
        errors.add("name", "A name is required.", CommonErrorCode.REQUIRED)
    elif len(name) > max_length:
        errors.add("name", f"At most {max_length} characters.")
    return name


def clean_slug(
    errors: Errors, value: Any, *, name: str | None, max_length: int = SLUG_MAX
) -> str | None:
    if value in (None, "") and not name:
        return None  # derived from a name that is itself refused: one error is enough
    slug = slugify(value if value not in (None, "") else (name or ""))
    if not slug:
        errors.add("slug", "Give a slug of letters, digits and hyphens.")
    elif len(slug) > max_length:
        errors.add("slug", f"At most {max_length} characters.")
    return slug


def clean_price(errors: Errors, value: Any) -> Decimal | None:
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add("price", 'Give a decimal number such as "12.50".')
        return None
    if not price.is_finite() or price < 0:
        errors.add("price", "The price must be 0 or more.")
    elif price > MAX_PRICE:
        errors.add("price", f"The price must be at most {MAX_PRICE}.")
    elif price.as_tuple().exponent < -2:  # type: ignore[operator]
        errors.add("price", "At most 2 decimal places.")
    else:
        return price.quantize(Decimal("0.01"))
    return None


def clean_currency(errors: Errors, value: Any) -> str | None:
    currency = (value or "").strip().upper()
    if currency not in ISO_4217_CODES:
        errors.add("currency", f"{value!r} is not an ISO 4217 currency code.")
        return None
    return currency


def clean_stock(errors: Errors, value: Any) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        errors.add("stock", "Stock must be a whole number, 0 or more.")
        return None
    if value > MAX_STOCK:
        errors.add("stock", f"Stock must be at most {MAX_STOCK}.")
        return None
    return value
