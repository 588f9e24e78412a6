"""Reading /metrics as a Prometheus scraper does: over HTTP, with the token, parsed by
prometheus-client's own parser of the text format.

Metrics are the process's, counted since it started: tests compare a scrape taken before
what they do with one taken after."""

from __future__ import annotations

import urllib.request
from typing import Any

from channels.testing import HttpCommunicator
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "test-metrics-token"


class Scrape:
    """One scrape: every sample by name and labels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                self.samples[(sample.name, frozenset(sample.labels.items()))] = sample.value

    def value(self, name: str, **labels: str) -> float:
        """A sample's value; 0 when the series does not exist yet (nothing counted)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def label_values(self, name: str, label: str) -> set[str]:
        """The values `label` takes in the samples of `name`."""
        return {
            dict(labels)[label]
            for sample_name, labels in self.samples
            if sample_name == name and label in dict(labels)
        }


def moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


async def scrape(token: str = TOKEN) -> Scrape:
    """GET /metrics through project.asgi.application, as daphne would serve it."""
    from project.asgi import application

    headers = [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())]
    response: dict[str, Any] = await HttpCommunicator(
        application, "GET", "/metrics", headers=headers
    ).get_response(timeout=10)
    assert response["status"] == 200, response
    return Scrape(response["body"].decode())


def scrape_url(base_url: str, token: str = TOKEN) -> Scrape:
    """GET /metrics of a running server (a daphne started by the test)."""
    request = urllib.request.Request(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return Scrape(response.read().decode())


def scrape_client(client: Any, token: str = TOKEN) -> Scrape:
    """GET /metrics with Django's test client."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response
    return Scrape(response.content.decode())


def listening(base_url: str, kind: str = "events") -> int:
    """How many listeners of a running server have joined their channel-layer groups:
    kind "events", its subscriptions (each joins before it reads its starting position);
    "notifications", its sockets' sign-in watches. A process holds one membership per
    group whatever its number of listeners, so Redis cannot tell this."""
    return int(scrape_url(base_url).value("realtime_routed_members", kind=kind))
