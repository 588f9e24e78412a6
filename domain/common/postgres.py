"""Helpers for migrations that hold PostgreSQL-only SQL (triggers, GIN indexes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import migrations


def run_sql_on_postgresql(forward: str, backward: str) -> migrations.RunPython:
    """A migration operation running `forward` (and `backward` when reversed) on
    PostgreSQL only; on other databases it does nothing."""

    def runner(sql: str) -> Callable[[Any, Any], None]:
        def run(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql, params=None)

        return run

    return migrations.RunPython(runner(forward), runner(backward))
