"""A compiled statement is kept per plan key: a repeated shape with other values (another
viewer, cursor, slug) reuses it and answers as the standard executor; another shape
compiles its own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings

from graphql_api.execution.plans.cache import STATEMENTS, Slot
from tests.graphql_api.execution.plans.conftest import client_as

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

LIST = """
query List($first: Int!, $after: String, $withReviews: Boolean!) {
  products(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id slug name isFavorite
        images { url }
        reviews(first: 2) @include(if: $withReviews) { totalCount edges { node { id } } }
      }
    }
  }
}
"""
DETAIL = """
query Detail($slug: String!) {
  product(slug: $slug) { id slug name isFavorite primaryImage { url } }
}
"""


def _post(user: Any, query: str, variables: dict[str, Any], *, plans: bool) -> bytes:
    with override_settings(GRAPHQL_COMPILED_PLANS=plans, RESPONSE_CACHE_TTL=0):
        response = client_as(user).post(
            "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
        )
    assert response.status_code == 200
    return response.content


def _planned_as_standard(user: Any, query: str, variables: dict[str, Any]) -> bytes:
    planned = _post(user, query, variables, plans=True)
    assert planned == _post(user, query, variables, plans=False)
    return planned


def _counts() -> tuple[int, int]:
    return STATEMENTS.hits, STATEMENTS.misses


def test_a_repeated_shape_with_another_viewer_reuses_the_statement_and_answers_the_same(
    adversarial_catalog,
):
    # given: the list compiled for one signed-in customer
    STATEMENTS.clear()
    roles = adversarial_catalog.roles
    _planned_as_standard(roles["customer"], LIST, {"first": 14, "withReviews": True})
    assert _counts() == (0, 1)
    # when: another customer (other favourites) asks the same shape
    body = _planned_as_standard(roles["other"], LIST, {"first": 14, "withReviews": True})
    # then: the statement was reused, and the other viewer's favourites are theirs
    assert _counts() == (1, 1)
    favorites = [e["node"]["isFavorite"] for e in json.loads(body)["data"]["products"]["edges"]]
    assert favorites.count(True) == 1


def test_a_repeated_shape_with_another_cursor_reuses_the_statement_and_answers_the_same(
    adversarial_catalog,
):
    # given: the cursors of the first page
    STATEMENTS.clear()
    variables = {"first": 2, "withReviews": False}
    first_page = json.loads(_planned_as_standard(None, LIST, variables))
    cursors = [e["cursor"] for e in first_page["data"]["products"]["edges"]]
    # when: two pages after two different cursors
    _planned_as_standard(None, LIST, {**variables, "after": cursors[0]})
    misses = STATEMENTS.misses
    _planned_as_standard(None, LIST, {**variables, "after": cursors[1]})
    # then: one statement for both pages (and one for the first, without a cursor)
    assert misses == 2
    assert _counts() == (1, 2)


def test_a_repeated_shape_with_another_slug_reuses_the_statement_and_answers_the_same(
    adversarial_catalog,
):
    # given
    STATEMENTS.clear()
    customer = adversarial_catalog.roles["customer"]
    first, second = adversarial_catalog.products[:2]
    # when
    one = _planned_as_standard(customer, DETAIL, {"slug": first.slug})
    two = _planned_as_standard(customer, DETAIL, {"slug": second.slug})
    hidden = _planned_as_standard(customer, DETAIL, {"slug": adversarial_catalog.hidden[0].slug})
    # then
    assert _counts() == (2, 1)
    assert first.slug.encode() in one and second.slug.encode() in two
    assert json.loads(hidden)["data"]["product"] is None


def test_cached_statements_hold_no_request_values(adversarial_catalog):
    # given
    STATEMENTS.clear()
    customer = adversarial_catalog.roles["customer"]
    slug = adversarial_catalog.products[0].slug
    # when
    _planned_as_standard(customer, DETAIL, {"slug": slug})
    # then: the slug, the viewer's id and the media prefix are slots, not text or constants
    (statement,) = STATEMENTS._entries.values()
    slots = {p.name for p in statement.params if isinstance(p, Slot)}
    assert slots == {"product.slug", "viewer", "media_prefix"}
    assert slug not in statement.text and "testserver" not in statement.text
    constants = [p for p in statement.params if not isinstance(p, Slot)]
    assert slug not in constants and customer.pk not in constants


@pytest.mark.parametrize(
    ("user_role", "variables"),
    [
        ("customer", {"first": 3, "withReviews": True}),  # another page size (a LIMIT)
        ("customer", {"first": 2, "withReviews": False}),  # @include's outcome
        ("anonymous", {"first": 2, "withReviews": True}),  # another viewer class
        ("staff", {"first": 2, "withReviews": True}),
    ],
)
def test_another_shape_compiles_its_own_statement(adversarial_catalog, user_role, variables):
    # given: the list compiled for a customer, first 2 with reviews
    STATEMENTS.clear()
    roles = adversarial_catalog.roles
    _planned_as_standard(roles["customer"], LIST, {"first": 2, "withReviews": True})
    # when
    _planned_as_standard(roles[user_role], LIST, variables)
    # then
    assert _counts() == (0, 2)


def test_another_alias_compiles_its_own_statement(adversarial_catalog):
    # given
    STATEMENTS.clear()
    slug = adversarial_catalog.products[0].slug
    _planned_as_standard(None, DETAIL, {"slug": slug})
    # when: the same fields under another response key
    _planned_as_standard(None, DETAIL.replace("product(slug", "item: product(slug"), {"slug": slug})
    # then
    assert _counts() == (0, 2)
