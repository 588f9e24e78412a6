"""Webhook settings from the environment, and the beat entries that deliver."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.daphne import ROOT, clean_env


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.WEBHOOK_ALLOWED_HOSTS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_allowed_hosts_are_read_as_a_list(tmp_path):
    result = _start(
        clean_env(DEBUG="1", VAR_DIR=str(tmp_path), WEBHOOK_ALLOWED_HOSTS="hooks.lan, 10.1.0.0/16")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['hooks.lan', '10.1.0.0/16']"


@pytest.mark.parametrize("entry", ["http://hooks.lan", "10.1.0.0/99", "hooks lan"])
def test_a_malformed_allowed_host_stops_start_up_with_one_line(tmp_path, entry):
    result = _start(clean_env(DEBUG="1", VAR_DIR=str(tmp_path), WEBHOOK_ALLOWED_HOSTS=entry))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"WEBHOOK_ALLOWED_HOSTS: {entry} is neither a host name nor a network "
        "(e.g. hooks.internal, 10.1.0.0/16, fd00::/8)."
    )


def test_beat_runs_the_webhook_tasks(settings):
    from project.celery import app

    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["webhook-deliveries-send"]["task"] == "webhook_deliveries_send"
    assert schedule["webhook-deliveries-send"]["schedule"] == 5.0
    assert schedule["webhook-delivery-prune"]["task"] == "webhook_delivery_prune"
    assert {"webhook_deliveries_send", "webhook_delivery_prune"} <= set(app.tasks)
