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
    """True when any string in `value` (JSON-like: dicts, lists, keys too) is unstorable.
    Walked without recursion: a client may nest its variables as deep as JSON allows."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not is_storable_text(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False
