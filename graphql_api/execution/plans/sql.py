"""SQL expressions that write JSON exactly as the standard executor's response does.

| value | standard (`json.dumps` of strawberry's serialised value) | here |
|---|---|---|
| object | keys in selection order, `{"a":1}` | `row_to_json` of a subselect (never jsonb) |
| list | `[a,b]`, `[]` | `array_to_json(ARRAY(...))` |
| Decimal | `str()`, a string | `::text` of a fixed-scale column |
| Float (0..5, 2 places) | `repr(float)`: `4.5`, `0.0` | `rtrim` of the numeric, `.0` if integral |
| DateTime | `isoformat()`: `.ffffff` only when non-zero, `+00:00` | `to_char` in UTC |
| global ID, cursor | base64, no line breaks | `encode(..., 'base64')` without its newlines |
| string | ASCII only, `\\uXXXX` | control characters as Python; DEL and non-ASCII afterwards |
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Expression, TextField

_PLACEHOLDER = re.compile(r"\{(\d+)\}")


class Sql(Expression):
    """A SQL template whose `{n}` stand for the compiled n-th source expression (each
    may appear several times; its parameters are repeated in order). `%` must be `%%`."""

    def __init__(self, template: str, *sources: Any) -> None:
        super().__init__(output_field=TextField())
        self.template = template
        self.sources = list(sources)

    def get_source_expressions(self) -> list[Any]:
        return self.sources

    def set_source_expressions(self, expressions: list[Any]) -> None:
        self.sources = list(expressions)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        compiled = [compiler.compile(source) for source in self.sources]
        params: list[Any] = []

        def place(match: re.Match[str]) -> str:
            sql, source_params = compiled[int(match.group(1))]
            params.extend(source_params)
            return sql

        return _PLACEHOLDER.sub(place, self.template), params

    def __repr__(self) -> str:
        return f"Sql({self.template!r})"

    # Never grouped by, never aggregated: no GROUP BY is ever involved.
    contains_aggregate = False


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A constant SQL string (our own type names and prefixes, never user input)."""
    return "'" + text.replace("'", "''") + "'"


def json_object(members: list[tuple[str, Any]]) -> Sql:
    """A JSON object with these keys, in this order."""
    columns = ", ".join(f"{{{i}}} AS {quoted(key)}" for i, (key, _) in enumerate(members))
    return Sql(f"(SELECT row_to_json(_o) FROM (SELECT {columns}) _o)", *(v for _, v in members))


def base64_text(text_sql: str) -> str:
    return f"translate(encode(convert_to({text_sql}, 'UTF8'), 'base64'), E'\\n', '')"


def datetime_text(column: Any) -> Sql:
    """`datetime.isoformat()` of a UTC timestamp."""
    return Sql(
        "(to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        " || CASE WHEN to_char({0}, 'US') <> '000000'"
        " THEN to_char({0}, '.US') ELSE '' END || '+00:00')",
        column,
    )


def global_id(type_name: str, pk: Any) -> Sql:
    return Sql(base64_text(f"{literal(type_name + ':')} || {{0}}::text"), pk)


def ordered_cursor(created_at: Any, pk: Any) -> Sql:
    """strawberry-django's cursor for the ordering (created_at, id):
    base64("orderedcursor:" + '["<isoformat>","<id>"]')."""
    return Sql(
        base64_text("'orderedcursor:[\"' || {0} || '\",\"' || {1}::text || '\"]'"),
        datetime_text(created_at),
        pk,
    )


def json_string(column: Any) -> Sql:
    """`json.dumps(str(value))` (ASCII only): PostgreSQL's JSON string, its DEL and
    non-ASCII characters then escaped one by one (astral ones as surrogate pairs)."""
    return Sql(
        "(SELECT CASE WHEN _s.j ~ '^[ -~]*$' THEN _s.j ELSE (SELECT string_agg("
        "CASE WHEN _ch.c < 127 THEN chr(_ch.c)"
        " WHEN _ch.c < 65536 THEN '\\u' || lpad(to_hex(_ch.c), 4, '0')"
        " ELSE '\\u' || to_hex(55296 + ((_ch.c - 65536) >> 10))"
        " || '\\u' || to_hex(56320 + ((_ch.c - 65536) & 1023)) END, '' ORDER BY _ch.n)"
        " FROM (SELECT ascii(_t.s) AS c, _t.n FROM"
        " regexp_split_to_table(_s.j, '') WITH ORDINALITY AS _t(s, n)) _ch) END"
        " FROM (SELECT to_json({0}::text)::text AS j) _s)",
        column,
    )


def float_of_decimal(column: Any) -> Sql:
    """`repr(float(value))` of a numeric with at most 2 places and under 1e15."""
    return Sql(
        "(CASE WHEN {0} = trunc({0}) THEN trunc({0})::bigint::text || '.0'"
        " ELSE rtrim({0}::text, '0') END)::json",
        column,
    )


def text_of(column: Any) -> Sql:
    return Sql("{0}::text", column)


def constant_text(text: str) -> Sql:
    return Sql(f"{literal(text)}::text")


def constant(sql: str) -> Sql:
    return Sql(sql)


# json.dumps escapes DEL too; PostgreSQL leaves it (and non-ASCII) raw.
_NON_ASCII = re.compile(r"[^\x00-\x7e]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def ascii_escaped(text: str) -> str:
    """PostgreSQL's JSON text as `json.dumps(..., ensure_ascii=True)` writes it."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _NON_ASCII.sub(_escape, text)
