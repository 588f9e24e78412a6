"""Inliners: for each object type the plans cover, each field as a SQL expression over a
row of that type's queryset. A field missing here makes its document fall back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models import TextField as TextOutput

from domain.accounts.models import User
from domain.catalog import selectors
from domain.catalog.models import Category
from domain.common.permissions import acts_as_themself
from graphql_api.execution.plans import sql
from graphql_api.execution.plans.cache import BoundViewer, Param
from graphql_api.execution.plans.connections import connection, page_arguments
from graphql_api.execution.plans.selection import NotCompilable, Selected

# A stored image name whose URL is MEDIA_URL + name, unchanged by quoting or by
# `build_absolute_uri`'s path handling; any other makes the statement fail (fallback).
_PLAIN_NAME = "^[A-Za-z0-9_-]+(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$"


@dataclass(frozen=True)
class Env:
    viewer: Any
    media_prefix: str | None  # absolute URL of MEDIA_URL for this request
    schema: Any = None  # the strawberry schema (for argument conversion)
    context: Any = None  # the request's GraphQL context (what filters read of `info`)


Inliner = Callable[[Selected, Env], Any]


def json_of(type_name: str, fields: list[Selected], env: Env) -> sql.Sql:
    """The JSON object of one row of `type_name`'s queryset."""
    inliners = INLINERS.get(type_name)
    if inliners is None:
        raise NotCompilable(type_name)
    members = []
    for selected in fields:
        if selected.name == "__typename":
            members.append((selected.key, sql.constant_text(type_name)))
            continue
        inliner = inliners.get(selected.name)
        if inliner is None:
            raise NotCompilable(f"{type_name}.{selected.name}")
        members.append((selected.key, inliner(selected, env)))
    return sql.json_object(members)


def one(queryset: Any, selected: Selected, env: Env) -> Subquery:
    """The JSON of the first row of `queryset`, or null."""
    node = json_of(selected.type_name, selected.fields, env)
    return Subquery(queryset.annotate(_j=node).values("_j")[:1], output_field=TextOutput())


def column(name: str) -> Inliner:
    return lambda selected, env: F(name)


def _id(type_name: str) -> Inliner:
    return lambda selected, env: sql.global_id(type_name, F("pk"))


def _datetime(name: str) -> Inliner:
    return lambda selected, env: sql.datetime_text(F(name))


# --- Product ------------------------------------------------------------------------


def _is_favorite(selected: Selected, env: Env) -> Any:
    if not acts_as_themself(env.viewer):
        return sql.constant("false")
    viewer = BoundViewer("viewer", User._meta.pk, env.viewer)  # the id bound per request
    favorites = selectors.favorite_list_of(user=viewer).filter(product=OuterRef("pk"))
    return Exists(favorites)


def _images(product_pk: Any, env: Env) -> Any:
    return selectors.product_image_list().filter(product=product_pk).order_by("position", "id")


def _image_list(selected: Selected, env: Env) -> Any:
    node = json_of(selected.type_name, selected.fields, env)
    # Sliced so that the subquery keeps its ORDER BY; no product has that many images.
    rows = _images(OuterRef("pk"), env).annotate(_j=node).values("_j")[:10_000]
    return sql.Sql("array_to_json(ARRAY{0})", Subquery(rows, output_field=TextOutput()))


def _primary_image(selected: Selected, env: Env) -> Any:
    return one(_images(OuterRef("pk"), env), selected, env)


def _category(selected: Selected, env: Env) -> Any:
    return one(selectors.category_list().filter(pk=OuterRef("category_id")), selected, env)


def _reviews(selected: Selected, env: Env) -> Any:
    first = page_arguments(selected.arguments, nested=True).first
    reviews = selectors.review_list_visible_to(user=env.viewer).filter(product=OuterRef("pk"))
    return connection(selected, env, reviews, first=first, after=None, json_of=json_of)


PRODUCT: dict[str, Inliner] = {
    "id": _id("Product"),
    "name": column("name"),
    "slug": column("slug"),
    "description": column("description"),
    "price": lambda selected, env: sql.text_of(F("price")),
    "currency": column("currency"),
    "stock": column("stock"),
    "isPublished": column("is_published"),
    "reviewCount": column("review_count"),
    "ratingAvg": lambda selected, env: sql.float_of_decimal(F("rating_avg")),
    "createdAt": _datetime("created_at"),
    "updatedAt": _datetime("updated_at"),
    "isFavorite": _is_favorite,
    "category": _category,
    "images": _image_list,
    "primaryImage": _primary_image,
    "reviews": _reviews,
}


def _image_url(selected: Selected, env: Env) -> Any:
    if env.media_prefix is None:
        raise NotCompilable("no request to build image URLs from")
    return sql.Sql(
        f"CASE WHEN {{0}} ~ {sql.literal(_PLAIN_NAME)} THEN {{1}}::text || {{0}}"
        " ELSE ('x' || {0})::int::text END",
        F("image"),
        Param("media_prefix", TextOutput()),
    )


PRODUCT_IMAGE: dict[str, Inliner] = {
    "url": _image_url,
    "altText": column("alt_text"),
    "position": column("position"),
}


# --- Category, Review, User ------------------------------------------------------------


def _parent(selected: Selected, env: Env) -> Any:
    return one(selectors.category_list().filter(pk=OuterRef("parent_id")), selected, env)


def _product_count(selected: Selected, env: Env) -> Any:
    """As PublishedProductCountByCategoryIdLoader: the products anonymous readers see in
    the category and all its descendants."""
    table = sql.quoted(Category._meta.db_table)
    # No ordering: a sorted subquery is not flattened, and each count sorted every product.
    published = selectors.product_list_visible_to(user=None).order_by().values("category_id")
    # Counted per category of the subtree, each an index lookup: `category_id IN (subtree)`
    # over all products was planned as a scan of every product for every category.
    return sql.Sql(
        "(WITH RECURSIVE _sub(id) AS (SELECT {1} UNION"
        f" SELECT _child.id FROM {table} _child JOIN _sub ON _child.parent_id = _sub.id)"
        " SELECT coalesce(sum((SELECT count(*) FROM {0} _v WHERE _v.category_id = _sub.id)),"
        " 0)::bigint FROM _sub)",
        Subquery(published, output_field=TextOutput()),
        F("pk"),
    )


CATEGORY: dict[str, Inliner] = {
    "id": _id("Category"),
    "name": column("name"),
    "slug": column("slug"),
    "position": column("position"),
    "parent": _parent,
    "productCount": _product_count,
}


def _author(selected: Selected, env: Env) -> Any:
    # As ReviewType.author: the author of a review one may see, without UserType's rule.
    return one(User.objects.filter(pk=OuterRef("author_id")), selected, env)


REVIEW: dict[str, Inliner] = {
    "id": _id("Review"),
    "rating": column("rating"),
    "title": column("title"),
    "body": column("body"),
    "createdAt": _datetime("created_at"),
    "updatedAt": _datetime("updated_at"),
    "author": _author,
}

USER: dict[str, Inliner] = {
    "id": _id("User"),
    "displayName": column("display_name"),
}

INLINERS: dict[str, dict[str, Inliner]] = {
    "Product": PRODUCT,
    "ProductImage": PRODUCT_IMAGE,
    "Category": CATEGORY,
    "Review": REVIEW,
    "User": USER,
}
