"""Settings for the test suite.

Services are chosen like this: DATABASE_URL / REDIS_URL when set; otherwise PostgreSQL
and Redis on their default local ports when something answers there; otherwise the
embedded default. `tests/conftest.py` skips the tests that need a missing service, or
fails the run when REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import hashlib
import os
import socket

LOCAL_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/shop"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# One checkout's test run must not meet another's (two clones tested at once share the
# PostgreSQL server and Redis): names and prefixes carry a digest of the checkout's path.
CHECKOUT = hashlib.sha1(os.path.dirname(os.path.abspath(__file__)).encode()).hexdigest()[:8]
os.environ.setdefault("CHANNEL_LAYER_PREFIX", f"asgi-test-{CHECKOUT}")
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-{CHECKOUT}")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))
if "DATABASE_URL" not in os.environ and _answers("127.0.0.1", 5432):
    os.environ["DATABASE_URL"] = LOCAL_POSTGRES_URL
if "REDIS_URL" not in os.environ and _answers("127.0.0.1", 6379):
    os.environ["REDIS_URL"] = LOCAL_REDIS_URL

from project.settings import *  # noqa: E402, F403
from project.settings import DATABASES, REDIS_URL  # noqa: E402

TEST_SERVICES: dict[str, bool] = {
    "postgres": DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
    "redis": bool(REDIS_URL),
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES["default"]["CONN_MAX_AGE"] = 0
if TEST_SERVICES["postgres"]:
    # A statement waiting on a lock that a failed test's leftover left held errors after
    # 30 s (and the test fails) instead of hanging the rest of the run.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c lock_timeout=30000".strip()
DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_shop_{CHECKOUT}"
MEDIA_ROOT = VAR_DIR / "media"  # noqa: F405
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CELERY_TASK_ALWAYS_EAGER = True
SERVE_MEDIA = True
# Off: a live message the layer loses fails a test instead of costing it an interval. Tests
# of the poller turn it on with the `settings` fixture.
WS_LOG_POLL_INTERVAL = 0
RESPONSE_CACHE_TTL = 0  # tests that need it turn it on (on_commit does not run in most)
# Placing an order does not start its processing: the tests of order placement see what
# placing does (a PENDING order); tests of processing turn it on, or run the service.
ORDER_PROCESS_ON_PLACE = False
