"""Category edits in the admin follow the category services' rules: no cycles, a new
category after its last sibling, IN_USE for a category that holds something, deleted
products detached."""

from __future__ import annotations

import pytest

from domain.catalog import services
from domain.catalog.models import Category, Product
from tests.factories import make_category, make_product, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    return make_user(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def _change(category: Category, **fields) -> dict:
    data = {
        "name": category.name,
        "slug": category.slug,
        "parent": category.parent_id or "",
        "position": category.position,
    }
    return {**data, **fields}


def test_moving_a_category_under_its_descendant_in_the_admin_is_refused_on_the_form(
    staff_client,
):
    # given
    root = make_category(name="Home", slug="home")
    leaf = make_category(name="Lamps", slug="lamps", parent=root)
    # when
    response = staff_client.post(
        f"/admin/catalog/category/{root.pk}/change/", _change(root, parent=leaf.pk, name="X")
    )
    # then
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "parent": ["A category cannot be its own ancestor."]
    }
    root.refresh_from_db()
    assert (root.parent_id, root.name) == (None, "Home")


def test_adding_moving_and_deleting_in_the_admin_go_through_the_services(
    staff_client, staff_user, monkeypatch
):
    # given: the services the admin must call, watched
    calls: list[tuple[str, dict]] = []

    def watching(name: str):
        service = getattr(services, name)

        def watched(**arguments):
            calls.append((name, {k: v for k, v in arguments.items() if k != "actor"}))
            assert arguments["actor"] == staff_user
            return service(**arguments)

        return watched

    for name in ("category_create", "category_update", "category_delete"):
        monkeypatch.setattr(services, name, watching(name))
    root = make_category(name="Home", slug="home")
    other = make_category(name="Garden", slug="garden")
    # when
    added = staff_client.post(
        "/admin/catalog/category/add/",
        {"name": "Rugs", "slug": "rugs", "parent": root.pk, "position": 2},
    )
    rugs = Category.objects.get(slug="rugs")
    moved = staff_client.post(
        f"/admin/catalog/category/{rugs.pk}/change/", _change(rugs, parent=other.pk)
    )
    deleted = staff_client.post(f"/admin/catalog/category/{rugs.pk}/delete/", {"post": "yes"})
    # then
    assert (added.status_code, moved.status_code, deleted.status_code) == (302, 302, 302)
    assert calls == [
        ("category_create", {"name": "Rugs", "slug": "rugs", "parent_id": root.pk, "position": 2}),
        ("category_update", {"category_id": rugs.pk, "parent_id": other.pk}),
        ("category_delete", {"category_id": rugs.pk}),
    ]
    assert not Category.objects.filter(slug="rugs").exists()


def test_a_category_holding_a_product_is_not_deleted_in_the_admin(staff_client):
    # given
    category = make_category(name="Lamps")
    make_product(category=category)
    # when
    response = staff_client.post(f"/admin/catalog/category/{category.pk}/delete/", {"post": "yes"})
    # then
    assert response.status_code == 200
    assert "Lamps: holds 1 product" in response.content.decode()
    assert Category.objects.filter(pk=category.pk).exists()


def test_a_bulk_delete_that_includes_a_parent_is_refused_whole(staff_client):
    # given
    root = make_category(name="Home")
    leaf = make_category(name="Lamps", parent=root)
    # when
    response = staff_client.post(
        "/admin/catalog/category/",
        {"action": "delete_selected", "_selected_action": [root.pk, leaf.pk], "post": "yes"},
    )
    # then
    assert response.status_code == 200
    assert "Home: holds 1 subcategory" in response.content.decode()
    assert Category.objects.count() == 2


def test_deleted_products_do_not_keep_a_category_in_the_admin(staff_client, staff_user):
    # given
    category = make_category(name="Lamps")
    product = make_product(category=category)
    services.product_delete(actor=staff_user, product_id=product.pk)
    # when
    response = staff_client.post(f"/admin/catalog/category/{category.pk}/delete/", {"post": "yes"})
    # then
    assert response.status_code == 302
    assert not Category.objects.filter(pk=category.pk).exists()
    assert Product.all_objects.get(pk=product.pk).category_id is None
