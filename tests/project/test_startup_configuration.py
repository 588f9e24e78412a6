from __future__ import annotations

import subprocess
import sys

from tests.support.daphne import ROOT, clean_env


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_start_up_with_debug_off_and_no_secret_key_fails_with_one_clear_line():
    # when
    result = _start(clean_env(DEBUG="0"))
    # then
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "SECRET_KEY is not set: export SECRET_KEY=<a long random string> "
        "(or DEBUG=1 for local development)."
    ]


def test_start_up_with_debug_on_needs_no_secret_key(tmp_path):
    result = _start(clean_env(DEBUG="1", VAR_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stderr


def test_start_up_with_a_malformed_boolean_says_which_variable(tmp_path):
    result = _start(clean_env(DEBUG="maybe", VAR_DIR=str(tmp_path)))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "DEBUG='maybe' is not a boolean: use 1/0, true/false, yes/no or on/off."
    )
