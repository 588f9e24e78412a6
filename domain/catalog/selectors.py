"""Reads of the catalog and its visibility rules.

Selectors return unevaluated QuerySets so callers (the GraphQL optimizer) can still shape
them. The rule they carry: an unpublished or soft-deleted product does not exist for
anyone but staff, wherever it would appear; soft-deleted products are gone for everyone
(order lines keep their snapshot).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from domain.catalog.models import Category, Favorite, Product, ProductImage, Review
from domain.common.permissions import (
    StaffScope,
    acts_as_themself,
    is_staff,
    require_staff,
)


def product_restrict_to_visible(queryset: QuerySet[Product], *, user: Any) -> QuerySet[Product]:
    """Narrow any product queryset to what `user` may see."""
    queryset = queryset.filter(deleted_at__isnull=True)
    if is_staff(user, StaffScope.CATALOG_READ):
        return queryset
    return queryset.filter(is_published=True)


def product_list_visible_to(*, user: Any, include_unpublished: bool = False) -> QuerySet[Product]:
    """The storefront list: published products; staff may add unpublished ones. Anyone
    else asking for them is refused (ValidationError UNAUTHENTICATED or PERMISSION_DENIED),
    not quietly given the published ones."""
    if include_unpublished:
        require_staff(user, scope=StaffScope.CATALOG_READ, action="list unpublished products")
        return Product.objects.all()
    return Product.objects.published()


def product_get_visible_by_slug(*, user: Any, slug: str) -> QuerySet[Product]:
    return product_restrict_to_visible(Product.objects.filter(slug=slug), user=user)


def product_list_favorited_by(*, owner: Any, viewer: Any) -> QuerySet[Product]:
    """`owner`'s favourite products as `viewer` may see them."""
    if owner is None or owner.pk is None:
        return Product.objects.none()
    return product_restrict_to_visible(
        Product.objects.filter(favorited_by__user=owner), user=viewer
    )


def product_ids_favorited(*, user: Any, product_ids: Iterable[int]) -> set[int]:
    """Which of these products `user` has favourited (none for anonymous users and API
    keys)."""
    if not acts_as_themself(user):
        return set()
    return set(
        Favorite.objects.filter(user=user, product_id__in=list(product_ids)).values_list(
            "product_id", flat=True
        )
    )


def favorite_list_of(*, user: Any) -> QuerySet[Favorite]:
    """`user`'s favourites (none for anonymous users and API keys), as a queryset to
    compose."""
    if not acts_as_themself(user):
        return Favorite.objects.none()
    return Favorite.objects.filter(user=user)


def product_image_list() -> QuerySet[ProductImage]:
    return ProductImage.objects.all()


def product_images_by_product(*, product_ids: Iterable[int]) -> dict[int, list[ProductImage]]:
    """Images of each product, lowest position first."""
    images: dict[int, list[ProductImage]] = {}
    for image in ProductImage.objects.filter(product_id__in=list(product_ids)).order_by(
        "product_id", "position", "id"
    ):
        images.setdefault(image.product_id, []).append(image)
    return images


def review_restrict_to_visible(queryset: QuerySet[Review], *, user: Any) -> QuerySet[Review]:
    """Narrow any review queryset to the reviews of products `user` may see."""
    visible = product_restrict_to_visible(Product.objects.all(), user=user)
    return queryset.filter(product__in=visible.values("pk"))


def review_list_visible_to(*, user: Any) -> QuerySet[Review]:
    """Reviews of products `user` may see."""
    return review_restrict_to_visible(Review.objects.all(), user=user)


def category_list() -> QuerySet[Category]:
    return Category.objects.all()


_SUBTREE_SQL = """
WITH RECURSIVE subtree(root_id, id) AS (
    SELECT id, id FROM catalog_category WHERE id IN ({placeholders})
    UNION
    SELECT subtree.root_id, child.id
      FROM catalog_category child JOIN subtree ON child.parent_id = subtree.id
)
"""


def category_subtree(*, roots: QuerySet[Category]) -> RawSQL:
    """The ids of `roots` and all their descendants, as a subquery: nothing runs until the
    query using it does (one statement for a filtered list, not a look-up before it).
    EmptyResultSet when `roots` can match nothing (an empty id list)."""
    roots_sql, params = roots.values("pk").query.sql_with_params()
    return RawSQL(_SUBTREE_SQL.format(placeholders=roots_sql) + "SELECT id FROM subtree", params)


def category_published_product_counts(*, category_ids: Iterable[int]) -> dict[int, int]:
    """Published, not deleted products in each category and its descendants, in one query."""
    ids = list(category_ids)
    if not ids:
        return {}
    sql = (
        _SUBTREE_SQL.format(placeholders=", ".join(["%s"] * len(ids)))
        + """
    SELECT subtree.root_id, COUNT(product.id)
      FROM subtree
      JOIN catalog_product product ON product.category_id = subtree.id
     WHERE product.is_published AND product.deleted_at IS NULL
     GROUP BY subtree.root_id
    """
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        counts = dict(cursor.fetchall())
    return {category_id: counts.get(category_id, 0) for category_id in ids}


def product_is_visible_to(product: Product, *, user: Any) -> bool:
    """The visibility rule for one loaded product (same rule as the querysets above)."""
    if product.deleted_at is not None:
        return False
    return product.is_published or is_staff(user, StaffScope.CATALOG_READ)


def product_get_for_staff(*, product_id: int) -> Product | None:
    """Any product that is not deleted, published or not (staff write paths)."""
    return Product.objects.filter(pk=product_id).first()


def product_get_visible(*, product_id: int, user: Any) -> Product | None:
    """One product as `user` may see it, with its category (a single query)."""
    return (
        product_restrict_to_visible(Product.objects.filter(pk=product_id), user=user)
        .select_related("category")
        .first()
    )
