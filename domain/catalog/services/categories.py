"""Category writes: create, update (rename, new slug, move, reorder) and delete. Staff
holding CATALOG_WRITE only; the API, the admin and tasks call these.

The rules:
- `slug`: the one given, or derived from the name; unique among categories (UNIQUE on
  `slug`, also when derived: give another slug). An update keeps the slug unless given
  (a null slug derives it again from the name).
- `parent_id`: an existing category (NOT_FOUND) or none (a root). A category is never
  moved under itself or one of its descendants (INVALID). Moves take a lock on the tree
  (`CATEGORY_TREE_LOCK`) before they look, so two concurrent moves cannot close a cycle
  between them; the database trigger (migration 0002) still refuses one from any writer.
- `position`: order among siblings (lowest first, ties by name), 0 or more. A new
  category goes after its last sibling; an update changes it only when given.
- Delete: refused (IN_USE) while the category holds subcategories or products that are
  not deleted. Deleted products no longer hold it: they keep their rows for order history
  and are detached (their category becomes null; `product_live_has_category`), so "delete
  the products first" empties a category, as the contract says.
- Search: a product's search document holds its own category's name (migration 0003), not
  its ancestors'. A rename refreshes the documents of the category's products (a database
  trigger, in the same transaction); a move changes no document, so none is rewritten.
- Events: a category change is a change of what its products show or of where they
  belong, so it reaches the product streams (subscriptions, webhooks) as product
  events, recorded in the same transaction in one statement whatever the number of
  products (domain/events/category_membership.py): UPDATED with `changed_fields`
  ["category"] for every live product directly in a renamed or re-slugged category
  (`category { name slug }` changed), and for every live product in a moved category or
  its subcategories (the subtrees it belongs to changed: `categorySlug` and a
  subscription's `categoryIds` take subcategories in). Each goes to the groups of the
  categories whose subtrees held the product after the change and, for a move, before
  it, so subscribers of the former parent learn that it left. Staff only for
  unpublished products. A new position, a create and a delete (of an empty category)
  change no product: no events. What moves on every change is the catalog's read
  version (categories are public), so cached anonymous answers show the change at once.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection
from django.db.models import Max

from domain.catalog.error_codes import CatalogErrorCode
from domain.catalog.models import Category, Product
from domain.catalog.validation import Errors, clean_name, clean_slug
from domain.common.error_codes import CommonErrorCode, field_error
from domain.common.permissions import StaffScope, require_staff
from domain.common.read_version import catalog_write
from domain.events.services import category_change_events_record

NAME_MAX = Category._meta.get_field("name").max_length
SLUG_MAX = Category._meta.get_field("slug").max_length
MAX_POSITION = 2_147_483_647  # the column's largest value
CATEGORY_TREE_LOCK = 0xCA7_0001  # an arbitrary, project-wide advisory lock key
CYCLE_MESSAGE = "A category cannot be moved under itself or one of its subcategories."
_UNSET: Any = object()


def _take_tree_lock() -> None:
    """Serialise moves until the transaction ends (SQLite has one writer at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CATEGORY_TREE_LOCK])


def _clean_position(errors: Errors, value: Any) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_POSITION:
        errors.add("position", f"The position must be a whole number from 0 to {MAX_POSITION}.")
        return None
    return value


def _parent(errors: Errors, parent_id: int | None, *, moving: int | None = None) -> int | None:
    """The parent's id once it exists and (when `moving` a category) is not that category
    or one of its descendants."""
    if parent_id is None:
        return None
    parent = Category.objects.filter(pk=parent_id).first() if parent_id > 0 else None
    if parent is None:
        errors.add("parent_id", "No such category.", CommonErrorCode.NOT_FOUND)
        return None
    if moving is not None and (parent.pk == moving or moving in parent.ancestor_ids()):
        errors.add("parent_id", CYCLE_MESSAGE, CommonErrorCode.INVALID)
        return None
    return parent.pk


def _slug_taken(slug: str | None, *, exclude_pk: int | None = None) -> bool:
    return bool(slug) and Category.objects.filter(slug=slug).exclude(pk=exclude_pk).exists()


def _slug_error(slug: str) -> Any:
    return field_error("slug", f"A category with the slug {slug!r} exists.", CommonErrorCode.UNIQUE)


def _check_slug(errors: Errors, slug: str | None, *, exclude_pk: int | None = None) -> None:
    if "slug" not in errors.by_field and _slug_taken(slug, exclude_pk=exclude_pk):
        errors.add("slug", f"A category with the slug {slug!r} exists.", CommonErrorCode.UNIQUE)


def _refusal_after_conflict(
    error: IntegrityError,
    *,
    slug: str | None,
    parent_id: int | None,
    category_id: int | None = None,
    moved: bool = False,
) -> Exception:
    """What a write that the database refused ran into, looked at again once its
    transaction is over: a slug taken meanwhile, a parent deleted meanwhile, or (a move)
    a cycle; else the database's own error, which then is a bug to see."""
    if _slug_taken(slug, exclude_pk=category_id):
        return _slug_error(slug or "")
    if parent_id is not None and not Category.objects.filter(pk=parent_id).exists():
        return field_error("parent_id", "No such category.", CommonErrorCode.NOT_FOUND)
    if moved:
        return field_error("parent_id", CYCLE_MESSAGE, CommonErrorCode.INVALID)
    return error


