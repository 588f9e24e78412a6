from __future__ import annotations

import json
import subprocess
import sys

import pytest

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


def _origin_settings(env: dict[str, str]) -> dict[str, list[str]]:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({'cors': s.CORS_ALLOWED_ORIGINS, 'csrf': s.CSRF_TRUSTED_ORIGINS, "
            "'csrf_cookie_domain': s.CSRF_COOKIE_DOMAIN}))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_no_other_origin_is_allowed_with_debug_off_and_local_dev_servers_are_with_debug_on(
    tmp_path,
):
    # when
    off = _origin_settings(clean_env(DEBUG="0", SECRET_KEY="x", VAR_DIR=str(tmp_path)))
    on = _origin_settings(clean_env(DEBUG="1", VAR_DIR=str(tmp_path)))
    # then
    assert off == {"cors": [], "csrf": [], "csrf_cookie_domain": None}
    assert "http://localhost:5173" in on["cors"]
    assert on["csrf"] == on["cors"]


def test_allowed_origins_are_normalised_and_trusted_for_cookie_session_posts_too(tmp_path):
    # when
    origins = _origin_settings(
        clean_env(
            DEBUG="0",
            SECRET_KEY="x",
            VAR_DIR=str(tmp_path),
            CORS_ALLOWED_ORIGINS="HTTPS://App.Example.com:443/, http://localhost:5173",
            CSRF_TRUSTED_ORIGINS="https://*.admin.example.com",
            CSRF_COOKIE_DOMAIN=".example.com",
        )
    )
    # then they are spelled as browsers send Origin, and CSRF trusts them too; and pages on
    # sibling subdomains can read the CSRF cookie
    assert origins == {
        "cors": ["https://app.example.com", "http://localhost:5173"],
        "csrf": [
            "https://app.example.com",
            "http://localhost:5173",
            "https://*.admin.example.com",
        ],
        "csrf_cookie_domain": ".example.com",
    }


@pytest.mark.parametrize(
    "value", ["*", "https://app.example.com/spa", "app.example.com", "https://*.example.com"]
)
def test_start_up_with_a_malformed_allowed_origin_says_which(tmp_path, value):
    result = _start(
        clean_env(
            DEBUG="1", VAR_DIR=str(tmp_path), CORS_ALLOWED_ORIGINS=f"http://ok.example,{value}"
        )
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"CORS_ALLOWED_ORIGINS: {value!r} is not an origin: use scheme://host[:port] without "
        "a path, e.g. https://shop.example.com."
    )


def test_start_up_with_a_negative_trusted_proxy_count_fails_with_one_clear_line(tmp_path):
    result = _start(clean_env(DEBUG="1", VAR_DIR=str(tmp_path), TRUSTED_PROXY_COUNT="-1"))
    assert result.returncode == 1
    assert result.stderr.strip() == "TRUSTED_PROXY_COUNT=-1 must be 0 or more."
