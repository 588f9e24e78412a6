"""/healthz (liveness) and /readyz (readiness: database, cache, channel-layer round trip),
through the real ASGI application and the real services."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.support.asgi import http_request
from tests.support.daphne import free_port


def test_healthz_answers_200_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: connections to it are refused."""
    return free_port()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def _redis_layer(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]},
        }
    }


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_readyz_answers_200_with_every_check_when_the_services_are_up():
    # when
    response = await http_request("GET", "/readyz")
    # then
    assert response["status"] == 200
    assert response["json"] == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "channelLayer": "ok"},
    }
    assert "no-store" in response["headers"]["cache-control"]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_readyz_answers_503_draining_once_the_process_is_told_to_stop(monkeypatch):
    # given: a process draining after SIGTERM (realtime/draining.py), services all up
    from realtime.draining import process_draining

    monkeypatch.setattr(process_draining, "since", 0.0)
    # when
    response = await http_request("GET", "/readyz")
    # then: a load balancer sends it no new work
    assert response["status"] == 503
    assert response["json"] == {
        "status": "draining",
        "draining": True,
        "checks": {"database": "ok", "cache": "ok", "channelLayer": "ok"},
        "failing": [],
    }


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_readyz_answers_503_naming_the_cache_when_its_redis_is_down(settings, closed_port):
    # given a cache whose server refuses connections
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
        }
    }
    # when
    response = await http_request("GET", "/readyz")
    # then
    assert response["status"] == 503
    assert response["json"] == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "error", "channelLayer": "ok"},
        "failing": ["cache"],
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_readyz_answers_503_naming_the_channel_layer_when_its_redis_is_down(
    settings, closed_port
):
    # given a channel layer whose server refuses connections
    settings.CHANNEL_LAYERS = _redis_layer(closed_port)
    # when
    response = await http_request("GET", "/readyz")
    # then
    assert response["status"] == 503
    assert response["json"]["checks"]["channelLayer"] == "error"
    assert response["json"]["failing"] == ["channelLayer"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_readyz_gives_up_on_a_channel_layer_that_never_answers(settings, silent_port):
    # given a channel layer whose server takes the connection and never answers
    settings.CHANNEL_LAYERS = _redis_layer(silent_port)
    settings.READYZ_TIMEOUT = 0.5
    # when
    response = await http_request("GET", "/readyz")
    # then it answers within the bound, naming the check that timed out
    assert response["status"] == 503
    assert response["json"]["checks"]["channelLayer"] == "timeout"
    assert response["json"]["failing"] == ["channelLayer"]
