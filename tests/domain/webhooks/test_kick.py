"""A publish of events sends a delivery run at once (domain/webhooks/kick.py), at most one
waiting to start at a time; and on a real worker with no beat, a price change made through
daphne reaches the receiver through that run alone."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from standardwebhooks import Webhook

from domain.accounts.tokens import access_token_encode
from domain.catalog.services import product_update
from domain.webhooks import kick, tasks
from tests.factories import make_product, make_staff
from tests.factories.webhooks import make_webhook
from tests.support.celery_worker import celery_env_on_test_services, running_celery_worker
from tests.support.daphne import post_graphql, running_daphne
from tests.support.graphql import operation_document
from tests.support.ids import global_id


@pytest.fixture
def sent_runs(settings, monkeypatch) -> list[dict]:
    """The delivery runs sent, as a worker's broker would get them (tasks not eager)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    runs: list[dict] = []
    monkeypatch.setattr(
        tasks.webhook_deliveries_send, "apply_async", lambda **options: runs.append(options)
    )
    kick.kick_taken()
    return runs


@pytest.mark.django_db
def test_a_publish_sends_one_run_until_that_run_starts(
    sent_runs, django_capture_on_commit_callbacks
):
    # given an active endpoint
    make_webhook()
    product = make_product()
    staff = make_staff()
    # when two changes are published before any run starts
    with django_capture_on_commit_callbacks(execute=True):
        product_update(actor=staff, product_id=product.pk, price=Decimal("11.00"))
    with django_capture_on_commit_callbacks(execute=True):
        product_update(actor=staff, product_id=product.pk, price=Decimal("12.00"))
    # then one run was sent (it will read both events)
    assert sent_runs == [{"expires": kick.PENDING_FOR}]
    # when that run starts, a later publish sends the next one
    kick.kick_taken()
    with django_capture_on_commit_callbacks(execute=True):
        product_update(actor=staff, product_id=product.pk, price=Decimal("13.00"))
    assert len(sent_runs) == 2


@pytest.mark.django_db
def test_no_run_is_sent_without_an_active_endpoint_or_with_eager_tasks(
    sent_runs, settings, django_capture_on_commit_callbacks
):
    # given an inactive endpoint only
    make_webhook(is_active=False)
    product = make_product()
    with django_capture_on_commit_callbacks(execute=True):
        product_update(actor=make_staff(), product_id=product.pk, price=Decimal("11.00"))
    assert sent_runs == []
    # given an active one, but tasks that run eagerly (no Redis: the run would hold the
    # request that published)
    make_webhook()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        product_update(actor=make_staff(), product_id=product.pk, price=Decimal("12.00"))
    assert sent_runs == []


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_on_a_worker_without_beat_a_price_change_is_delivered_at_once(receiver):
    # given an endpoint, a worker and a daphne, and no beat
    product = make_product(price=Decimal("10.00"))
    staff = make_staff()
    endpoint = make_webhook(url=receiver.url, events=["product.price_changed"])
    with (
        celery_env_on_test_services(WEBHOOK_ALLOWED_HOSTS="127.0.0.1") as env,
        running_celery_worker(env),
        running_daphne(env) as base_url,
    ):
        # when staff change the price through the API
        answer = post_graphql(
            base_url,
            operation_document("staff", "ProductUpdate"),
            {"id": global_id("Product", product.pk), "input": {"price": "19.99"}},
            access_token_encode(staff),
        )
        assert answer["data"]["productUpdate"]["errors"] == []
        # then the receiver gets it, signed, without waiting for beat
        [request] = receiver.wait_for(1)
    Webhook(endpoint.secret).verify(request.body, request.headers)
    assert json.loads(request.body)["type"] == "product.price_changed"
