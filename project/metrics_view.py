"""GET /metrics: this process's metrics in Prometheus' text format, or OpenMetrics to a
scraper that asks for it (prometheus-client's default registry: realtime/metrics.py,
graphql_api/metrics.py, and the client's own process_* and python_* metrics). Each daphne
process answers for itself.

Access: with METRICS_TOKEN set, only a request carrying `Authorization: Bearer <token>`
gets them (401 otherwise, DEBUG or not). Without a token they are served only with DEBUG
on; with DEBUG off and no token the endpoint is off and answers 404, as a route that is
not there (nothing is said about what would open it, and a scraper misconfigured against
a production process sees a plain "not found" rather than data)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder

# Imported for their registration: every metric is listed from the first scrape on.
import graphql_api.metrics  # noqa: F401
import realtime.metrics  # noqa: F401


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    expected = settings.METRICS_TOKEN
    if not expected:
        if not settings.DEBUG:
            return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    else:
        given = _bearer_token(request)
        if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
            return HttpResponse(
                "A valid metrics token is required.\n",
                status=401,
                content_type="text/plain",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    # The format the scraper's Accept asks for (Prometheus' text format 0.0.4 by default,
    # OpenMetrics to a scraper that prefers it), as prometheus-client's own servers do.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(REGISTRY), content_type=content_type)
