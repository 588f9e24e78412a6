"""Where webhooks may go: the URL's form, the addresses its host resolves to (with DEBUG off),
WEBHOOK_ALLOWED_HOSTS, and the same check again at each delivery, on the address the
delivery connects to. No test here connects anywhere but 127.0.0.1."""

from __future__ import annotations

import ipaddress
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from domain.catalog.services import product_update
from domain.webhooks import addresses
from domain.webhooks.addresses import AllowList, TargetRefused, address_kind, target_of
from domain.webhooks.delivery import webhook_deliveries_send
from domain.webhooks.models import WebhookDelivery
from domain.webhooks.services import webhook_create
from domain.webhooks.url_ascii import url_ascii
from tests.factories import make_product, make_staff
from tests.factories.webhooks import make_webhook


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),
        ("100.64.0.1", "special-purpose"),
        ("fec0::1", "site-local"),
        # 6to4 and Teredo tunnel to IPv4 (Python 3.11 counts 2002::/16 as global)
        ("2002:7f00:1::1", "6to4"),
        ("2002:5db8:d70e::1", "6to4"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
        # NAT64 reaches the IPv4 address it carries: judged by that address
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b::a00:5", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("64:ff9b::5db8:d70e", None),
        ("93.184.215.14", None),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", None),
    ],
)
def test_what_kind_of_address_a_webhook_may_not_reach(address, kind):
    assert address_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/in", "The URL must start with http:// or https://."),
        ("file:///etc/passwd", "The URL must start with http:// or https://."),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "The URL must start with http:// or https://."),
        ("hooks.example.com/in", "The URL must start with http:// or https://."),
        ("https:///in", "The URL needs a host name or address."),
        ("https://hooks.example.com:99999/in", "The URL is not valid."),
        ("https://hooks.example .com/in", "The URL needs a host name or address."),
    ],
)
def test_only_http_and_https_urls_with_a_host(url, message):
    with pytest.raises(TargetRefused) as refused:
        target_of(url)
    assert str(refused.value) == message


def test_a_target_keeps_its_host_port_path_and_query():
    target = target_of("HTTPS://Hooks.Example.com./in/shop?token=abc")
    assert target == addresses.Target(
        scheme="https", host="hooks.example.com", port=443, path="/in/shop?token=abc"
    )
    assert target_of("http://[::1]:8080").port == 8080


@pytest.mark.parametrize(
    ("allowed", "address"),
    [
        (["2002::/16"], "2002:7f00:1::1"),
        (["2001::/32"], "2001:0:4136:e378:8000:63bf:3fff:fdd2"),
        (["10.0.0.0/8"], "64:ff9b::a00:5"),
        (["64:ff9b::/96"], "64:ff9b::a00:5"),
    ],
)
def test_tunnelled_and_translated_addresses_are_refused_unless_listed(settings, allowed, address):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(TargetRefused):
        addresses.check_addresses("hooks.example.com", [ipaddress.ip_address(address)])
    settings.WEBHOOK_ALLOWED_HOSTS = allowed
    addresses.check_addresses("hooks.example.com", [ipaddress.ip_address(address)])


@pytest.mark.parametrize(
    ("url", "ascii_url"),
    [
        ("https://hooks.example.com/hoök", "https://hooks.example.com/ho%C3%B6k"),
        (
            "https://Hoök.Example.com:8443/in/über?name=Jürgen#teil",
            "https://xn--hok-tna.example.com:8443/in/%C3%BCber?name=J%C3%BCrgen#teil",
        ),
        ("https://hooks.example.com/ho%C3%B6k?a=%20", "https://hooks.example.com/ho%C3%B6k?a=%20"),
        ("http://[::1]:8080/ü", "http://[::1]:8080/%C3%BC"),
    ],
)
def test_a_url_is_used_in_ascii(url, ascii_url):
    assert url_ascii(url) == ascii_url
    target = target_of(url)
    assert target.path.isascii() and target.host.isascii()


def test_a_host_without_an_idna_form_is_not_valid():
    with pytest.raises(TargetRefused) as refused:
        target_of("https://hoök..example.com/in")
    assert str(refused.value) == "The URL is not valid."


