"""The PostgreSQL connections' own settings (project/settings.py)."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    # A compiled plan's statement has cost estimates past jit_above_cost although it runs in
    # milliseconds: JIT-compiling it took seconds (CategoryTree: 2.4 s for 16 ms of work).
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
