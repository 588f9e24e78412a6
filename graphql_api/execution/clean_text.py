"""Text the database cannot store: NUL characters and unpaired UTF-16 surrogates.

PostgreSQL refuses both in text columns (a psycopg DataError deep inside a query), so
every string a client sends — GraphQL literals, variables, multipart fields — is checked
here, once, before anything runs, and refused with BAD_USER_INPUT."""

from __future__ import annotations

from typing import Any

UNSTORABLE_TEXT_MESSAGE = "Text may not contain NUL characters or unpaired surrogates."


def is_storable_text(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def holds_unstorable_text(value: Any) -> bool:
    """True when any string in `value` (JSON-like: dicts, lists, keys too) is unstorable."""
    if isinstance(value, str):
        return not is_storable_text(value)
    if isinstance(value, dict):
        return any(
            holds_unstorable_text(key) or holds_unstorable_text(item) for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return any(holds_unstorable_text(item) for item in value)
    return False