def test_allowed_hosts_are_names_or_networks():
    allowed = AllowList.parse(["Hooks.Internal", "10.1.0.0/16", "fd00::/8", "192.0.2.7"])
    assert allowed.allows("hooks.internal", ipaddress.ip_address("10.9.9.9"))
    assert allowed.allows("other.internal", ipaddress.ip_address("10.1.200.3"))
    assert allowed.allows("other.internal", ipaddress.ip_address("fd00::5"))
    assert allowed.allows("other.internal", ipaddress.ip_address("::ffff:192.0.2.7"))
    assert not allowed.allows("other.internal", ipaddress.ip_address("10.2.0.1"))
    with pytest.raises(ValueError, match="http://x"):
        AllowList.parse(["http://x"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/in", "http://localhost:9/in", "http://[::1]:9/"]
)
def test_creating_a_webhook_to_a_loopback_address_is_refused_with_debug_off(settings, url, caplog):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError) as refused:
        webhook_create(actor=make_staff(), url=url, events=["product.created"])
    [error] = refused.value.error_dict["url"]
    assert error.code == "invalid"
    host = target_of(url).host
    assert error.message == (
        f"The address of {host} is not allowed as a webhook target (with DEBUG off, only "
        "public addresses are, and the hosts and networks listed in WEBHOOK_ALLOWED_HOSTS)."
    )
    # the details are for staff, in the log
    [logged] = [r for r in caplog.records if r.name == "domain.webhooks"]
    assert logged.levelname == "WARNING"
    assert logged.getMessage().startswith(f"webhook target refused: {host} resolves to ")
    assert logged.getMessage().endswith("a loopback address")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "allowed", [["127.0.0.1"], ["127.0.0.0/8"], ["localhost", "127.0.0.1"], ["::1", "127.0.0.1"]]
)
def test_a_listed_host_or_network_may_be_a_target(settings, allowed):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = allowed
    webhook = webhook_create(
        actor=make_staff(), url="http://127.0.0.1:9/in", events=["product.created"]
    )
    assert webhook.url == "http://127.0.0.1:9/in"


@pytest.mark.django_db
def test_with_debug_on_a_local_url_is_accepted(settings):
    settings.DEBUG = True
    settings.WEBHOOK_ALLOWED_HOSTS = []
    webhook = webhook_create(
        actor=make_staff(), url="http://localhost:9/", events=["order.created"]
    )
    assert webhook.is_active


@pytest.mark.django_db
def test_at_delivery_a_url_resolving_to_127_0_0_1_is_refused_without_connecting(settings, receiver):
    # given an endpoint whose host resolves to 127.0.0.1 now (saved while it did not, or
    # while it was allowed)
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = []
    product = make_product()
    endpoint = make_webhook(url=receiver.url.replace("127.0.0.1", "localhost"))
    product_update(actor=make_staff(), product_id=product.pk, price=Decimal("11.00"))
    # when
    assert webhook_deliveries_send() == 0
    # then no request was made, and the refusal is recorded as a failed attempt
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.attempt, delivery.status_code, delivery.duration_ms, delivery.succeeded) == (
        1,
        None,
        None,
        False,
    )
    assert delivery.error == (
        "Not sent: The address of localhost is not allowed as a webhook target (with DEBUG "
        "off, only public addresses are, and the hosts and networks listed in "
        "WEBHOOK_ALLOWED_HOSTS)."
    )
    endpoint.refresh_from_db()
    assert endpoint.next_attempt_at is not None
    # when the host is listed, the retry goes through
    settings.WEBHOOK_ALLOWED_HOSTS = ["localhost"]
    assert webhook_deliveries_send(now=endpoint.next_attempt_at) == 1
    assert len(receiver.wait_for(1)) == 1


@pytest.mark.django_db
def test_a_delivery_connects_to_the_address_it_checked(settings, receiver, monkeypatch):
    """DNS rebinding: the host resolves once per attempt, and the connection goes to that
    answer, never to a second look-up's."""
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    answers = iter([[ipaddress.ip_address("127.0.0.1")]])
    looked_up = []

    def resolve_once(host, port):
        looked_up.append(host)
        return next(answers)  # a second look-up would raise StopIteration

    monkeypatch.setattr(addresses, "resolve", resolve_once)
    product = make_product()
    endpoint = make_webhook(url=receiver.url.replace("127.0.0.1", "rebinding.example"))
    product_update(actor=make_staff(), product_id=product.pk, price=Decimal("11.00"))
    assert webhook_deliveries_send() == 1
    [request] = receiver.wait_for(1)
    assert request.headers["host"] == f"rebinding.example:{receiver.server.server_address[1]}"
    assert looked_up == ["rebinding.example"]
    assert WebhookDelivery.objects.get(endpoint=endpoint).succeeded
