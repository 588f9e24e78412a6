"""Service selection for the suite: see project/test_settings.py.

Tests marked `postgres` or `redis` are skipped, with the reason in the summary, when that
service is not in use; with REQUIRE_SERVICES=1 a missing service fails the run instead.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

# WebSocket client fixtures (`open_ws`, `ws_application`) for every test module, and the
# timer that names a hung test and fails it alone (tests/support/hang_timeout.py).
pytest_plugins = ["tests.support.websocket", "tests.support.hang_timeout"]

SERVICE_HINTS = {
    "postgres": "set DATABASE_URL or start PostgreSQL on 127.0.0.1:5432",
    "redis": "set REDIS_URL or start Redis on 127.0.0.1:6379",
}


def _missing_services() -> list[str]:
    return [name for name, live in settings.TEST_SERVICES.items() if not live]


def pytest_configure(config: pytest.Config) -> None:
    missing = _missing_services()
    if os.environ.get("REQUIRE_SERVICES") == "1" and missing:
        hints = "; ".join(f"{name}: {SERVICE_HINTS[name]}" for name in missing)
        raise pytest.UsageError(f"REQUIRE_SERVICES=1 but not reachable: {hints}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for name in _missing_services():
        skip = pytest.mark.skip(reason=f"needs {name}: {SERVICE_HINTS[name]}")
        for item in items:
            if item.get_closest_marker(name):
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Forget this checkout's cached values. On Redis only the keys under this checkout's
    KEY_PREFIX go: `cache.clear()` there is FLUSHDB, which would also wipe another test run,
    a running server's cache and the channel layer's groups. The response cache's copy in
    this process goes too (tests file answers under fixed keys)."""
    from graphql_api.http import response_cache
    from project.cache_prefix import clear_own_entries

    clear_own_entries()
    response_cache.local.clear()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A new channel layer object for every test. Each test runs in its own event loop and
    channels-redis binds a layer's receiving side to one loop, so a listener a failed test
    left behind must not break the tests after it."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(scope="session", autouse=True)
def _close_stray_database_sessions(django_db_setup, django_db_blocker):
    """Async tests leave connections open in executor threads; end them before the test
    database is dropped."""
    yield
    from django.db import connection

    test_name = connection.settings_dict.get("TEST", {}).get("NAME")
    if connection.vendor != "postgresql" or connection.settings_dict["NAME"] != test_name:
        return  # no test database was made (no database test ran): leave others alone
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
