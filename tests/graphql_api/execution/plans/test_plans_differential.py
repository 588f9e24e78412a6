"""Compiled plans answer exactly as the standard executor: every contract query, every
role, generated variables, the raw response bytes compared (plans on against off)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from graphql import OperationDefinitionNode, OperationType, parse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.graphql import CONTRACT, operation_document
from tests.support.ids import global_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

COMPILED_STATEMENT = "SELECT ((SELECT row_to_json"
ROLES = ["anonymous", "customer", "other", "staff", "key", "scopeless key"]
HEAVY = (Path(__file__).resolve().parents[4] / "bench/queries/catalog_ours.graphql").read_text()
# Shapes a plan must get exactly right: aliases, repeated and nested fragments, @include and
# @skip, __typename everywhere, pageInfo in full, a nested connection's totalCount.
SHAPES = """
query Shapes($first: Int!, $after: String, $withReviews: Boolean!, $skipImages: Boolean!) {
  __typename
  list: products(first: $first, after: $after) {
    __typename
    pageInfo { hasPreviousPage hasNextPage startCursor endCursor __typename }
    totalCount
    edges {
      __typename
      cursor
      node {
        __typename
        ...Card
        name
        label: name
        images @skip(if: $skipImages) { __typename url position }
        primaryImage { url }
        reviews(first: 2) @include(if: $withReviews) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges { cursor node { __typename id author { __typename id displayName } } }
        }
        ... on Product { updatedAt category { parent { id name parent { id } } } }
      }
    }
  }
  again: products(first: 1) { totalCount }
}
fragment Card on Product { id slug isFavorite ratingAvg ... on Product { price } }
"""


def _contract_queries() -> list[tuple[str, str]]:
    found = []
    for path in sorted(CONTRACT.glob("*.graphql")):
        for definition in parse(path.read_text()).definitions:
            if (
                isinstance(definition, OperationDefinitionNode)
                and definition.operation is OperationType.QUERY
            ):
                found.append((path.stem, definition.name.value))
    return found


DOCUMENTS = {
    f"{name}.{operation}": operation_document(name, operation)
    for name, operation in _contract_queries()
}
DOCUMENTS["bench.HeavyCatalog"] = HEAVY
DOCUMENTS["plans.Shapes"] = SHAPES


def _post(client: Any, query: str, variables: dict[str, Any]) -> tuple[int, str, bytes]:
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
    )
    return response.status_code, response["Content-Type"], response.content


def _cursors_in(body: bytes) -> list[str]:
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("cursor", "endCursor", "startCursor") and isinstance(item, str):
                    found.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(body))
    return found


def _mutated(cursor: str, how: int) -> str:
    raw = base64.b64decode(cursor)
    if how == 0:
        return base64.b64encode(raw.replace(b'","', b'", "')).decode()
    if how == 1:
        return base64.b64encode(raw.replace(b"+00:00", b"+01:00")).decode()
    if how == 2:
        return base64.b64encode(raw[:-3] + b'"]').decode()
    if how == 3:
        return cursor[:-2]
    return base64.b64encode(raw.replace(b"orderedcursor", b"arrayconnection")).decode()


def _after(pool: list[str], kind: int, index: int, how: int) -> str | None:
    if kind == 0 or not pool:
        return None
    cursor = pool[index % len(pool)]
    if kind == 1:
        return cursor
    if kind == 2:
        return _mutated(cursor, how)
    return ["", "garbage", base64.b64encode(b'orderedcursor:["x","1"]').decode()][how % 3]


TEXTS = ["lamp", "LAMP", "\u00e0 p", "\U0001f600", "%", "_", "ctrl", "", "plain 4", '"quoted"']
DECIMALS = ["0", "0.00", "0.05", "5", "9.05", "20.05", "39.05", "1000", "-1"]
ORDER_FIELDS = ["price", "name", "createdAt", "ratingAvg", "reviewCount"]
DIRECTIONS = ["ASC", "DESC", "ASC_NULLS_FIRST", "ASC_NULLS_LAST", "DESC_NULLS_FIRST"]


def _comparison(values: Any) -> Any:
    maybe = st.one_of(st.none(), values)
    return st.one_of(
        st.dictionaries(
            st.sampled_from(["exact", "gt", "gte", "lt", "lte"]), values, min_size=1, max_size=2
        ),
        st.builds(lambda a, b: {"range": {"start": a, "end": b}}, maybe, maybe),
        st.builds(lambda items: {"inList": items}, st.lists(values, max_size=3)),
        st.builds(lambda flag: {"isNull": flag}, st.booleans()),
    )


def _filter_fields(catalog: Any) -> dict[str, Any]:
    categories = catalog.categories
    return {
        "name": st.dictionaries(
            st.sampled_from(["exact", "iExact", "contains", "iContains", "startsWith"]),
            st.sampled_from(TEXTS),
            min_size=1,
            max_size=2,
        ),
        "price": _comparison(st.sampled_from(DECIMALS)),
        "stock": _comparison(st.integers(-1, 3)),
        "inStock": st.booleans(),
        "categoryId": st.sampled_from(
            [global_id("Category", c.pk) for c in categories]
            + ["bm90IGFuIGlk", global_id("Product", catalog.products[0].pk)]
        ),
        "categorySlug": st.sampled_from([c.slug for c in categories] + ["no-such-category"]),
        "minRating": st.sampled_from([0, 3.33, 4, 4.5, 5, -1, 6]),
        "isFavorite": st.booleans(),
        "search": st.sampled_from(["lamp", "plain -emoji", ""]),
        "DISTINCT": st.booleans(),
    }


def _filters(draw: Any, catalog: Any) -> dict[str, Any] | None:
    """None, or up to two fields, and maybe one AND/OR/NOT of up to two more."""
    fields = _filter_fields(catalog)

    def some_fields() -> dict[str, Any]:
        names = draw(st.lists(st.sampled_from(sorted(fields)), max_size=2, unique=True))
        return {name: draw(fields[name]) for name in names}

    if draw(st.integers(0, 5)) == 0:
        return None
    filters = some_fields()
    nesting = draw(st.sampled_from([None, None, "AND", "OR", "NOT"]))
    if nesting is not None:
        filters[nesting] = some_fields()
    return filters


def _ordering(draw: Any) -> list[dict[str, str]] | None:
    if draw(st.integers(0, 4)) == 0:
        return None
    order = st.builds(
        lambda f, d: {f: d}, st.sampled_from(ORDER_FIELDS), st.sampled_from(DIRECTIONS)
    )
    return draw(st.lists(order, max_size=3))


def _ordering_key(variables: dict[str, Any]) -> str:
    return json.dumps(variables.get("ordering") or None)


def _variables(draw: Any, name: str, catalog: Any, pools: dict[str, list[str]]) -> dict[str, Any]:
    """Cursors come mostly from earlier pages of the same ordering (`pools` by ordering),
    and otherwise from any earlier page (`pools["any"]`)."""
    ordering = _ordering(draw) if name == "storefront.CatalogPage" else None
    same_ordering = draw(st.integers(0, 3)) > 0
    pool = pools.setdefault(_ordering_key({"ordering": ordering}), [])
    pool = pool if same_ordering else pools.setdefault("any", [])
    products = [*catalog.products, *catalog.hidden]
    ids = [global_id("Product", p.pk) for p in products] + [
        global_id("Category", catalog.categories[0].pk),
        "bm90IGFuIGlk",
        global_id("Product", 99_999),
        base64.b64encode(f"Product:0{products[0].pk}".encode()).decode(),
        global_id("Review", catalog.reviews[0].pk),
    ]
    slugs = [p.slug for p in products] + ["no-such-slug", ""]
    first = st.one_of(st.integers(-1, 101), st.sampled_from([0, 1, 2, 5, 100]), st.integers(0, 20))
    # Always the same draws, whatever the pool holds (hypothesis replays them).
    after = st.builds(
        lambda kind, index, how: _after(pool, kind, index, how),
        st.sampled_from([0, 0, 1, 1, 1, 2, 3]),  # none, earlier, mutated, garbage
        st.integers(0, 10_000),
        st.integers(0, 4),
    )
    variables: dict[str, Any] = {}
    if name in ("storefront.CatalogPage", "staff.StaffProducts", "account.MyOrders"):
        variables = {"first": draw(first), "after": draw(after)}
        if name != "account.MyOrders":
            variables["filters"] = _filters(draw, catalog)
        if name == "storefront.CatalogPage":
            variables["ordering"] = ordering
        if draw(st.booleans()):
            variables = {k: v for k, v in variables.items() if k != "first"}
    elif name == "storefront.ProductDetail":
        variables = {"slug": draw(st.sampled_from(slugs))}
    elif name == "storefront.ProductNode":
        variables = {"id": draw(st.sampled_from(ids))}
    elif name == "plans.Shapes":
        variables = {
            "first": draw(first),
            "after": draw(after),
            "withReviews": draw(st.booleans()),
            "skipImages": draw(st.booleans()),
        }
    return variables


# The documents with the most variables to draw get a test of their own, so that each
# test stays well inside the per-test timeout on a busy machine.
LISTS = ["storefront.CatalogPage", "staff.StaffProducts", "storefront.ProductNode"]
HYPOTHESIS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NO_BUDGETS = override_settings(
    RESPONSE_CACHE_TTL=0, GRAPHQL_COST_BUDGET_ANONYMOUS=0, GRAPHQL_COST_BUDGET_USER=0
)


def _same_bytes_with_plans_on_and_off(catalog: Any, data: Any, names: list[str]) -> None:
    # given: a document, a role, variables (cursors from earlier answers, then mutated)
    from tests.graphql_api.execution.plans.conftest import client_as

    name = data.draw(st.sampled_from(names))
    role = data.draw(st.sampled_from(ROLES))
    pools = _CURSORS.setdefault(id(catalog), {})
    variables = _variables(data.draw, name, catalog, pools)
    client = client_as(catalog.roles[role])
    # when
    with override_settings(GRAPHQL_COMPILED_PLANS=False):
        standard = _post(client, DOCUMENTS[name], variables)
    with override_settings(GRAPHQL_COMPILED_PLANS=True), CaptureQueriesContext(connection) as sql:
        planned = _post(client, DOCUMENTS[name], variables)
    compiled = any(q["sql"].startswith(COMPILED_STATEMENT) for q in sql.captured_queries)
    event(f"{name}: {'compiled' if compiled else 'standard'}")
    # then
    assert planned == standard, (name, role, variables, _first_difference(planned, standard))
    if standard[0] == 200:
        for pool in (pools.setdefault(_ordering_key(variables), []), pools["any"]):
            pool.extend(c for c in _cursors_in(standard[2]) if c not in pool)


@NO_BUDGETS
@settings(HYPOTHESIS, max_examples=100)
@given(data=st.data())
def test_every_contract_query_answers_the_same_bytes_with_plans_on_and_off(
    adversarial_catalog, data
):
    _same_bytes_with_plans_on_and_off(adversarial_catalog, data, sorted(DOCUMENTS))


@NO_BUDGETS
@settings(HYPOTHESIS, max_examples=120)
@given(data=st.data())
def test_filtered_ordered_lists_and_nodes_answer_the_same_bytes_with_plans_on_and_off(
    adversarial_catalog, data
):
    _same_bytes_with_plans_on_and_off(adversarial_catalog, data, LISTS)


_CURSORS: dict[int, dict[str, list[str]]] = {}


def _first_difference(planned: tuple, standard: tuple) -> str:
    if planned[:2] != standard[:2]:
        return f"{planned[:2]} != {standard[:2]}"
    a, b = planned[2], standard[2]
    at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    return f"at {at}: planned {a[at - 20 : at + 40]!r} standard {b[at - 20 : at + 40]!r}"
