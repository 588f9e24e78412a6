"""What webhookCreate and webhookUpdate make of a URL: stored in ASCII (an IDNA host,
other non-ASCII characters percent-encoded), and refused, when its host's address is not
allowed, with a message that names neither the address nor what kind it is."""

from __future__ import annotations

import ipaddress
import logging

import pytest

from domain.webhooks import addresses
from domain.webhooks.models import WebhookEndpoint
from tests.factories import make_staff
from tests.factories.webhooks import make_webhook
from tests.support.graphql import client_for, execute, run_graphql
from tests.support.ids import global_id
from tests.support.webhook_operations import WEBHOOK_CREATE, WEBHOOK_UPDATE

pytestmark = pytest.mark.django_db

# What the (mocked) resolver answers: the test machine has no DNS.
ANSWERS = {
    "hooks.example.com": "93.184.215.14",
    "xn--hok-tna.example.com": "93.184.215.14",
    "intranet.example.com": "10.20.30.40",
    "tunnel.example.com": "2002:a14:1e28::1",
    "nat64.example.com": "64:ff9b::a14:1e28",
}


@pytest.fixture(autouse=True)
def looked_up(monkeypatch, settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = []
    hosts: list[str] = []

    def resolve(host, port):
        hosts.append(host)
        return [ipaddress.ip_address(ANSWERS[host])]

    monkeypatch.setattr(addresses, "resolve", resolve)
    return hosts


def _create(url: str) -> dict:
    result = execute(
        WEBHOOK_CREATE, {"input": {"url": url, "events": ["ORDER_CREATED"]}}, viewer=make_staff()
    )
    return result["data"]["webhookCreate"]


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://hooks.example.com/hoök", "https://hooks.example.com/ho%C3%B6k"),
        (
            " https://Hoök.example.com/eingang/über?für=Jürgen ",
            "https://xn--hok-tna.example.com/eingang/%C3%BCber?f%C3%BCr=J%C3%BCrgen",
        ),
        ("https://hooks.example.com/ho%C3%B6k", "https://hooks.example.com/ho%C3%B6k"),
    ],
)
def test_a_non_ascii_url_is_stored_in_ascii(looked_up, url, stored):
    payload = _create(url)
    assert payload["errors"] == []
    assert payload["webhook"]["url"] == stored
    assert WebhookEndpoint.objects.get().url == stored
    assert looked_up == [stored.split("/")[2]]  # the IDNA host is what was resolved


def test_changing_the_url_to_a_non_ascii_one_stores_it_in_ascii():
    endpoint = make_webhook()
    result = run_graphql(
        client_for(make_staff()),
        WEBHOOK_UPDATE,
        {"id": global_id("Webhook", endpoint.pk), "input": {"url": "https://hoök.example.com/ä"}},
    )
    assert result["data"]["webhookUpdate"]["errors"] == []
    assert result["data"]["webhookUpdate"]["webhook"]["url"] == (
        "https://xn--hok-tna.example.com/%C3%A4"
    )


def test_a_host_without_an_idna_form_is_invalid():
    assert _create("https://hoök..example.com/in") == {
        "webhook": None,
        "secret": None,
        "errors": [{"field": "url", "message": "The URL is not valid.", "code": "INVALID"}],
    }
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("host", "address", "kind"),
    [
        ("intranet.example.com", "10.20.30.40", "private"),
        ("tunnel.example.com", "2002:a14:1e28::1", "6to4"),
        ("nat64.example.com", "64:ff9b::a14:1e28", "private"),
    ],
)
def test_a_refused_host_is_named_but_not_its_address(caplog, host, address, kind):
    # when
    with caplog.at_level(logging.INFO, logger="domain.webhooks"):
        payload = _create(f"https://{host}/in")
    # then the caller learns that the address is not allowed, and nothing more
    assert payload == {
        "webhook": None,
        "secret": None,
        "errors": [
            {
                "field": "url",
                "message": f"The address of {host} is not allowed as a webhook target (with "
                "DEBUG off, only public addresses are, and the hosts and networks listed in "
                "WEBHOOK_ALLOWED_HOSTS).",
                "code": "INVALID",
            }
        ],
    }
    # and staff find the details in the log
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"webhook target refused: {host} resolves to {address}, a {kind} address")
    ]
    assert not WebhookEndpoint.objects.exists()
