"""Admin actions that run a domain service on each selected row: the service decides (the
same rules as GraphQL and the tasks), a refusal is shown beside the row's label, and the
count of rows done at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

Row = TypeVar("Row")


def run_on_each(
    request: HttpRequest,
    rows: Iterable[Row],
    service: Callable[[Any, Row], object],
    *,
    label: Callable[[Row], str],
    done: str,
) -> None:
    """`service(actor, row)` for each row; `done` ("{} order(s) shipped.") gets the count."""
    count = 0
    for row in rows:
        try:
            service(request.user, row)
            count += 1
        except ValidationError as error:
            messages.warning(request, f"{label(row)}: {'; '.join(error.messages)}")
    messages.info(request, done.format(count))
