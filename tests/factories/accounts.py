"""Accounts: customers and staff."""

from __future__ import annotations

from typing import Any

from domain.accounts.models import User
from tests.factories.sequence import next_number


def make_user(*, email: str | None = None, password: str = "pass-word-123", **fields: Any) -> User:
    email = email or f"user{next_number()}@example.com"
    return User.objects.create_user(email, password, **fields)


def make_staff(**fields: Any) -> User:
    return make_user(is_staff=True, **fields)
