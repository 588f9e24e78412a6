"""Category services: staff with CATALOG_WRITE only; slugs, parents, positions, cycles,
IN_USE; error fields are the services' argument names."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from domain.catalog import services
from domain.catalog.models import Category, Product
from domain.common.permissions import API_KEY_SCOPES_ATTRIBUTE, StaffScope
from domain.common.read_version import acatalog_version
from domain.events.models import ProductEvent
from tests.factories import make_category, make_product, make_staff, make_user

pytestmark = pytest.mark.django_db

NO_SUCH_ID = 0


def _refusal(call) -> dict[str | None, list[tuple[str, str]]]:
    """{field (None: the whole input): [(code, message)]} of the ValidationError `call`
    raises."""
    with pytest.raises(ValidationError) as raised:
        call()
    error = raised.value
    if hasattr(error, "error_dict"):
        return {
            field: [(e.code, e.messages[0]) for e in errors]
            for field, errors in error.error_dict.items()
        }
    return {None: [(e.code, e.messages[0]) for e in error.error_list]}


def _codes(call) -> dict[str | None, list[str]]:
    return {field: [code for code, _ in found] for field, found in _refusal(call).items()}


def _through_key(user, *scopes):
    setattr(user, API_KEY_SCOPES_ATTRIBUTE, frozenset(scopes))
    return user


def _tree() -> tuple[Category, Category, Category]:
    """root > child > grandchild"""
    root = make_category(name="Home", slug="home")
    child = make_category(name="Lighting", slug="lighting", parent=root)
    grandchild = make_category(name="Lamps", slug="lamps", parent=child)
    return root, child, grandchild


def _catalog_version() -> int:
    return async_to_sync(acatalog_version)()


# Each service, called by `actor` on an existing category (made by the caller).
SERVICES = {
    "category_create": lambda actor, category: services.category_create(actor=actor, name="Garden"),
    "category_update": lambda actor, category: services.category_update(
        actor=actor, category_id=category.pk, name="Renamed"
    ),
    "category_delete": lambda actor, category: services.category_delete(
        actor=actor, category_id=category.pk
    ),
}


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    ("who", "code"), [("anonymous", "unauthenticated"), ("customer", "permission_denied")]
)
def test_non_staff_are_refused_and_nothing_changes(service, who, code):
    # given
    category = make_category(name="Lamps")
    actor = AnonymousUser() if who == "anonymous" else make_user()
    # when / then
    assert _codes(lambda: SERVICES[service](actor, category)) == {None: [code]}
    assert list(Category.objects.values_list("name", flat=True)) == ["Lamps"]


@pytest.mark.parametrize("service", SERVICES)
def test_an_api_key_without_catalog_write_is_refused_and_one_with_it_may(service):
    # given two keys of one staff member
    category = make_category(name="Lamps")
    without = _through_key(make_staff(), StaffScope.CATALOG_READ, StaffScope.ORDERS_WRITE)
    with_scope = _through_key(make_staff(), StaffScope.CATALOG_WRITE)
    # when / then
    [(code, message)] = _refusal(lambda: SERVICES[service](without, category))[None]
    assert code == "permission_denied"
    assert message.endswith("it needs the CATALOG_WRITE scope.")
    assert list(Category.objects.values_list("name", flat=True)) == ["Lamps"]
    SERVICES[service](with_scope, category)


def test_a_slug_is_derived_from_the_name_and_a_new_category_goes_after_its_last_sibling():
    # given
    staff = make_staff()
    root = make_category(name="Home", slug="home")
    make_category(name="Lighting", slug="lighting", parent=root, position=4)
    # when
    first_root = services.category_create(actor=staff, name="  Garden Tools ")
    child = services.category_create(actor=staff, name="Rugs", parent_id=root.pk)
    placed = services.category_create(actor=staff, name="Beds", parent_id=root.pk, position=0)
    # then
    assert (first_root.name, first_root.slug, first_root.parent_id) == (
        "Garden Tools",
        "garden-tools",
        None,
    )
    assert (first_root.position, child.position, placed.position) == (1, 5, 0)
    assert list(root.children.values_list("name", flat=True)) == ["Beds", "Lighting", "Rugs"]


@pytest.mark.parametrize("slug", [None, "lamps"])
def test_a_slug_that_is_taken_is_refused_on_slug_whether_given_or_derived(slug):
    # given
    make_category(name="Other", slug="lamps")
    # when / then
    assert _refusal(
        lambda: services.category_create(actor=make_staff(), name="Lamps", slug=slug)
    ) == {"slug": [("unique", "A category with the slug 'lamps' exists.")]}
    assert Category.objects.count() == 1


def test_create_reports_every_invalid_field_by_argument_name():
    # when / then
    assert _codes(
        lambda: services.category_create(
            actor=make_staff(), name="x" * 121, slug="!!", parent_id=NO_SUCH_ID, position=-1
        )
    ) == {
        "name": ["invalid"],
        "slug": ["invalid"],
        "position": ["invalid"],
        "parent_id": ["not_found"],
    }
    assert not Category.objects.exists()


def test_a_blank_name_is_required():
    assert _codes(lambda: services.category_create(actor=make_staff(), name="  ")) == {
        "name": ["required"]
    }


def test_update_changes_only_the_fields_given():
    # given
    _root, child, _ = _tree()
    garden = make_category(name="Garden", slug="garden")
    # when
    moved = services.category_update(
        actor=make_staff(), category_id=child.pk, parent_id=garden.pk, position=3
    )
    # then
    assert (moved.name, moved.slug, moved.parent_id, moved.position) == (
        "Lighting",
        "lighting",
        garden.pk,
        3,
    )
    moved.refresh_from_db()
    assert (moved.parent_id, moved.position) == (garden.pk, 3)


def test_a_null_parent_makes_a_root_and_a_null_slug_derives_it_again():
    # given
    _, child, _ = _tree()
    # when
    updated = services.category_update(
        actor=make_staff(), category_id=child.pk, name="Lights", slug=None, parent_id=None
    )
    # then
    updated.refresh_from_db()
    assert (updated.name, updated.slug, updated.parent_id) == ("Lights", "lights", None)


@pytest.mark.parametrize("target", ["itself", "child", "grandchild"])
def test_moving_a_category_under_itself_or_a_descendant_is_invalid_on_parent_id(target):
    # given
    root, child, grandchild = _tree()
    parent = {"itself": root, "child": child, "grandchild": grandchild}[target]
    staff = make_staff()
    # when
    with CaptureQueriesContext(connection) as queries:
        refusal = _refusal(
            lambda: services.category_update(
                actor=staff, category_id=root.pk, parent_id=parent.pk, name="Changed"
            )
        )
    # then: the service refuses before writing (the database trigger is the backstop)
    assert not [q for q in queries if q["sql"].startswith('UPDATE "catalog_category"')]
    assert refusal == {
        "parent_id": [
            ("invalid", "A category cannot be moved under itself or one of its subcategories.")
        ]
    }
    root.refresh_from_db()
    assert (root.parent_id, root.name) == (None, "Home")


def test_moving_within_its_own_subtree_sideways_is_allowed():
    # given root > child > grandchild, and root > other
    root, _child, grandchild = _tree()
    other = make_category(name="Other", slug="other", parent=root)
    # when the grandchild moves under a sibling of its parent
    moved = services.category_update(
        actor=make_staff(), category_id=grandchild.pk, parent_id=other.pk
    )
    # then
    assert moved.parent_id == other.pk


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"parent_id": NO_SUCH_ID}, {"parent_id": ["not_found"]}),
        ({"slug": "home"}, {"slug": ["unique"]}),
        ({"position": -1}, {"position": ["invalid"]}),
        ({"name": None}, {"name": ["required"]}),
    ],
)
def test_update_refusals_change_nothing(changes, expected):
    # given
    _, child, _ = _tree()
    # when / then
    assert (
        _codes(
            lambda: services.category_update(actor=make_staff(), category_id=child.pk, **changes)
        )
        == expected
    )
    child.refresh_from_db()
    assert (child.name, child.slug, child.position) == ("Lighting", "lighting", 0)


@pytest.mark.parametrize("service", ["category_update", "category_delete"])
def test_an_unknown_category_is_not_found_on_category_id(service):
    # given an id that names no category (any more)
    category = make_category()
    category.delete()
    call = {
        "category_update": lambda: services.category_update(
            actor=make_staff(), category_id=category.pk, name="x"
        ),
        "category_delete": lambda: services.category_delete(
            actor=make_staff(), category_id=category.pk
        ),
    }[service]
    # when / then
    assert _refusal(call) == {"category_id": [("not_found", "No such category.")]}


def test_a_category_with_subcategories_or_products_is_in_use_and_stays():
    # given
    root, _child, grandchild = _tree()
    make_product(category=grandchild)
    make_product(category=grandchild, is_published=False)
    # when / then
    for category, held in [
        (root, "1 subcategory"),
        (grandchild, "2 products"),
    ]:
        assert _refusal(
            lambda category=category: services.category_delete(
                actor=make_staff(), category_id=category.pk
            )
        ) == {
            "category_id": [
                ("in_use", f"The category still holds {held}: move or delete them first.")
            ]
        }
    assert Category.objects.count() == 3


def test_deleted_products_do_not_hold_a_category_they_are_detached_and_kept():
    # given a category whose only product was deleted (it is still on an order)
    staff = make_staff()
    category = make_category()
    product = make_product(category=category)
    services.product_delete(actor=staff, product_id=product.pk)
    # when
    deleted = services.category_delete(actor=staff, category_id=category.pk)
    # then
    assert deleted == category.pk
    assert not Category.objects.filter(pk=category.pk).exists()
    kept = Product.all_objects.get(pk=product.pk)
    assert (kept.category_id, kept.deleted_at is not None) == (None, True)


def test_an_emptied_category_may_be_deleted():
    # given
    staff = make_staff()
    root, child, grandchild = _tree()
    services.category_update(actor=staff, category_id=grandchild.pk, parent_id=root.pk)
    # when
    services.category_delete(actor=staff, category_id=child.pk)
    # then
    assert sorted(Category.objects.values_list("name", flat=True)) == ["Home", "Lamps"]


def test_category_changes_move_the_read_version(
    django_capture_on_commit_callbacks,
):
    # given
    staff = make_staff()
    category = make_category(name="Lamps", slug="lamps")
    make_product(category=category)
    versions = [_catalog_version()]
    # when: create, rename, an update that changes nothing, delete of an empty one
    with django_capture_on_commit_callbacks(execute=True):
        other = services.category_create(actor=staff, name="Garden")
    versions.append(_catalog_version())
    with django_capture_on_commit_callbacks(execute=True):
        services.category_update(actor=staff, category_id=category.pk, name="Lights")
    versions.append(_catalog_version())
    with django_capture_on_commit_callbacks(execute=True):
        services.category_update(actor=staff, category_id=category.pk, name="Lights")
    versions.append(_catalog_version())
    with django_capture_on_commit_callbacks(execute=True):
        services.category_delete(actor=staff, category_id=other.pk)
    versions.append(_catalog_version())
    # then: every change moved it, the no-op kept it
    assert versions[0] < versions[1] < versions[2] == versions[3] < versions[4]
    # and only the rename recorded an event (tests/domain/catalog/test_category_events.py)
    assert list(ProductEvent.objects.values_list("type", flat=True)) == ["product.updated"]


def test_a_refused_write_keeps_the_read_version(django_capture_on_commit_callbacks):
    # given
    root, child, _ = _tree()
    before = _catalog_version()
    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.category_update(actor=make_staff(), category_id=root.pk, parent_id=child.pk)
    # then
    assert _catalog_version() == before