def category_create(
    *,
    actor: Any,
    name: str,
    slug: str | None = None,
    parent_id: int | None = None,
    position: int | None = None,
) -> Category:
    require_staff(actor, scope=StaffScope.CATALOG_WRITE, action="create categories")
    errors = Errors()
    name = clean_name(errors, name, max_length=NAME_MAX)
    slug = clean_slug(errors, slug, name=name, max_length=SLUG_MAX)
    if position is not None:
        position = _clean_position(errors, position)
    parent_pk = _parent(errors, parent_id)
    _check_slug(errors, slug)
    errors.raise_if_any()
    if position is None:
        last = Category.objects.filter(parent_id=parent_pk).aggregate(last=Max("position"))
        position = 0 if last["last"] is None else min(last["last"] + 1, MAX_POSITION)
    try:
        with catalog_write():
            return Category.objects.create(
                name=name, slug=slug, parent_id=parent_pk, position=position
            )
    except IntegrityError as error:  # a concurrent write took the slug or deleted the parent
        raise _refusal_after_conflict(error, slug=slug, parent_id=parent_pk) from None


def category_update(
    *,
    actor: Any,
    category_id: int,
    name: Any = _UNSET,
    slug: Any = _UNSET,
    parent_id: Any = _UNSET,
    position: Any = _UNSET,
) -> Category:
    """Change the fields given (the others stay). NOT_FOUND on `category_id` when there is
    no such category; a move under the category itself or a descendant is INVALID on
    `parent_id`."""
    require_staff(actor, scope=StaffScope.CATALOG_WRITE, action="change categories")
    moving = parent_id is not _UNSET
    cleaned: dict[str, Any] = {}
    try:
        with catalog_write() as write:
            if moving:
                _take_tree_lock()  # before reading the tree it checks
            category = Category.objects.select_for_update().filter(pk=category_id).first()
            if category is None:
                raise field_error("category_id", "No such category.", CommonErrorCode.NOT_FOUND)
            cleaned = _cleaned_changes(category, name, slug, parent_id, position)
            changed = [f for f, value in cleaned.items() if getattr(category, f) != value]
            former_parent_id = category.parent_id
            for field in changed:
                setattr(category, field, cleaned[field])
            if changed:
                category.save(update_fields=[*changed, "updated_at"])
                write.changed(was_public=True, is_public=True)  # before the events' publication
                category_change_events_record(
                    category_id=category.pk,
                    renamed="name" in changed or "slug" in changed,
                    moved="parent_id" in changed,
                    former_parent_id=former_parent_id,
                )
            else:
                write.unchanged()
    except IntegrityError as error:
        raise _refusal_after_conflict(
            error,
            slug=cleaned.get("slug"),
            parent_id=cleaned.get("parent_id"),
            category_id=category_id,
            moved="parent_id" in cleaned,
        ) from None
    return category


def _cleaned_changes(
    category: Category, name: Any, slug: Any, parent_id: Any, position: Any
) -> dict[str, Any]:
    """The given fields, validated against the locked row; every error at once."""
    errors = Errors()
    cleaned: dict[str, Any] = {}
    if name is not _UNSET:
        cleaned["name"] = clean_name(errors, name, max_length=NAME_MAX)
    if slug is not _UNSET:
        cleaned["slug"] = clean_slug(
            errors, slug, name=cleaned.get("name", category.name), max_length=SLUG_MAX
        )
        _check_slug(errors, cleaned["slug"], exclude_pk=category.pk)
    if parent_id is not _UNSET:
        cleaned["parent_id"] = _parent(errors, parent_id, moving=category.pk)
    if position is not _UNSET:
        cleaned["position"] = _clean_position(errors, position)
    errors.raise_if_any()
    return cleaned


def category_delete(*, actor: Any, category_id: int) -> int:
    """Delete an empty category: IN_USE while it holds subcategories or products that are
    not deleted; deleted products are detached from it (see the module's docstring)."""
    require_staff(actor, scope=StaffScope.CATALOG_WRITE, action="delete categories")
    try:
        with catalog_write():
            # The row lock makes a concurrent insert of a child or product under it wait,
            # then fail (its parent is gone), rather than slip in after the checks.
            category = Category.objects.select_for_update().filter(pk=category_id).first()
            if category is None:
                raise field_error("category_id", "No such category.", CommonErrorCode.NOT_FOUND)
            _refuse_when_in_use(category)
            Product.all_objects.filter(category=category, deleted_at__isnull=False).update(
                category=None
            )
            category.delete()
    except IntegrityError:  # something was put under it by a writer that does not lock
        raise _in_use_error() from None
    return category_id


def _in_use_error(what: str = "subcategories or products") -> Any:
    return field_error(
        "category_id",
        f"The category still holds {what}: move or delete them first.",
        CatalogErrorCode.IN_USE,
    )


def category_holdings(category: Category) -> str | None:
    """What keeps `category` from being deleted ("2 subcategories and 1 product"), or None
    when it may go. Deleted products do not count. The admin shows the same."""
    children = Category.objects.filter(parent=category).count()
    products = Product.objects.filter(category=category).count()  # not deleted
    held = [
        f"{count} {one if count == 1 else many}"
        for count, one, many in (
            (children, "subcategory", "subcategories"),
            (products, "product", "products"),
        )
        if count
    ]
    return " and ".join(held) or None


def _refuse_when_in_use(category: Category) -> None:
    held = category_holdings(category)
    if held:
        raise _in_use_error(held)
