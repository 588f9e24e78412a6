from __future__ import annotations

import pytest

from tests.support.webhook_receiver import running_receiver


@pytest.fixture
def receiver():
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def local_receivers_allowed(settings):
    """DEBUG stays off (as in production); 127.0.0.1 is let through as an on-premises
    receiver would be."""
    settings.DEBUG = False
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
