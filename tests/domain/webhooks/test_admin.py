"""The admin lists endpoints and deliveries, writes through the services, and never shows
a secret after the message that follows its creation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import make_user
from tests.factories.webhooks import make_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_creating_in_the_admin_shows_the_secret_once(staff_client):
    response = staff_client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {
            "url": "http://127.0.0.1:9000/in",
            "events": ["product.created", "order.created"],
            "description": "ERP",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["product.created", "order.created"]
    assert endpoint.secret.encode() in response.content  # the message after creation
    page = staff_client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    listing = staff_client.get("/admin/webhooks/webhookendpoint/")
    assert endpoint.secret.encode() not in page.content
    assert endpoint.secret.encode() not in listing.content
    assert b"http://127.0.0.1:9000/in" in listing.content


def test_the_admin_refuses_what_the_api_refuses(staff_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    response = staff_client.post(
        "/admin/webhooks/webhookendpoint/add/",
        {
            "url": "http://127.0.0.1:9000/in",
            "events": ["product.created"],
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert b"The address of 127.0.0.1 is not allowed as a webhook target" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_are_listed(staff_client):
    endpoint = make_webhook(url="http://127.0.0.1:9000/in")
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        stream="product",
        event_pk=4,
        event_id="evt_product_4",
        event_type="product.created",
        attempt=1,
        status_code=500,
        succeeded=False,
        duration_ms=3,
        error="HTTP 500",
        created_at=timezone.now(),
    )
    listing = staff_client.get("/admin/webhooks/webhookdelivery/")
    page = staff_client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    assert b"evt_product_4" in listing.content
    assert b"evt_product_4" in page.content
    assert endpoint.secret.encode() not in page.content


def test_changing_in_the_admin_goes_through_the_service(staff_client):
    endpoint = make_webhook(url="http://127.0.0.1:9000/in", is_active=False)
    response = staff_client.post(
        f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/",
        {
            "url": "http://127.0.0.1:9001/in",
            "events": ["order.status_changed"],
            "description": "",
            "is_active": "on",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.is_active) == (
        "http://127.0.0.1:9001/in",
        ["order.status_changed"],
        True,
    )


def test_re_enabling_in_the_admin_is_refused_once_the_log_dropped_what_it_missed(staff_client):
    # given an endpoint disabled eight days ago (EVENT_RETENTION: 7), the log pruned since
    eight_days_ago = timezone.now() - timedelta(days=8)
    endpoint = make_webhook(
        url="http://127.0.0.1:9000/in",
        is_active=False,
        disabled_at=eight_days_ago,
        undelivered_since=eight_days_ago,
    )
    change = f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/"
    form = {
        "url": "http://127.0.0.1:9000/in",
        "events": ["product.price_changed"],
        "description": "",
        "is_active": "on",
        "deliveries-TOTAL_FORMS": "0",
        "deliveries-INITIAL_FORMS": "0",
    }
    # when re-enabled as it is
    response = staff_client.post(change, form)
    # then the form comes back with the error, and nothing changed
    assert response.status_code == 200
    assert b"that this webhook has not received are no longer all in the event log" in (
        response.content
    )
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    # when asked to skip what it missed
    response = staff_client.post(change, {**form, "skip_missed_events": "on"})
    # then
    assert response.status_code == 302, response.content[:2000]
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.undelivered_since, endpoint.disabled_at) == (
        True,
        None,
        None,
    )
