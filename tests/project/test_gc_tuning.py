"""The ASGI application freezes what start-up built out of garbage collection
(project/gc_tuning.py), and answers do not change for it."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest
from django.test import Client

from project.gc_tuning import freeze_start_up_objects
from tests.factories import make_product, make_review
from tests.support.daphne import ROOT, clean_env


def _start_up_then(tmp_path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` run in a new interpreter after `import project.asgi` (the built application)."""
    return subprocess.run(
        [sys.executable, "-c", f"import gc, project.asgi; {code}"],
        cwd=ROOT,
        env=clean_env(DEBUG="1", VAR_DIR=str(tmp_path), **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _frozen_objects_after_start_up(tmp_path, **env: str) -> int:
    result = _start_up_then(tmp_path, "print(gc.get_freeze_count())", **env)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def test_the_built_application_has_its_start_up_objects_frozen(tmp_path):
    # when / then: Django, the schema and the rest of start-up (~145,000 objects)
    assert _frozen_objects_after_start_up(tmp_path) > 50_000


def test_freezing_can_be_turned_off(tmp_path):
    assert _frozen_objects_after_start_up(tmp_path, GC_FREEZE_AFTER_START_UP="0") == 0


def _thresholds_after_start_up(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    return _start_up_then(tmp_path, "print(gc.get_threshold())", **env)


@pytest.mark.parametrize(
    ("setting", "thresholds"),
    [(None, "(50000, 20, 100)"), ("700,10,10", "(700, 10, 10)"), ("", "(50000, 20, 100)")],
)
def test_the_built_application_sets_the_collectors_thresholds(tmp_path, setting, thresholds):
    env = {} if setting is None else {"GC_THRESHOLDS": setting}
    started = _thresholds_after_start_up(tmp_path, **env)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip().splitlines()[-1] == thresholds


@pytest.mark.parametrize("setting", ["700,10", "700,0,10", "a,b,c", "700,10,10,10"])
def test_thresholds_that_are_not_three_counts_stop_the_start(tmp_path, setting):
    started = _thresholds_after_start_up(tmp_path, GC_THRESHOLDS=setting)
    assert started.returncode != 0
    assert "GC_THRESHOLDS" in started.stderr
    assert "give 3 whole numbers above 0" in started.stderr


@pytest.mark.django_db(transaction=True)
def test_answers_are_the_same_with_the_start_up_objects_frozen(settings):
    # given a catalog page, answered with nothing frozen
    product = make_product(name="Lamp")
    make_review(product=product, title="Bright")
    query = {
        "query": "{ products(first: 5) { edges { node { name reviews(first: 2) "
        "{ edges { node { title } } } } } } }"
    }
    settings.RESPONSE_CACHE_TTL = 0
    thresholds_before = gc.get_threshold()
    before = Client().post("/graphql/", query, content_type="application/json").content
    try:
        # when what is alive is frozen, the thresholds are set and the collector runs
        freeze_start_up_objects()
        gc.collect()
        uncached = Client().post("/graphql/", query, content_type="application/json").content
        settings.RESPONSE_CACHE_TTL = 30
        miss = Client().post("/graphql/", query, content_type="application/json")
        hit = Client().post("/graphql/", query, content_type="application/json")
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds_before)
    # then
    assert b"Bright" in before
    assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit")
    assert before == uncached == miss.content == hit.content
