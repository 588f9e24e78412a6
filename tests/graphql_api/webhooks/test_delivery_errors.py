"""What the API shows of a failed delivery: the status code, the duration and a short error
of our own; never what the receiver answered (an internal service reachable through
WEBHOOK_ALLOWED_HOSTS could otherwise be read through it) nor which address a refused host
resolved to."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog.services import product_update
from domain.webhooks.delivery import webhook_deliveries_send
from tests.factories import make_product, make_staff
from tests.factories.webhooks import make_webhook
from tests.support.graphql import client_for, run_graphql
from tests.support.ids import global_id
from tests.support.webhook_receiver import running_receiver

pytestmark = pytest.mark.django_db

DELIVERIES = """
query ($id: ID!) {
  node(id: $id) {
    ... on Webhook {
      isActive
      disabledReason
      deliveries(first: 5) { edges { node { attempt statusCode succeeded error } } }
    }
  }
}
"""


def test_an_error_answer_shows_its_status_and_not_its_body(settings):
    # given a receiver on the internal network that answers 500 with something private
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.0/8"]
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    staff = make_staff()
    with running_receiver() as receiver:
        receiver.body = b'{"users": [{"name": "admin", "password": "hunter2"}]}'
        receiver.answer(500)
        endpoint = make_webhook(url=receiver.url)
        product_update(actor=staff, product_id=make_product().pk, price=Decimal("11.00"))
        # when
        webhook_deliveries_send()
        receiver.wait_for(1)
    # then
    result = run_graphql(client_for(staff), DELIVERIES, {"id": global_id("Webhook", endpoint.pk)})
    node = result["data"]["node"]
    assert node["deliveries"]["edges"] == [
        {"node": {"attempt": 1, "statusCode": 500, "succeeded": False, "error": "HTTP 500"}}
    ]
    assert node["isActive"] is False
    assert node["disabledReason"].endswith("; the last: HTTP 500")
    assert "hunter2" not in str(result)


def test_a_refused_delivery_does_not_say_where_the_host_resolved(settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = []
    staff = make_staff()
    endpoint = make_webhook(url="http://localhost:9/in")
    product_update(actor=staff, product_id=make_product().pk, price=Decimal("11.00"))
    webhook_deliveries_send()
    result = run_graphql(client_for(staff), DELIVERIES, {"id": global_id("Webhook", endpoint.pk)})
    [edge] = result["data"]["node"]["deliveries"]["edges"]
    assert edge["node"] == {
        "attempt": 1,
        "statusCode": None,
        "succeeded": False,
        "error": "Not sent: The address of localhost is not allowed as a webhook target (with "
        "DEBUG off, only public addresses are, and the hosts and networks listed in "
        "WEBHOOK_ALLOWED_HOSTS).",
    }
