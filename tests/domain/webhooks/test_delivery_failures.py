"""Whatever goes wrong in an attempt, even what should never happen, is recorded as a failed
attempt and retried later, and the other endpoints are served all the same; what is
recorded is ours (status, duration, a short error), never what the receiver said."""

from __future__ import annotations

import ssl
from decimal import Decimal

import pytest

from domain.catalog.services import product_update
from domain.webhooks import delivery, transport
from domain.webhooks.delivery import webhook_deliveries_send
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import make_product, make_staff
from tests.factories.webhooks import make_webhook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_receivers_allowed")]


def _change_price(product, price: str) -> None:
    product_update(actor=make_staff(), product_id=product.pk, price=Decimal(price))


def _record(endpoint: WebhookEndpoint) -> list[tuple]:
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .order_by("id")
        .values_list("attempt", "status_code", "succeeded", "error")
    )


def test_a_url_saved_with_non_ascii_characters_is_delivered_percent_encoded(receiver):
    # given an endpoint stored before URLs were kept in ASCII
    product = make_product()
    endpoint = make_webhook(url=f"{receiver.url}/hoök?für=ü")
    _change_price(product, "11.00")
    # when
    assert webhook_deliveries_send() == 1
    # then
    [request] = receiver.wait_for(1)
    assert request.path == "/hooks/ho%C3%B6k?f%C3%BCr=%C3%BC"
    assert _record(endpoint) == [(1, 200, True, "")]


def test_an_unexpected_error_in_the_transport_is_a_recorded_failure_that_backs_off(
    receiver, monkeypatch, caplog
):
    # given two endpoints, one of which makes http.client raise what it is not expected to
    product = make_product()
    broken = make_webhook(url=f"{receiver.url}/broken")
    working = make_webhook(url=f"{receiver.url}/working")
    real_request = transport._PinnedHTTPConnection.request

    def request(self, method, url, *args, **kwargs):
        if url.endswith("/broken"):
            raise UnicodeEncodeError("ascii", url, 0, 1, "ordinal not in range(128)")
        return real_request(self, method, url, *args, **kwargs)

    monkeypatch.setattr(transport._PinnedHTTPConnection, "request", request)
    _change_price(product, "11.00")
    # when
    assert webhook_deliveries_send() == 1
    # then the broken one has a failed attempt on record and waits for its retry
    assert _record(broken) == [(1, None, False, "Internal error (UnicodeEncodeError).")]
    broken.refresh_from_db()
    assert (broken.failed_attempts, broken.is_active) == (1, True)
    assert broken.next_attempt_at is not None
    assert webhook_deliveries_send() == 0  # not due yet: nothing is tried again
    assert len(_record(broken)) == 1
    # and the other one got its delivery
    assert [r.path for r in receiver.wait_for(1)] == ["/hooks/working"]
    assert _record(working) == [(1, 200, True, "")]
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "webhook POST to 127.0.0.1 failed unexpectedly"
    ]


def test_an_unexpected_error_before_sending_is_a_recorded_failure(receiver, monkeypatch):
    product = make_product()
    endpoint = make_webhook(url=receiver.url)

    def broken_payload(event):
        raise RuntimeError("a defect in building the payload")

    monkeypatch.setattr(delivery, "message_of", broken_payload)
    _change_price(product, "11.00")
    assert webhook_deliveries_send() == 0
    assert receiver.requests == []
    assert _record(endpoint) == [(1, None, False, "Internal error (RuntimeError).")]
    endpoint.refresh_from_db()
    assert endpoint.next_attempt_at is not None


def test_the_body_of_an_error_answer_is_neither_read_nor_recorded(receiver):
    product = make_product()
    endpoint = make_webhook(url=receiver.url)
    receiver.body = b"db01.internal: password authentication failed for user admin"
    receiver.answer(500)
    _change_price(product, "11.00")
    webhook_deliveries_send()
    assert _record(endpoint) == [(1, 500, False, "HTTP 500")]


@pytest.mark.parametrize(
    ("error", "recorded"),
    [
        (
            ssl.SSLCertVerificationError(
                1,
                "certificate verify failed: Hostname mismatch, certificate is not valid "
                "for 'db01.internal'",
            ),
            "TLS certificate not valid.",
        ),
        (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version"), "TLS handshake failed."),
        (ConnectionRefusedError(111, "Connection refused"), "Connection refused."),
        (ConnectionResetError(104, "Connection reset by peer"), "Connection reset."),
        (OSError(113, "No route to host"), "Connection failed."),
        (TimeoutError(), "Timed out after 10 s."),
        (KeyError("secret"), "Internal error (KeyError)."),
    ],
)
def test_what_is_recorded_of_a_failure_is_a_message_of_our_own(error, recorded):
    assert transport._describe(error, 10.0) == recorded
