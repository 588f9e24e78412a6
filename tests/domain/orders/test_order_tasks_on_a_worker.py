"""Order processing on a real Celery worker (a subprocess on this run's PostgreSQL database
and Redis, tests/support/celery_worker.py): orders placed over GraphQL on a real daphne
are confirmed or failed by the worker, and a worker killed in the middle of a charge
leaves an order confirmed once and charged once.

The deterministic payment provider is steered by the customer's e-mail address
(domain/orders/payments.py); its ledger is in Redis, which this process reads too. Nothing
here runs a task eagerly: the processes of a test share one environment, whose broker
prefix is its own."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache

from domain.accounts.tokens import access_token_encode
from domain.catalog.models import Product
from domain.events.models import OrderEvent, OrderEventType
from domain.orders.models import Order
from domain.orders.payments import charge_count, payment_holding_key
from domain.orders.services import OrderLineRequest, order_place
from tests.factories import make_product, make_user
from tests.support.celery_worker import (
    celery_client,
    celery_env_on_test_services,
    running_celery_worker,
)
from tests.support.daphne import post_graphql, running_daphne
from tests.support.graphql import contract_document, operation_document
from tests.support.ids import global_id
from tests.support.metrics import listening
from tests.support.raw_websocket import RawWebSocket

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PLACE = operation_document("shopping", "OrderPlace")
REALTIME = contract_document("realtime")
DEADLINE = 60.0  # seconds any awaited change may take on a loaded machine


@dataclass(frozen=True)
class Served:
    env: dict[str, str]
    base_url: str
    mail_dir: Path


def _until(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.05)


def _status(order_id: int) -> str:
    return Order.objects.get(pk=order_id).status


def _status_events(order_id: int) -> list[str]:
    return list(
        OrderEvent.objects.filter(order_id=order_id, type=OrderEventType.STATUS_CHANGED)
        .order_by("id")
        .values_list("status", flat=True)
    )


def _mails(mail_dir: Path) -> list[str]:
    """The subjects of the e-mails the worker's file backend wrote."""
    return [
        line.removeprefix("Subject: ")
        for path in sorted(mail_dir.iterdir())
        for line in path.read_text().splitlines()
        if line.startswith("Subject: ")
    ]


def _worker_env(mail_dir: Path, **overrides: str):
    return celery_env_on_test_services(
        ORDER_PROCESS_ON_PLACE="1",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        **overrides,
    )


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Served]:
    """One daphne and one worker for the module's GraphQL tests."""
    mail_dir = tmp_path_factory.mktemp("mail")
    with (
        django_db_blocker.unblock(),
        _worker_env(mail_dir) as env,
        running_celery_worker(env),
        running_daphne(env) as base_url,
    ):
        yield Served(env, base_url, mail_dir)


def _subscribed(base_url: str, token: str) -> RawWebSocket:
    """A graphql-transport-ws socket whose OnMyOrderUpdates subscription listens."""
    ws = RawWebSocket(
        base_url.replace("http://", "ws://") + "/graphql/", "graphql-transport-ws", timeout=DEADLINE
    )
    ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    assert ws.receive_json()["type"] == "connection_ack"
    before = listening(base_url)
    payload = {"query": REALTIME, "operationName": "OnMyOrderUpdates", "variables": {}}
    ws.send_json({"id": "1", "type": "subscribe", "payload": payload})
    _until(lambda: listening(base_url) > before, "the subscription listens")
    return ws


def _next_update(ws: RawWebSocket) -> dict:
    while True:
        message = ws.receive_json()
        assert message is not None, f"the socket closed ({ws.close_code})"
        if message["type"] == "ping":
            ws.send_json({"type": "pong"})
            continue
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]["myOrderUpdates"]


def _place(served: Served, customer, product, quantity: int) -> dict:
    lines = [{"productId": global_id("Product", product.pk), "quantity": quantity}]
    answer = post_graphql(
        served.base_url, PLACE, {"input": {"lines": lines}}, access_token_encode(customer)
    )
    payload = answer["data"]["orderPlace"]
    assert payload["errors"] == [], payload
    return payload["order"]


