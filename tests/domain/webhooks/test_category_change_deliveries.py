"""A category change reaches webhooks as the product.updated events it records."""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook

from domain.catalog.services import category_update
from domain.events.models import ProductEvent
from domain.webhooks.delivery import webhook_deliveries_send
from tests.factories import make_category, make_product, make_staff
from tests.factories.webhooks import make_webhook
from tests.support.ids import global_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_receivers_allowed")]


def test_a_new_category_slug_arrives_as_product_updated_with_the_product_as_it_is(receiver):
    # given a product in Lamps and an endpoint for product.updated
    lamps = make_category(name="Lamps", slug="lamps")
    product = make_product(category=lamps, name="Oak Lamp", slug="oak-lamp")
    endpoint = make_webhook(url=receiver.url, events=["product.updated"])
    # when the category gets a new slug, and deliveries run
    category_update(actor=make_staff(), category_id=lamps.pk, slug="lights")
    event = ProductEvent.objects.get()
    sent = webhook_deliveries_send()
    # then one signed delivery names the change and shows the product's category now
    assert sent == 1
    [request] = receiver.wait_for(1)
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert request.headers["webhook-id"] == f"evt_product_{event.pk}"
    assert payload["type"] == "product.updated"
    assert payload["data"]["productId"] == global_id("Product", product.pk)
    assert payload["data"]["changedFields"] == ["category"]
    assert payload["data"]["product"]["category"] == {
        "id": global_id("Category", lamps.pk),
        "slug": "lights",
    }
