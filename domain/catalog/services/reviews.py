"""Reviews (one per author and product, rating stats kept in the same transaction) and
favourites."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from domain.catalog.error_codes import CatalogErrorCode
from domain.catalog.models import Favorite, Product, Review
from domain.catalog.rating_stats import product_rating_stats_refresh
from domain.catalog.selectors import product_restrict_to_visible
from domain.catalog.validation import Errors
from domain.common.error_codes import CommonErrorCode, field_error, input_error
from domain.common.permissions import StaffScope, is_staff, require_customer
from domain.common.read_version import catalog_write
from domain.events.models import ProductEventType
from domain.events.services import product_event_record

TITLE_MAX = 200
BODY_MAX = 5000


def _clean_review(errors: Errors, *, rating: Any, title: Any, body: Any) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if rating is not None:
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
            errors.add("rating", "The rating must be a whole number from 1 to 5.")
        cleaned["rating"] = rating
    if title is not None:
        title = title.strip()
        if not 1 <= len(title) <= TITLE_MAX:
            errors.add("title", f"The title must have 1 to {TITLE_MAX} characters.")
        cleaned["title"] = title
    if body is not None:
        if len(body) > BODY_MAX:
            errors.add("body", f"At most {BODY_MAX} characters.")
        cleaned["body"] = body
    return cleaned


def _lock_visible_product(*, actor: Any, product_id: int) -> Product:
    """The product row, locked: reviews of one product are written one at a time, so each
    rating refresh sees every review committed before it (no lost update)."""
    visible = product_restrict_to_visible(Product.objects.all(), user=actor)
    product = visible.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise field_error("product_id", "No such product.", CommonErrorCode.NOT_FOUND)
    return product


def review_create(
    *, actor: Any, product_id: int, rating: int, title: str, body: str | None = None
) -> Review:
    require_customer(actor, action="review a product")
    errors = Errors()
    cleaned = _clean_review(errors, rating=rating, title=title, body=body or "")
    errors.raise_if_any()
    try:
        with catalog_write():
            product = _lock_visible_product(actor=actor, product_id=product_id)
            review = Review.objects.create(product=product, author=actor, **cleaned)
            product_rating_stats_refresh(product_ids=[product.pk])
            product.refresh_from_db(fields=["rating_avg", "review_count"])
            product_event_record(
                product=product,
                type=ProductEventType.REVIEW_ADDED,
                changed_fields=["rating_avg", "review_count"],
            )
    except IntegrityError:
        raise input_error(
            "You have reviewed this product already.", CatalogErrorCode.ALREADY_EXISTS
        ) from None
    review.product = product
    return review


def _owned_review(*, actor: Any, review_id: int, staff_may: bool) -> Review:
    review = Review.objects.filter(pk=review_id).first()
    if review is None or not (
        review.author_id == actor.pk or (staff_may and is_staff(actor, StaffScope.CATALOG_WRITE))
    ):
        # Another's review: PERMISSION_DENIED only when the caller may see it anyway.
        if (
            review is not None
            and product_restrict_to_visible(
                Product.objects.filter(pk=review.product_id), user=actor
            ).exists()
        ):
            raise input_error("This is not your review.", CommonErrorCode.PERMISSION_DENIED)
        raise field_error("review_id", "No such review.", CommonErrorCode.NOT_FOUND)
    return review


def review_update(
    *,
    actor: Any,
    review_id: int,
    rating: int | None = None,
    title: str | None = None,
    body: str | None = None,
) -> Review:
    """The author edits their review. Values equal to the stored ones change nothing: no
    write, no new `updatedAt`, no move of the catalog's read version."""
    require_customer(actor, action="edit a review")
    review = _owned_review(actor=actor, review_id=review_id, staff_may=False)
    errors = Errors()
    cleaned = _clean_review(errors, rating=rating, title=title, body=body)
    errors.raise_if_any()
    with catalog_write() as write:
        product = _lock_visible_product(actor=actor, product_id=review.product_id)
        # Read again under the product lock: a delete that won the race leaves nothing to
        # update (a plain save would insert the row back).
        review = Review.objects.select_for_update().filter(pk=review.pk).first()
        if review is None:
            raise field_error("review_id", "No such review.", CommonErrorCode.NOT_FOUND)
        changed = [field for field, value in cleaned.items() if getattr(review, field) != value]
        if not changed:
            write.unchanged()
            return review
        for field in changed:
            setattr(review, field, cleaned[field])
        review.save(update_fields=[*changed, "updated_at"])
        if "rating" in changed:
            _ratings_changed(product)  # its event notes the change
        else:
            write.changed(was_public=product.is_public, is_public=product.is_public)
    return review


def _ratings_changed(product: Product) -> None:
    """Refresh the rating columns and tell subscribers (an UPDATED event)."""
    product_rating_stats_refresh(product_ids=[product.pk])
    product.refresh_from_db(fields=["rating_avg", "review_count"])
    product_event_record(
        product=product,
        type=ProductEventType.UPDATED,
        changed_fields=["rating_avg", "review_count"],
    )


def review_delete(*, actor: Any, review_id: int) -> int:
    """The author, or staff, removes a review."""
    if not is_staff(actor, StaffScope.CATALOG_WRITE):
        require_customer(actor, action="delete a review")
    review = _owned_review(actor=actor, review_id=review_id, staff_may=True)
    with catalog_write():
        product = Product.all_objects.select_for_update().filter(pk=review.product_id).first()
        if not Review.objects.filter(pk=review.pk).delete()[0]:
            raise field_error("review_id", "No such review.", CommonErrorCode.NOT_FOUND)
        _ratings_changed(product)
    return review_id


def favorite_toggle(*, actor: Any, product_id: int) -> tuple[Product, bool]:
    """Favourite a visible product, or un-favourite it; returns the product and whether it
    is now a favourite."""
    require_customer(actor, action="mark favourites")
    product = (
        product_restrict_to_visible(Product.objects.all(), user=actor).filter(pk=product_id).first()
    )
    if product is None:
        raise field_error("product_id", "No such product.", CommonErrorCode.NOT_FOUND)
    with transaction.atomic():
        deleted, _ = Favorite.objects.filter(user=actor, product=product).delete()
        if deleted:
            return product, False
        Favorite.objects.get_or_create(user=actor, product=product)
    return product, True
