"""Cursor connections as strawberry-django answers them: a page of `first` rows in the
list's ordering, fetched with one more (for `hasNextPage`), cursors
`base64("orderedcursor:" + <the row's ordering values as a JSON list>)` (newest first:
`'["<createdAt>","<id>"]'`), `totalCount` over the whole visible list, `hasPreviousPage`
false going forward."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Subquery, Window
from django.db.models import TextField as TextOutput
from django.db.models.functions import RowNumber

from graphql_api.execution.page_rules import MAX_PAGE_SIZE
from graphql_api.execution.plans import sql
from graphql_api.execution.plans.selection import NotCompilable, Selected

CURSOR_PREFIX = "orderedcursor"


@dataclass(frozen=True)
class Page:
    first: int
    after: str | None  # the cursor as given; its list decodes it


def page_arguments(arguments: dict[str, Any], *, nested: bool) -> Page:
    first = arguments.get("first")
    if arguments.get("last") is not None or arguments.get("before") is not None:
        raise NotCompilable("backward paging")
    if not isinstance(first, int) or isinstance(first, bool) or not 0 <= first <= MAX_PAGE_SIZE:
        raise NotCompilable("first")
    after = arguments.get("after")
    if after is not None and (nested or not isinstance(after, str)):
        raise NotCompilable("nested after")
    return Page(first, after)


NEWEST_FIRST = (F("created_at").desc(), F("pk").desc())


def connection(
    selected: Selected,
    env: Any,
    rows: Any,
    *,
    first: int,
    after: Any,
    json_of: Any,
    ordering: tuple[Any, ...] = NEWEST_FIRST,
    cursor: Any = None,
) -> sql.Sql:
    """The JSON of a connection over `rows` (a visible queryset, unordered), in `ordering`,
    after the rows `after` (a condition) excludes. `cursor` writes a row's cursor under
    that ordering (newest first has its own); without one, selecting a cursor falls back."""
    if cursor is None and ordering is NEWEST_FIRST:
        cursor = sql.ordered_cursor(F("created_at"), F("pk"))
    writes_cursors = cursor is not None
    if cursor is None:
        cursor = sql.constant("NULL")
    page = rows.filter(after) if after is not None else rows
    edge_type = next(
        (f.type_name for f in selected.fields if f.name == "edges"),
        selected.type_name.replace("Connection", "Edge"),
    )
    annotations: dict[str, Any] = {"_rn": Window(RowNumber(), order_by=ordering), "_c": cursor}
    members = []
    for field in selected.fields:
        if field.name == "edges":
            edge_members = []
            for edge_field in field.fields:
                if edge_field.name == "cursor" and not writes_cursors:
                    raise NotCompilable("cursor of another ordering")
                if edge_field.name == "cursor":
                    edge_members.append((edge_field.key, cursor))
                elif edge_field.name == "node":
                    node = json_of(edge_field.type_name, edge_field.fields, env)
                    edge_members.append((edge_field.key, node))
                elif edge_field.name == "__typename":
                    edge_members.append((edge_field.key, sql.constant_text(edge_type)))
                else:
                    raise NotCompilable(f"edge field {edge_field.name}")
            annotations["_j"] = sql.json_object(edge_members)
            members.append(
                (
                    field.key,
                    sql.Sql(
                        "array_to_json(ARRAY(SELECT _j FROM _page"
                        f" WHERE _rn <= {first} ORDER BY _rn))"
                    ),
                )
            )
        elif field.name == "pageInfo":
            cursors = field.child("startCursor") or field.child("endCursor")
            if cursors is not None and not writes_cursors:
                raise NotCompilable("cursor of another ordering")
            members.append((field.key, _page_info(field, first)))
        elif field.name == "totalCount":
            count = Subquery(rows.values("pk"), output_field=TextOutput())
            members.append((field.key, sql.Sql("(SELECT count(*) FROM {0} _t)", count)))
        elif field.name == "__typename":
            members.append((field.key, sql.constant_text(selected.type_name)))
        else:
            raise NotCompilable(f"connection field {field.name}")
    if "_j" not in annotations:
        annotations["_j"] = sql.constant("NULL::json")
    page_rows = (
        page.order_by(*ordering).annotate(**annotations).values("_rn", "_c", "_j")[: first + 1]
    )
    body = sql.json_object(members)
    return sql.Sql(
        "(WITH _page AS {0} SELECT {1})",
        Subquery(page_rows, output_field=TextOutput()),
        body,
    )


def _page_info(selected: Selected, first: int) -> sql.Sql:
    members = []
    for field in selected.fields:
        if field.name == "hasNextPage":
            value = sql.Sql(f"((SELECT count(*) FROM _page) > {first})")
        elif field.name == "hasPreviousPage":
            value = sql.constant("false")
        elif field.name in ("startCursor", "endCursor"):
            direction = "" if field.name == "startCursor" else " DESC"
            value = sql.Sql(
                f"(SELECT _c FROM _page WHERE _rn <= {first} ORDER BY _rn{direction} LIMIT 1)"
            )
        elif field.name == "__typename":
            value = sql.constant_text("PageInfo")
        else:
            raise NotCompilable(f"pageInfo field {field.name}")
        members.append((field.key, value))
    return sql.json_object(members)