def test_an_order_placed_over_graphql_is_confirmed_by_the_worker_and_its_owner_hears_it(
    served,
):
    # given
    customer = make_user(email="ann@example.com")
    product = make_product(stock=5, price=Decimal("3.00"))
    ws = _subscribed(served.base_url, access_token_encode(customer))
    try:
        # when
        placed = _place(served, customer, product, 2)
        # then
        updates = [_next_update(ws), _next_update(ws)]
    finally:
        ws.close()
    assert placed["status"] == "PENDING"
    assert [(u["type"], u["order"]["number"], u["order"]["status"]) for u in updates] == [
        ("CREATED", placed["number"], "PENDING"),
        ("STATUS_CHANGED", placed["number"], "CONFIRMED"),
    ]
    order = Order.objects.get(number=placed["number"])
    assert charge_count(order.pk) == 1
    assert Product.objects.get(pk=product.pk).stock == 3
    _until(lambda: _mails(served.mail_dir), "the confirmation e-mail")
    assert _mails(served.mail_dir) == [f"Order {placed['number']} confirmed"]


def test_a_declined_payment_fails_the_order_on_the_worker_and_gives_the_stock_back(served):
    customer = make_user(email="bob+decline@example.com")
    product = make_product(stock=5)
    placed = _place(served, customer, product, 4)
    order_id = Order.objects.get(number=placed["number"]).pk
    _until(lambda: _status(order_id) != "PENDING", "the order is settled")
    assert _status(order_id) == "FAILED"
    assert Product.objects.get(pk=product.pk).stock == 5
    assert _status_events(order_id) == ["FAILED"]
    assert Order.objects.get(pk=order_id).payment_error == "Card declined."
    assert charge_count(order_id) == 0


# The kill tests: a short visibility timeout, so that a message of a dead worker comes
# back within seconds (and limits that the settings accept below it).
KILL_SETTINGS = {
    "CELERY_VISIBILITY_TIMEOUT": "12",
    "CELERY_TASK_SOFT_TIME_LIMIT": "8",
    "CELERY_TASK_TIME_LIMIT": "10",
    "TASK_RETRY_MAX_DELAY": "1",
}


def _held_order(env: dict[str, str]) -> tuple[Order, int]:
    """An order whose charge, sent to the worker, is recorded and then held: the order
    and the pid of the process holding it (the kill lands after the charge, before the
    commit)."""
    product = make_product(stock=5)
    order = order_place(
        actor=make_user(email="cy+hold@example.com"), lines=[OrderLineRequest(product.pk, 1)]
    )
    with celery_client(env) as client:
        client.send_task("order_process", args=[order.pk])
    _until(lambda: cache.get(payment_holding_key(order.pk)), "the charge is held")
    assert charge_count(order.pk) == 1
    return order, int(cache.get(payment_holding_key(order.pk)))


def _confirmed_once(order: Order, mail_dir: Path) -> None:
    _until(lambda: _status(order.pk) != "PENDING", "the order is settled")
    assert _status(order.pk) == "CONFIRMED"
    assert charge_count(order.pk) == 1
    assert _status_events(order.pk) == ["CONFIRMED"]
    assert Order.objects.get(pk=order.pk).payment_attempts == 2
    _until(lambda: _mails(mail_dir), "the confirmation e-mail")
    assert _mails(mail_dir) == [f"Order {order.number} confirmed"]


def test_a_pool_process_killed_during_a_charge_leaves_the_order_confirmed_once(tmp_path):
    with _worker_env(tmp_path, **KILL_SETTINGS) as env, running_celery_worker(env) as worker:
        order, holder = _held_order(env)
        assert holder in worker.pool_pids()
        # when: the process running the task dies; the worker gives the message back
        os.kill(holder, signal.SIGKILL)
        # then: a new pool process runs it again, and the provider's key stops a 2nd charge
        _confirmed_once(order, tmp_path)


def test_a_worker_killed_during_a_charge_then_restarted_leaves_the_order_confirmed_once(
    tmp_path,
):
    with _worker_env(tmp_path, **KILL_SETTINGS) as env:
        with running_celery_worker(env) as first:
            order, _ = _held_order(env)
            # when: the whole worker dies (its message stays unacknowledged in Redis)
            first.kill()
        assert _status(order.pk) == "PENDING"
        # then: another worker gets the message once its visibility timeout has passed
        with running_celery_worker(env):
            _confirmed_once(order, tmp_path)
