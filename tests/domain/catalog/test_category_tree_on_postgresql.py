"""The category tree on PostgreSQL: search documents follow renames through the service,
concurrent moves cannot close a cycle, and the database trigger still refuses one."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from domain.catalog import services
from domain.catalog.models import Category, Product
from domain.catalog.search import product_search
from tests.factories import make_category, make_product, make_staff
from tests.support.concurrency import backend_pid, until_waiting_on_a_lock

pytestmark = pytest.mark.postgres


def _found(text: str) -> list[str]:
    queryset, matches = product_search(Product.objects.all(), text)
    return list(queryset.filter(matches).values_list("name", flat=True))


def _documents() -> list[str]:
    return list(Product.all_objects.order_by("pk").values_list("search_vector", flat=True))


@pytest.mark.django_db
def test_a_rename_through_the_service_refreshes_its_products_search_documents():
    # given
    category = make_category(name="Outdoor")
    make_product(name="Tent", category=category)
    # when
    services.category_update(actor=make_staff(), category_id=category.pk, name="Mountaineering")
    # then
    assert _found("mountaineering") == ["Tent"]
    assert _found("outdoor") == []


@pytest.mark.django_db
def test_a_move_leaves_the_search_documents_as_they_were():
    # given: a product's document holds its own category's name, not its ancestors'
    category = make_category(name="Tents")
    make_product(name="Dome", category=category)
    garden = make_category(name="Garden")
    before = _documents()
    # when
    services.category_update(actor=make_staff(), category_id=category.pk, parent_id=garden.pk)
    # then
    assert _documents() == before
    assert _found("tents") == ["Dome"]
    assert _found("garden") == []


@pytest.mark.django_db
def test_the_database_trigger_still_refuses_a_cycle_written_past_the_service():
    # given
    root = make_category()
    leaf = make_category(parent=make_category(parent=root))
    # when / then
    with pytest.raises(IntegrityError, match="cannot be its own ancestor"), transaction.atomic():
        Category.objects.filter(pk=root.pk).update(parent=leaf)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_cannot_close_a_cycle_between_them():
    # given two sibling roots, and a first move (a under b) not yet committed
    a = make_category(name="A")
    b = make_category(name="B")
    staff = make_staff()
    first_moved = threading.Event()
    commit_first = threading.Event()
    results: dict[str, object] = {}
    started: dict[str, int] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                services.category_update(actor=staff, category_id=a.pk, parent_id=b.pk)
                first_moved.set()
                assert commit_first.wait(30)
            results["first"] = "moved"
        except Exception as error:
            results["first"] = error
        finally:
            first_moved.set()
            connection.close()

    def second() -> None:
        try:
            started["pid"] = backend_pid()
            services.category_update(actor=staff, category_id=b.pk, parent_id=a.pk)
            results["second"] = "moved"
        except Exception as error:
            results["second"] = error
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert first_moved.wait(30)
    two = threading.Thread(target=second)
    two.start()
    # when the second move waits for the first, which then commits
    until_waiting_on_a_lock(started, two)
    commit_first.set()
    one.join(30)
    two.join(30)
    # then the second sees the first and is refused in the service, with its code
    assert results["first"] == "moved"
    refused = results["second"]
    assert isinstance(refused, Exception)
    assert [e.code for e in refused.error_dict["parent_id"]] == ["invalid"]  # type: ignore[attr-defined]
    assert dict(Category.objects.values_list("name", "parent__name")) == {"A": "B", "B": None}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("put_under", ["product", "subcategory"])
def test_nothing_slips_under_a_category_while_it_is_deleted(put_under):
    # given a delete of an empty category, not yet committed
    category = make_category(name="Doomed")
    staff = make_staff()
    deleted = threading.Event()
    commit_delete = threading.Event()
    results: dict[str, object] = {}
    started: dict[str, int] = {}

    def delete() -> None:
        try:
            with transaction.atomic():
                services.category_delete(actor=staff, category_id=category.pk)
                deleted.set()
                assert commit_delete.wait(30)
        finally:
            deleted.set()
            connection.close()

    def put() -> None:
        try:
            started["pid"] = backend_pid()
            if put_under == "product":
                services.product_create(
                    actor=staff, name="Lamp", price="1.00", stock=1, category_id=category.pk
                )
            else:
                services.category_create(actor=staff, name="Child", parent_id=category.pk)
            results["put"] = "created"
        except Exception as error:
            results["put"] = error
        finally:
            connection.close()

    deleting = threading.Thread(target=delete)
    deleting.start()
    assert deleted.wait(30)
    putting = threading.Thread(target=put)
    putting.start()
    # when the write under it waits for the delete, which then commits
    until_waiting_on_a_lock(started, putting)
    commit_delete.set()
    deleting.join(30)
    putting.join(30)
    # then the write is refused with the parent NOT_FOUND, and nothing was created
    field = "category_id" if put_under == "product" else "parent_id"
    refused = results["put"]
    assert isinstance(refused, Exception)
    assert {f: [e.code for e in errors] for f, errors in refused.error_dict.items()} == {  # type: ignore[attr-defined]
        field: ["not_found"]
    }
    assert not Category.objects.exists()
    assert not Product.all_objects.exists()
