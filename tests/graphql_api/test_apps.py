"""Wiring done when Django starts, whatever started the process."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from domain.catalog.services import products
from realtime.bus import Stream
from realtime.registry import runtime
from tests.factories import make_product, make_user


@pytest.mark.django_db(transaction=True)
async def test_realtimes_poller_reads_the_domains_event_log_once_django_is_set_up():
    # given Django set up by the test runner (not by project/asgi.py), and one product event
    staff = await sync_to_async(make_user)(is_staff=True)
    product = await sync_to_async(make_product)(stock=1)
    await sync_to_async(products.stock_adjust)(actor=staff, product_id=product.pk, delta=1)
    # when the poller's reader reads the log
    assert runtime.log_reader is not None
    batch = await runtime.log_reader(stream=Stream.PRODUCT, after_id=0, limit=10)
    # then it sees that event, with the groups it was published to
    groups, message = batch[-1]
    assert f"product.{product.pk}" in groups
    assert message["stream"] == "product"
