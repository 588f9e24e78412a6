"""Re-enabling a disabled webhook (webhookUpdate isActive: true): it starts again from the
first event it missed while the event log still holds everything it missed; once the log
has been pruned past that (EVENT_RETENTION), it is refused with INVALID saying since when
events are gone, unless the caller asks to skip them (skipMissedEvents: true), which
starts from the newest event and is logged for staff."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.db.models import F

from domain.catalog.services import product_update
from domain.events.models import ProductEvent
from domain.events.publishing import event_log_prune
from domain.webhooks.delivery import webhook_deliveries_send
from domain.webhooks.models import WebhookEndpoint
from tests.factories import make_product, make_staff
from tests.factories.webhooks import make_webhook
from tests.support.graphql import client_for, run_graphql
from tests.support.ids import global_id
from tests.support.webhook_operations import WEBHOOK_UPDATE
from tests.support.webhook_receiver import running_receiver

pytestmark = pytest.mark.django_db

EIGHT_DAYS = timedelta(days=8)


@pytest.fixture
def receiver(settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_MAX_ATTEMPTS = 1  # disabled at the first failure
    settings.EVENT_RETENTION = 7 * 24 * 3600
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def staff():
    return make_staff(email="ops@example.com")


def _change_price(product, staff, price: str) -> ProductEvent:
    product_update(actor=staff, product_id=product.pk, price=Decimal(price))
    return ProductEvent.objects.filter(type="product.price_changed").latest("id")


def _eight_days_pass() -> None:
    """As if everything so far had happened eight days earlier."""
    ProductEvent.objects.update(occurred_at=F("occurred_at") - EIGHT_DAYS)
    WebhookEndpoint.objects.update(
        disabled_at=F("disabled_at") - EIGHT_DAYS,
        undelivered_since=F("undelivered_since") - EIGHT_DAYS,
    )


def _update(staff, endpoint, **fields) -> dict:
    result = run_graphql(
        client_for(staff),
        WEBHOOK_UPDATE,
        {"id": global_id("Webhook", endpoint.pk), "input": fields},
    )
    return result["data"]["webhookUpdate"]


def _refusal(since) -> list[dict]:
    moment = since.astimezone(UTC).isoformat(timespec="seconds")
    return [
        {
            "field": "isActive",
            "message": f"Events since {moment} that this webhook has not received are no "
            "longer all in the event log (it keeps 7 days), so it cannot start again where "
            "it stopped. To start from the newest event instead, skipping what it missed, "
            "re-enable it asking to skip missed events (skipMissedEvents: true in the API).",
            "code": "INVALID",
        }
    ]


def _disabled_at_a_failed_event(receiver, staff):
    product = make_product()
    endpoint = make_webhook(url=receiver.url)
    event = _change_price(product, staff, "11.00")
    receiver.answer(500)
    webhook_deliveries_send()
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert endpoint.undelivered_since == event.occurred_at
    return product, endpoint, event


def test_once_the_failed_event_is_pruned_re_enabling_is_refused_until_asked_to_skip(
    receiver, staff, caplog
):
    # given a webhook disabled at an event, which the log drops eight days later
    product, endpoint, event = _disabled_at_a_failed_event(receiver, staff)
    _eight_days_pass()
    assert event_log_prune() >= 1
    assert not ProductEvent.objects.filter(pk=event.pk).exists()
    missed = _change_price(product, staff, "12.00")  # while it is still disabled
    endpoint.refresh_from_db()
    # when staff re-enable it
    payload = _update(staff, endpoint, isActive=True)
    # then it is refused, saying since when events are missing, and nothing changes
    assert payload == {"webhook": None, "errors": _refusal(endpoint.undelivered_since)}
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    # when they ask to skip what it missed
    with caplog.at_level(logging.WARNING, logger="domain.webhooks"):
        payload = _update(staff, endpoint, isActive=True, skipMissedEvents=True)
    # then it is active again, from the newest event, and the skip is logged for staff
    assert payload["errors"] == []
    assert payload["webhook"]["isActive"] is True
    assert [r.getMessage() for r in caplog.records] == [
        f"webhook endpoint {endpoint.pk} ({receiver.url}): ops@example.com skipped the events "
        "it had not received (1 of its types still in the log, and any the log no longer "
        f"holds since {endpoint.undelivered_since.isoformat()}); delivery starts from the "
        "newest events"
    ]
    endpoint.refresh_from_db()
    assert (endpoint.product_event_cursor, endpoint.undelivered_since) == (missed.pk, None)
    assert (endpoint.retry_event_id, endpoint.failed_attempts) == ("", 0)
    # and what happens next is delivered
    assert webhook_deliveries_send() == 0
    after = _change_price(product, staff, "13.00")
    assert webhook_deliveries_send() == 1
    ids = [r.headers["webhook-id"] for r in receiver.wait_for(2)]
    assert ids == [f"evt_product_{event.pk}", f"evt_product_{after.pk}"]


def test_while_the_failed_event_is_still_in_the_log_re_enabling_starts_from_it(receiver, staff):
    # given a webhook disabled at an event older than the retention, not pruned yet
    _product, endpoint, event = _disabled_at_a_failed_event(receiver, staff)
    _eight_days_pass()
    # when
    payload = _update(staff, endpoint, isActive=True)
    # then
    assert payload["errors"] == []
    assert payload["webhook"]["isActive"] is True
    assert webhook_deliveries_send() == 1
    assert [r.headers["webhook-id"] for r in receiver.wait_for(2)] == [
        f"evt_product_{event.pk}"
    ] * 2


def test_a_webhook_disabled_by_staff_is_refused_once_the_log_dropped_what_it_missed(
    receiver, staff
):
    # given a webhook paused by staff, and an event meanwhile, eight days ago
    product = make_product()
    endpoint = make_webhook(url=receiver.url)
    assert _update(staff, endpoint, isActive=False)["errors"] == []
    endpoint.refresh_from_db()
    assert endpoint.undelivered_since is not None
    _change_price(product, staff, "11.00")
    _eight_days_pass()
    event_log_prune()
    endpoint.refresh_from_db()
    # when / then
    assert _update(staff, endpoint, isActive=True) == {
        "webhook": None,
        "errors": _refusal(endpoint.undelivered_since),
    }


def test_a_webhook_paused_within_the_retention_gets_what_it_missed(receiver, staff):
    product = make_product()
    endpoint = make_webhook(url=receiver.url)
    assert _update(staff, endpoint, isActive=False)["errors"] == []
    event = _change_price(product, staff, "11.00")
    assert webhook_deliveries_send() == 0
    assert _update(staff, endpoint, isActive=True)["errors"] == []
    assert webhook_deliveries_send() == 1
    assert [r.headers["webhook-id"] for r in receiver.wait_for(1)] == [f"evt_product_{event.pk}"]
