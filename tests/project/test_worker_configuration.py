"""What the Celery app runs with: at-least-once delivery, bounded tasks, a visibility
timeout that cannot hand a live worker's message out twice, and the beat schedule."""

from __future__ import annotations

import subprocess
import sys

from tests.support.daphne import ROOT, clean_env


def _start(**variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean_env(DEBUG="1", **variables),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_celery_app_acknowledges_late_and_gives_back_the_tasks_of_dead_workers():
    from django.conf import settings

    from project.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility > settings.TASK_RETRY_MAX_DELAY + conf.task_time_limit
    tasks = {entry["task"] for entry in conf.beat_schedule.values()}
    assert tasks == {
        "event_backlog_relay",
        "event_log_prune",
        "orders_overdue_cancel",
        "webhook_deliveries_send",
        "webhook_delivery_prune",
    }
    # and every scheduled task is one the worker knows
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)


def test_a_visibility_timeout_a_retry_could_outlast_stops_start_up(tmp_path):
    result = _start(VAR_DIR=str(tmp_path), CELERY_VISIBILITY_TIMEOUT="599")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "CELERY_VISIBILITY_TIMEOUT=599 must be above TASK_RETRY_MAX_DELAY + "
        "CELERY_TASK_TIME_LIMIT (600): a shorter one hands a waiting retry or a running "
        "task to a second worker."
    )


def test_smtp_with_both_tls_and_ssl_stops_start_up(tmp_path):
    result = _start(VAR_DIR=str(tmp_path), EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")
    assert result.returncode == 1
    assert result.stderr.strip() == "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on: pick one."
