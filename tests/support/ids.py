"""Global IDs as a client sees them: base64 of `<GraphQL type name>:<primary key>`.

Written out here rather than taken from strawberry's relay helpers, so that a change in how
the server encodes IDs fails the tests instead of following along silently."""

from __future__ import annotations

import base64


def global_id(type_name: str, pk: int) -> str:
    """The global ID of the `type_name` object whose primary key is `pk`."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def pk_of(global_id_: str, *, type_name: str) -> int:
    """The primary key inside a global ID of a `type_name` object (fails on another type)."""
    decoded_type, _, pk = base64.b64decode(global_id_).decode().partition(":")
    assert decoded_type == type_name, f"{global_id_!r} is a {decoded_type}, not a {type_name}"
    return int(pk)
