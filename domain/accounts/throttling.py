"""Brute-force protection of sign-in, counted per email and per client address in the
cache (Redis in production) over a fixed window; of passwordChange, counted per account
(a stolen short-lived token must not let anyone try current passwords until one fits,
then keep the account); and a cap on registrations per client address, which bounds how
fast anyone can test which emails have accounts.

An attempt is counted before the password is checked (an atomic increment), so parallel
attempts cannot all slip under the limit while the slow hash runs; a successful sign-in
gives its attempt back. Past the limit every attempt is refused, right password or not,
until the window ends."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache

from domain.common.addresses import address_bucket

logger = logging.getLogger(__name__)


def _keys(kind: str, value: str, scope: str = "sign-in") -> tuple[str, str]:
    if kind == "ip":
        value = address_bucket(value)  # an IPv6 client counts by its /64
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{scope}:{kind}:{digest}:count", f"{scope}:{kind}:{digest}:start"


def _subjects(email: str, client_ip: str | None) -> list[tuple[str, str, int]]:
    subjects = [("email", email, settings.SIGN_IN_MAX_FAILURES_PER_EMAIL)]
    if client_ip:
        subjects.append(("ip", client_ip, settings.SIGN_IN_MAX_FAILURES_PER_IP))
    return subjects


def _count(count_key: str, start_key: str, window: int) -> int:
    cache.add(start_key, time.time(), timeout=window)
    cache.add(count_key, 0, timeout=window)
    try:
        return cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, timeout=window)
        return 1


def _over_limit(count_key: str, start_key: str, limit: int, window: int) -> int:
    """Count one; the seconds left in the window when the count is past `limit`, else 0."""
    if _count(count_key, start_key, window) <= limit:
        return 0
    started = cache.get(start_key) or time.time()
    return max(1, int(started + window - time.time() + 0.999))


def sign_in_attempt(*, email: str, client_ip: str | None) -> int:
    """Count an attempt; the seconds to wait when it is over a limit (0: go ahead)."""
    window = settings.SIGN_IN_THROTTLE_WINDOW
    return max(
        _over_limit(*_keys(kind, value), limit, window)
        for kind, value, limit in _subjects(email, client_ip)
    )


def _password_change_keys(user_id: int, sign_in: str | None) -> tuple[str, str]:
    # Per account and sign-in: a thief guessing with one stolen device's token must not
    # lock the owner's other devices out of the change that would evict the thief.
    return _keys("user", f"{user_id}:{sign_in or '-'}", scope="password-change")


def password_change_attempt(*, user_id: int, sign_in: str | None) -> int:
    """Count a password change of this account through this sign-in (a device's token
    family, or a browser session), before its current password is checked; the seconds
    to wait when it is over the limit (0: go ahead)."""
    return _over_limit(
        *_password_change_keys(user_id, sign_in),
        settings.PASSWORD_CHANGE_MAX_FAILURES,
        settings.PASSWORD_CHANGE_THROTTLE_WINDOW,
    )


def password_change_success_record(*, user_id: int, sign_in: str | None) -> None:
    """The right current password clears that sign-in's count."""
    cache.delete_many(list(_password_change_keys(user_id, sign_in)))


def registration_attempt(*, client_ip: str | None) -> int:
    """Count a registration (accepted or not) from `client_ip`; the seconds to wait when
    it is over the limit (0: go ahead). Without a known address nothing is counted."""
    if not client_ip:
        return 0
    try:
        return _over_limit(
            *_keys("ip", client_ip, scope="register"),
            settings.REGISTER_MAX_PER_IP,
            settings.REGISTER_THROTTLE_WINDOW,
        )
    except Exception:  # the cache is down: registering matters more than the cap
        logger.warning("registration throttle unavailable; attempt let through", exc_info=True)
        return 0


def sign_in_success_record(*, email: str, client_ip: str | None) -> None:
    """A successful sign-in clears the email's count and gives back its attempt."""
    cache.delete_many(list(_keys("email", email)))
    if client_ip:
        count_key, _ = _keys("ip", client_ip)
        with contextlib.suppress(ValueError):  # the window ended meanwhile
            cache.decr(count_key)
