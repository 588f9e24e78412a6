"""Compiled statements kept per plan key: a repeated shape only binds its parameters.

Building a statement with the ORM (querysets, expressions, `compiler.compile`) costs about
10 ms; its text depends only on the plan key below, so it is built once per key and kept
(LRU, per process). What differs between requests of one shape (the viewer's id, a
cursor's values, a slug, the media URL prefix) never enters the text: the compiler writes
each as a `Param`, which compiles to `%s` with a `Slot` in the parameter list, and every
request binds the slots with its own values.

The plan key: the schema, the collected selection (response keys, fields, types,
arguments; fragments, aliases and `@include`/`@skip` already applied by `collect`) with
the bound arguments replaced by whether they were given, the viewer's class (anonymous,
signed in, staff) and whether the request has a media URL prefix. `compile_operation`
reads nothing else, so one key always compiles to one text.

A filtered list's rows are the one part built per request (`product_lists.py`): the
standard path's own queryset, whose SQL (its values as parameters) takes the place of a
`SplicedRows` marker in the cached text when the statement is bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection as db_connection
from django.db.models import Expression, Field

from domain.common.permissions import StaffScope, is_signed_in, is_staff, key_scopes

MAX_ENTRIES = 512


@dataclass(frozen=True)
class Slot:
    """A parameter position in a cached statement: bound per request by name."""

    name: str
    field: Field[Any, Any]


class Param(Expression):
    """A value bound per request: `%s` in the text, a `Slot` in the parameters."""

    def __init__(self, name: str, field: Field[Any, Any]) -> None:
        super().__init__(output_field=field)
        self.name = name

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [Slot(self.name, self.output_field)]

    def __repr__(self) -> str:
        return f"Param({self.name!r})"


class BoundViewer(Param):
    """The signed-in viewer where a selector filters by them (`user=viewer`): their id is
    bound per request; the permission checks read the real viewer's flags."""

    def __init__(self, name: str, field: Field[Any, Any], viewer: Any) -> None:
        super().__init__(name, field)
        self.is_authenticated = viewer.is_authenticated
        self.is_active = viewer.is_active
        self.is_staff = viewer.is_staff
        self.is_superuser = getattr(viewer, "is_superuser", False)


@dataclass(frozen=True)
class Splice:
    """Where a per-request subquery's parameters go; its text replaces `marker`."""

    name: str

    @property
    def marker(self) -> str:
        return f"/*spliced:{self.name}*/"


class SplicedRows(Expression):
    """A subquery built per request (`values[name]` is its SQL and parameters): the
    marker in the text, a `Splice` in the parameters."""

    def __init__(self, name: str, field: Field[Any, Any]) -> None:
        super().__init__(output_field=field)
        self.name = name

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        splice = Splice(self.name)
        return f"({splice.marker})", [splice]

    def __repr__(self) -> str:
        return f"SplicedRows({self.name!r})"


@dataclass(frozen=True)
class Statement:
    text: str
    params: tuple[Any, ...]  # constants, Slots and Splices

    def bind(self, values: dict[str, Any]) -> tuple[str, list[Any]]:
        """The text and parameters for this request; KeyError if a slot has no value."""
        text = self.text
        params: list[Any] = []
        for p in self.params:
            if type(p) is Slot:
                params.append(p.field.get_db_prep_value(values[p.name], db_connection))
            elif type(p) is Splice:
                spliced_text, spliced_params = values[p.name]
                text = text.replace(p.marker, spliced_text)
                params.extend(spliced_params)
            else:
                params.append(p)
        return text, params


def viewer_class(viewer: Any) -> str:
    """What a compiled statement depends on of its viewer: staff reads of the catalog, and
    whether the viewer has favourites of their own (a person signed in, not a key)."""
    through_key = key_scopes(viewer) is not None
    if is_staff(viewer, StaffScope.CATALOG_READ):
        return "staff-key" if through_key else "staff"
    if through_key:
        return "key"
    return "signed-in" if is_signed_in(viewer) else "anonymous"


def frozen(value: Any) -> Any:
    """A hashable form of a coerced argument value, its type included (1 is not True)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(frozen(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return ("repr", type(value).__qualname__, repr(value))
    return (type(value).__qualname__, value)


class StatementCache:
    """A bounded LRU of statements by plan key, safe across threads."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._entries: OrderedDict[Any, Statement] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: Any, build: Callable[[], Statement]) -> Statement:
        with self._lock:
            statement = self._entries.get(key)
            if statement is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return statement
        statement = build()  # outside the lock; NotCompilable leaves nothing behind
        with self._lock:
            self.misses += 1
            self._entries[key] = statement
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return statement

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


STATEMENTS = StatementCache()
