"""/metrics: Prometheus' text format, behind a bearer token when DEBUG is off."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "s3cret-token"
NAMES = {
    "realtime_open_websocket_connections",
    "realtime_events_published",
    "realtime_events_delivered",
    "realtime_commit_to_send_seconds",
    "realtime_slow_consumer_closes",
    "realtime_log_replays",
    "realtime_log_poller_wakeups",
    "graphql_active_subscriptions",
    "graphql_subscription_shared_executions",
    "graphql_http_requests",
    "graphql_http_request_duration_seconds",
    "graphql_response_cache_requests",
}


def test_with_a_token_set_the_right_bearer_token_gets_every_metric(client, settings):
    # given
    settings.DEBUG = False
    settings.METRICS_TOKEN = TOKEN
    # when
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    families = {family.name for family in text_string_to_metric_families(response.text)}
    assert families >= NAMES


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer", ""],
)
@pytest.mark.parametrize("debug", [False, True])
def test_with_a_token_set_anything_but_that_token_is_refused_with_401(
    client, settings, authorization, debug
):
    # given
    settings.DEBUG = debug
    settings.METRICS_TOKEN = TOKEN
    headers = {} if authorization is None else {"Authorization": authorization}
    # when
    response = client.get("/metrics", headers=headers)
    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert "realtime_" not in response.text


def test_with_debug_off_and_no_token_the_endpoint_is_off(client, settings):
    # given
    settings.DEBUG = False
    settings.METRICS_TOKEN = ""
    # when
    response = client.get("/metrics", headers={"Authorization": "Bearer anything"})
    # then
    assert response.status_code == 404
    assert "realtime_" not in response.text


def test_with_debug_on_and_no_token_metrics_are_served(client, settings):
    # given
    settings.DEBUG = True
    settings.METRICS_TOKEN = ""
    # when
    response = client.get("/metrics")
    # then
    assert response.status_code == 200
    assert "realtime_open_websocket_connections" in response.text


def test_a_scraper_that_prefers_openmetrics_gets_openmetrics(client, settings):
    # given
    settings.METRICS_TOKEN = TOKEN
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    # when
    response = client.get(
        "/metrics", headers={"Authorization": f"Bearer {TOKEN}", "Accept": accept}
    )
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert response.text.endswith("# EOF\n")


def test_series_are_only_the_metrics_own_no_created_timestamps(client, settings):
    # given a counted request (a labelled child exists)
    settings.METRICS_TOKEN = TOKEN
    client.post("/graphql/", {"query": "{ __typename }"}, content_type="application/json")
    # when
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    # then
    assert "_created" not in response.text
