"""Staff's order list (newest first, optionally by status) is read through an index, not
by sorting every order: with sorting made as costly as PostgreSQL allows, a page's plan
has no Sort node."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from domain.orders.models import OrderStatus
from domain.orders.selectors import order_list_for_staff
from tests.factories import make_order, make_staff, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("status", [None, OrderStatus.CONFIRMED], ids=["all", "by status"])
def test_a_page_of_staffs_order_list_is_read_in_index_order(status):
    # given some orders
    customer = make_user()
    for _ in range(3):
        make_order(customer=customer, status=OrderStatus.CONFIRMED)
    # when a page of the staff list is planned
    page = order_list_for_staff(user=make_staff(), status=status)[:50]
    # then no sort is needed
    assert "Sort" not in _plan(page), _plan(page)
