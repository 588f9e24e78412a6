"""API keys: a row and its secret (the secret is stored nowhere, so it is returned)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.accounts.api_keys import PREFIX_LENGTH, new_secret, secret_hash
from domain.accounts.models import ApiKey, User
from domain.common.permissions import StaffScope
from tests.factories.accounts import make_staff
from tests.factories.sequence import next_number


def make_api_key(
    *,
    created_by: User | None = None,
    scopes: Iterable[StaffScope | str] = tuple(StaffScope),
    name: str | None = None,
    **fields: Any,
) -> tuple[ApiKey, str]:
    """A key (of a new staff member unless `created_by` is given; every scope unless
    `scopes` is) and its secret."""
    secret = new_secret()
    key = ApiKey.objects.create(
        name=name or f"Integration {next_number()}",
        created_by=created_by or make_staff(),
        prefix=secret[:PREFIX_LENGTH],
        secret_hash=secret_hash(secret),
        scopes=[str(scope) for scope in scopes],
        **fields,
    )
    return key, secret


def api_key_header(secret: str) -> dict[str, str]:
    """The `Authorization` header of a request made with the key."""
    return {"Authorization": f"Api-Key {secret}"}
