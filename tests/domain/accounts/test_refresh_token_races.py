"""A tokenRefresh that commits while a revocation (passwordChange, tokenRevoke) runs must not
leave a valid refresh token behind (PostgreSQL, READ COMMITTED; two threads, each with its
own database connection, interleaved on explicit signals)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from domain.accounts import services
from tests.factories import make_user
from tests.support.concurrency import backend_pid, until_waiting_on_a_lock
from tests.support.graphql import bearer, execute, run_graphql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-9"
TOKEN_CREATE = (
    "mutation ($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) "
    "{ token refreshToken errors { code } } }"
)
TOKEN_REFRESH = (
    "mutation ($t: String!) { tokenRefresh(refreshToken: $t) "
    "{ token refreshToken errors { field message code } } }"
)
TOKEN_REVOKE = (
    "mutation ($t: String!) { tokenRevoke(refreshToken: $t) { revoked errors { code } } }"
)
PASSWORD_CHANGE = (
    "mutation ($old: String!) { passwordChange(oldPassword: $old, "
    'newPassword: "another-long-pass-7") { errors { code } } }'
)


def _in_thread(job: Callable[[], Any], started: dict[str, int]) -> tuple[threading.Thread, list]:
    """Run `job` in a thread of its own (its own database connection); `started["pid"]` is
    that connection's backend pid once it is known."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            started["pid"] = backend_pid()
            outcome.append(job())
        except Exception as error:
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("revocation", ["passwordChange", "tokenRevoke"])
def test_a_refresh_committed_during_a_revocation_leaves_no_valid_refresh_token(
    monkeypatch, revocation
):
    # given a signed-in device
    user = make_user(email="ada@example.com", password=PASSWORD)
    issued = execute(TOKEN_CREATE, {"e": user.email, "p": PASSWORD})["data"]["tokenCreate"]
    # and a refresh of its token that holds its transaction open right after it wrote the
    # next token, until the revocation waits on a lock
    inserted, release = threading.Event(), threading.Event()
    issue = services._refresh_token_issue

    def issue_then_hold(**kwargs: Any) -> str:
        raw = issue(**kwargs)
        inserted.set()
        assert release.wait(timeout=30)
        return raw

    monkeypatch.setattr(services, "_refresh_token_issue", issue_then_hold)
    refresher, refreshed = _in_thread(
        lambda: execute(TOKEN_REFRESH, {"t": issued["refreshToken"]}), {}
    )
    assert inserted.wait(timeout=30)
    # when the revocation starts meanwhile, and the refresh commits while it waits
    revoker_started: dict[str, int] = {}
    if revocation == "passwordChange":
        job = lambda: run_graphql(  # noqa: E731
            Client(), PASSWORD_CHANGE, {"old": PASSWORD}, headers=bearer(issued["token"])
        )
    else:
        job = lambda: execute(TOKEN_REVOKE, {"t": issued["refreshToken"]})  # noqa: E731
    revoker, revoked = _in_thread(job, revoker_started)
    until_waiting_on_a_lock(revoker_started, revoker)
    release.set()
    refresher.join(timeout=30)
    revoker.join(timeout=30)
    # then both succeeded, and the refresh token the refresh handed out is dead
    payload = refreshed[0]["data"]["tokenRefresh"]
    assert payload["errors"] == [] and payload["refreshToken"]
    assert revoked[0]["data"][revocation]["errors"] == []
    monkeypatch.setattr(services, "_refresh_token_issue", issue)
    after = execute(TOKEN_REFRESH, {"t": payload["refreshToken"]})["data"]["tokenRefresh"]
    assert after == {
        "token": None,
        "refreshToken": None,
        "errors": [
            {
                "field": None,
                "message": "The refresh token is invalid, expired or already used.",
                "code": "INVALID_TOKEN",
            }
        ],
    }


def test_a_sign_in_whose_password_changed_during_its_check_gets_no_tokens(monkeypatch):
    # given a signed-in device, and a second sign-in with the same (old) password that has
    # just passed its password check
    user = make_user(email="ada@example.com", password=PASSWORD)
    device = execute(TOKEN_CREATE, {"e": user.email, "p": PASSWORD})["data"]["tokenCreate"]
    checked, release = threading.Event(), threading.Event()
    authenticate = services.user_authenticate

    def authenticate_then_hold(**kwargs: Any) -> Any:
        user = authenticate(**kwargs)
        checked.set()
        assert release.wait(timeout=30)
        return user

    monkeypatch.setattr(services, "user_authenticate", authenticate_then_hold)
    signer, signed = _in_thread(lambda: execute(TOKEN_CREATE, {"e": user.email, "p": PASSWORD}), {})
    assert checked.wait(timeout=30)
    # when the owner changes the password meanwhile, then the sign-in goes on
    changed = run_graphql(
        Client(), PASSWORD_CHANGE, {"old": PASSWORD}, headers=bearer(device["token"])
    )
    assert changed["data"]["passwordChange"]["errors"] == []
    release.set()
    signer.join(timeout=30)
    # then that sign-in is refused: no token outlives the change
    assert signed[0]["data"]["tokenCreate"] == {
        "token": None,
        "refreshToken": None,
        "errors": [{"code": "INVALID_CREDENTIALS"}],
    }
