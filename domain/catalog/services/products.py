"""Product writes: create, update (publishing included), soft delete, stock adjustments.
Staff only. Each records its events in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from domain.catalog.error_codes import CatalogErrorCode
from domain.catalog.models import Category, Product
from domain.catalog.selectors import product_get_for_staff
from domain.catalog.validation import (
    Errors,
    clean_currency,
    clean_name,
    clean_price,
    clean_slug,
    clean_stock,
)
from domain.common.currencies import DEFAULT_CURRENCY
from domain.common.error_codes import CommonErrorCode, field_error
from domain.common.permissions import StaffScope, require_staff
from domain.common.read_version import catalog_write
from domain.events.models import ProductEventType
from domain.events.services import product_event_record

MAX_STOCK_DELTA = 1_000_000


def product_for_staff_write(*, actor: Any, product_id: int) -> Product:
    """The product a staff write acts on (published or not, not deleted), after the staff
    check: non-staff actors learn nothing, not even whether it exists. NOT_FOUND on
    `product_id` when there is none."""
    require_staff(actor, scope=StaffScope.CATALOG_WRITE)
    product = product_get_for_staff(product_id=product_id)
    if product is None:
        raise field_error("product_id", "No such product.", CommonErrorCode.NOT_FOUND)
    return product


def _category(errors: Errors, category_id: int | None) -> Category | None:
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    if category is None:
        errors.add("category_id", "No such category.", CommonErrorCode.NOT_FOUND)
    return category


def _slug_taken(slug: str, *, exclude_pk: int | None = None) -> bool:
    return Product.all_objects.filter(slug=slug).exclude(pk=exclude_pk).exists()


def _slug_error(slug: str) -> Any:
    return field_error("slug", f"A product with the slug {slug!r} exists.", CommonErrorCode.UNIQUE)


def _conflict_error(slug: Any, category_id: int | None) -> Any:
    """What a write the database refused ran into: its category deleted meanwhile (a
    category delete locks the row this write's foreign key waited for), else its slug."""
    if category_id is not None and not Category.objects.filter(pk=category_id).exists():
        return field_error("category_id", "No such category.", CommonErrorCode.NOT_FOUND)
    return _slug_error(slug)


def product_create(
    *,
    actor: Any,
    name: str,
    price: Any,
    stock: int,
    category_id: int,
    slug: str | None = None,
    description: str = "",
    currency: str | None = None,
    is_published: bool = False,
) -> Product:
    require_staff(actor, scope=StaffScope.CATALOG_WRITE)
    errors = Errors()
    name = clean_name(errors, name)
    slug = clean_slug(errors, slug, name=name)
    price = clean_price(errors, price)
    currency = clean_currency(errors, currency or DEFAULT_CURRENCY)
    stock = clean_stock(errors, stock)
    category = _category(errors, category_id)
    if slug and "slug" not in errors.by_field and _slug_taken(slug):
        errors.add("slug", f"A product with the slug {slug!r} exists.", CommonErrorCode.UNIQUE)
    errors.raise_if_any()
    try:
        with catalog_write():
            product = Product.objects.create(
                name=name,
                slug=slug,
                description=description or "",
                price=price,
                currency=currency,
                stock=stock,
                category=category,
                creator=actor,
                is_published=is_published,
                published_at=timezone.now() if is_published else None,
            )
            product_event_record(product=product, type=ProductEventType.CREATED)
    except IntegrityError:  # a concurrent write took the slug or deleted the category
        raise _conflict_error(slug, category.pk if category else None) from None
    return product


def product_update(*, actor: Any, product_id: int, **changes: Any) -> Product:
    """Apply the given fields (absent ones stay). Records `updated` with the changed fields,
    plus `price_changed`, `stock_changed`, `published` or `unpublished` as they apply."""
    product = product_for_staff_write(actor=actor, product_id=product_id)
    errors = Errors()
    cleaned: dict[str, Any] = {}
    if "name" in changes:
        cleaned["name"] = clean_name(errors, changes["name"])
    if "slug" in changes:
        cleaned["slug"] = clean_slug(
            errors, changes["slug"], name=cleaned.get("name", product.name)
        )
    if "description" in changes:
        cleaned["description"] = changes["description"] or ""
    if "price" in changes:
        cleaned["price"] = clean_price(errors, changes["price"])
    if "currency" in changes:
        cleaned["currency"] = clean_currency(errors, changes["currency"])
    if "stock" in changes:
        cleaned["stock"] = clean_stock(errors, changes["stock"])
    if "category_id" in changes:
        category = _category(errors, changes["category_id"])
        cleaned["category_id"] = category.pk if category else None
    if "is_published" in changes:
        if changes["is_published"] is None:
            errors.add("is_published", "Give true or false.")
        cleaned["is_published"] = bool(changes["is_published"])
    slug = cleaned.get("slug")
    if slug and "slug" not in errors.by_field and _slug_taken(slug, exclude_pk=product.pk):
        errors.add("slug", f"A product with the slug {slug!r} exists.", CommonErrorCode.UNIQUE)
    errors.raise_if_any()
    try:
        with catalog_write() as write:
            locked = Product.objects.select_for_update().get(pk=product.pk)
            was_public = locked.is_published
            previous_category_id = locked.category_id
            changed = {f for f, v in cleaned.items() if getattr(locked, f) != v}
            for field in changed:
                setattr(locked, field, cleaned[field])
            if "is_published" in changed and locked.is_published:
                locked.published_at = timezone.now()
                changed.add("published_at")
            if changed:
                locked.save(update_fields=[*changed, "updated_at"])
                _record_update_events(
                    locked,
                    changed,
                    was_public=was_public,
                    previous_category_id=previous_category_id,
                )
            else:
                write.unchanged()
    except IntegrityError:
        raise _conflict_error(slug, cleaned.get("category_id")) from None
    return locked


def _record_update_events(
    product: Product, changed: set[str], *, was_public: bool, previous_category_id: int
) -> None:
    def record(kind: ProductEventType, fields: Any) -> None:
        product_event_record(
            product=product,
            type=kind,
            changed_fields=fields,
            was_public=was_public,
            previous_category_id=previous_category_id,
        )

    record(ProductEventType.UPDATED, changed)
    if "price" in changed:
        record(ProductEventType.PRICE_CHANGED, ["price"])
    if "stock" in changed:
        record(ProductEventType.STOCK_CHANGED, ["stock"])
    if "is_published" in changed:
        published = product.is_published
        record(
            ProductEventType.PUBLISHED if published else ProductEventType.UNPUBLISHED,
            ["is_published"],
        )


def product_delete(*, actor: Any, product_id: int) -> int:
    """Soft delete: the product leaves the catalog; order lines keep pointing at it."""
    product = product_for_staff_write(actor=actor, product_id=product_id)
    with catalog_write():
        locked = Product.objects.select_for_update().filter(pk=product.pk).first()
        if locked is None:  # deleted meanwhile
            raise field_error("product_id", "No such product.", CommonErrorCode.NOT_FOUND)
        was_public = locked.is_published
        locked.mark_deleted()
        locked.save(update_fields=["deleted_at", "updated_at"])
        product_event_record(
            product=locked,
            type=ProductEventType.DELETED,
            changed_fields=["deleted_at"],
            was_public=was_public,
        )
    return locked.pk


def stock_adjust(*, actor: Any, product_id: int, delta: int) -> Product:
    """Add `delta` (negative to take away) in one conditional UPDATE: stock never goes
    below zero, whatever runs at the same time."""
    product = product_for_staff_write(actor=actor, product_id=product_id)
    if not isinstance(delta, int) or abs(delta) > MAX_STOCK_DELTA:
        raise field_error(
            "delta", f"At most {MAX_STOCK_DELTA} either way.", CommonErrorCode.INVALID
        )
    if delta == 0:  # changes nothing, not even `updatedAt`
        current = Product.objects.filter(pk=product.pk).first()
        if current is None:
            raise field_error("product_id", "No such product.", CommonErrorCode.NOT_FOUND)
        return current
    with catalog_write():
        updated = Product.objects.filter(pk=product.pk, stock__gte=-delta).update(
            stock=F("stock") + delta, updated_at=timezone.now()
        )
        if not updated:
            if not Product.objects.filter(pk=product.pk).exists():
                raise field_error("product_id", "No such product.", CommonErrorCode.NOT_FOUND)
            raise field_error(
                "delta", "Stock cannot go below zero.", CatalogErrorCode.INSUFFICIENT_STOCK
            )
        product = Product.objects.get(pk=product.pk)
        product_event_record(
            product=product, type=ProductEventType.STOCK_CHANGED, changed_fields=["stock"]
        )
    return product
