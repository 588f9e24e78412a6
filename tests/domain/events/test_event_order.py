"""Event ids follow commit order, so "every event after cursor N" is exact."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from domain.catalog import services
from domain.events.models import ProductEvent
from tests.factories import make_product, make_user
from tests.support.concurrency import backend_pid, until_waiting_on_a_lock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_later_transaction_cannot_commit_an_event_below_an_open_ones():
    staff = make_user(is_staff=True)
    first, second = make_product(stock=5), make_product(stock=5)
    first_recorded = threading.Event()
    quick_started: dict[str, int] = {}
    order: list[str] = []

    def quick_writer() -> None:
        assert first_recorded.wait(timeout=30)
        quick_started["pid"] = backend_pid()
        services.stock_adjust(actor=staff, product_id=second.pk, delta=1)
        order.append("second commits")
        connection.close()

    quick = threading.Thread(target=quick_writer)

    def slow_writer() -> None:
        with transaction.atomic():
            services.stock_adjust(actor=staff, product_id=first.pk, delta=1)
            first_recorded.set()
            # still open (its event row is not visible yet) until the quick writer waits
            until_waiting_on_a_lock(quick_started, quick)
            order.append("first commits")
        connection.close()

    threads = [threading.Thread(target=slow_writer), quick]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # the quick writer waited for the slow one, and its event id is the higher one
    assert order == ["first commits", "second commits"]
    ids = dict(ProductEvent.objects.values_list("product_id", "id"))
    assert ids[first.pk] < ids[second.pk]
