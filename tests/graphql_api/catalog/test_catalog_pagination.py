from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import make_catalog, make_product
from tests.support.graphql import error_codes, execute

pytestmark = pytest.mark.django_db

FORWARD = """
query ($first: Int, $after: String, $ordering: [ProductOrder!]) {
  products(first: $first, after: $after, ordering: $ordering) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { slug } }
  }
}
"""
BACKWARD = """
query ($last: Int, $before: String) {
  products(last: $last, before: $before) {
    pageInfo { hasPreviousPage startCursor }
    edges { node { slug } }
  }
}
"""


def _walk_forward(page_size: int, ordering: list | None = None) -> list[str]:
    slugs: list[str] = []
    after = None
    while True:
        page = execute(FORWARD, {"first": page_size, "after": after, "ordering": ordering})
        connection = page["data"]["products"]
        slugs += [edge["node"]["slug"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return slugs
        after = connection["pageInfo"]["endCursor"]


def test_walking_forward_and_backward_visits_every_product_once():
    # given
    make_catalog(250, reviews_each=0, images_each=0)
    # when walking forward 40 at a time
    forward = _walk_forward(40)
    # and backward 40 at a time
    backward: list[str] = []
    before = None
    while True:
        page = execute(BACKWARD, {"last": 40, "before": before})["data"]["products"]
        backward = [edge["node"]["slug"] for edge in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    # then: no duplicate, no gap, the same order both ways
    assert len(forward) == 250
    assert len(set(forward)) == 250
    assert backward == forward


def test_walk_by_a_non_unique_sort_key_has_no_duplicate_or_gap():
    make_catalog(250, reviews_each=0, images_each=0)  # 50 distinct prices, 5 products each
    slugs = _walk_forward(33, ordering=[{"price": "ASC"}])
    assert len(slugs) == 250
    assert len(set(slugs)) == 250


def test_a_product_inserted_mid_walk_does_not_shift_the_pages_already_read():
    # given the first page has been read
    make_catalog(100, reviews_each=0, images_each=0)
    first = execute(FORWARD, {"first": 30})["data"]["products"]
    # when a new product appears at the head of the list
    make_product(name="Brand New", slug="brand-new", price=Decimal("1.00"))
    # then the next page continues exactly after the last product read
    second = execute(FORWARD, {"first": 30, "after": first["pageInfo"]["endCursor"]})
    before_insert = _walk_forward(30)
    read = [e["node"]["slug"] for e in first["edges"]]
    following = [e["node"]["slug"] for e in second["data"]["products"]["edges"]]
    assert before_insert[0] == "brand-new"
    assert following == before_insert[31:61]
    assert not set(read) & set(following)


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"first": 101}, "PAGINATION_LIMIT"),
        ({"last": 500}, "PAGINATION_LIMIT"),
        ({"first": -1}, "BAD_USER_INPUT"),
        ({}, "BAD_USER_INPUT"),
        ({"first": 5, "after": "not a cursor"}, "INVALID_CURSOR"),
        ({"first": 5, "after": "YXJyYXljb25uZWN0aW9uOjE="}, "INVALID_CURSOR"),
        ({"first": 5, "after": "b3JkZXJlZGN1cnNvcjpbImEiXQ=="}, "INVALID_CURSOR"),
    ],
)
def test_bad_page_arguments_are_errors_with_a_code(arguments, code):
    make_product()
    query = """query ($first: Int, $last: Int, $after: String) {
      products(first: $first, last: $last, after: $after) { edges { node { id } } } }"""
    result = execute(query, arguments)
    assert result["data"] is None
    assert error_codes(result) == [code]


def test_a_nested_page_above_the_limit_is_an_error_too():
    make_product()
    result = execute(
        "{ products(first: 1) { edges { node { reviews(first: 1000) { totalCount } } } } }"
    )
    assert result == {
        "data": None,
        "errors": [
            {
                "message": "`first` is 1000; a page holds at most 100 items.",
                "extensions": {"code": "PAGINATION_LIMIT"},
            }
        ],
    }


def test_a_page_limit_inside_a_fragment_is_checked():
    make_product()
    result = execute(
        """query { ...Page }
        fragment Page on Query { products(first: 250) { totalCount } }"""
    )
    assert error_codes(result) == ["PAGINATION_LIMIT"]
