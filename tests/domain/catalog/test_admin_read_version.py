"""Admin writes without a service still move the catalog's read version on commit."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from domain.accounts.models import User
from domain.catalog.models import Category, ProductImage
from domain.common.read_version import acatalog_version
from tests.factories import make_category, make_product, make_product_image, make_user

pytestmark = pytest.mark.django_db(transaction=True)

catalog_version = async_to_sync(acatalog_version)  # as the response cache reads it


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_renaming_and_bulk_deleting_categories_in_the_admin_move_the_version(staff_client):
    category = make_category(name="Lamps", slug="lamps")
    before = catalog_version()
    staff_client.post(
        f"/admin/catalog/category/{category.pk}/change/",
        {"name": "Lights", "slug": "lamps", "position": 0},
    )
    renamed = catalog_version()
    assert Category.objects.get(pk=category.pk).name == "Lights"
    staff_client.post(
        "/admin/catalog/category/",
        {"action": "delete_selected", "_selected_action": [category.pk], "post": "yes"},
    )
    assert before < renamed < catalog_version()
    assert not Category.objects.filter(pk=category.pk).exists()


def test_saving_a_category_unchanged_in_the_admin_keeps_the_version(staff_client):
    # given
    category = make_category(name="Lamps", slug="lamps")
    before = catalog_version()
    # when
    response = staff_client.post(
        f"/admin/catalog/category/{category.pk}/change/",
        {"name": "Lamps", "slug": "lamps", "position": 0},
    )
    # then
    assert response.status_code == 302
    assert catalog_version() == before


def test_an_image_edit_in_the_admin_moves_the_version_only_for_a_public_product(staff_client):
    # given
    hidden = make_product_image(
        product=make_product(is_published=False), image="products/a.png", alt_text="a"
    )
    shown = make_product_image(
        product=make_product(is_published=True), image="products/b.png", alt_text="b"
    )
    before = catalog_version()
    # when
    staff_client.post(f"/admin/catalog/productimage/{hidden.pk}/change/", {"alt_text": "A"})
    # then
    assert ProductImage.objects.get(pk=hidden.pk).alt_text == "A"
    assert catalog_version() == before
    # when
    staff_client.post(f"/admin/catalog/productimage/{shown.pk}/change/", {"alt_text": "B"})
    # then
    assert ProductImage.objects.get(pk=shown.pk).alt_text == "B"
    assert catalog_version() > before


def test_renaming_a_user_in_the_admin_moves_the_version(staff_client):
    # given: display names are shown to everyone beside their reviews
    user = make_user(email="reviewer@example.com", display_name="Ann")
    before = catalog_version()
    # when
    response = staff_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": "reviewer@example.com",
            "display_name": "Anne",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    # then
    assert response.status_code == 302, response.content[:3000]
    assert User.objects.get(pk=user.pk).display_name == "Anne"
    assert catalog_version() > before
