"""Admin writes without a service still move the catalog's read version on commit."""

from __future__ import annotations

import pytest

from domain.catalog.models import Category
from domain.common.read_version import catalog_version
from tests.factories import make_category, make_user

pytestmark = pytest.mark.django_db(transaction=True)


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
