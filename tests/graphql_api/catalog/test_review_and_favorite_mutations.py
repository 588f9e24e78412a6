from __future__ import annotations

import pytest

from domain.catalog.models import Favorite, Review
from domain.events.models import ProductEvent
from tests.factories import make_product, make_review, make_user
from tests.support.graphql import execute, operation_document
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

REVIEW = operation_document("shopping", "ReviewCreate")
FAVORITE = operation_document("shopping", "FavoriteToggle")


def _review(viewer, product, **input_):
    input_ = {"productId": global_id("Product", product.pk), "rating": 4, "title": "Nice", **input_}
    return execute(REVIEW, {"input": input_}, viewer=viewer)["data"]["reviewCreate"]


def test_review_create_updates_the_rating_stats_in_the_same_answer():
    product = make_product()
    make_review(product=product, rating=2)
    from domain.catalog.rating_stats import product_rating_stats_refresh

    product_rating_stats_refresh(product_ids=[product.pk])
    payload = _review(make_user(), product, rating=5, title="Great", body="Really.")
    assert payload["errors"] == []
    assert payload["review"]["rating"] == 5 and payload["review"]["body"] == "Really."
    assert payload["review"]["product"] == {
        "id": global_id("Product", product.pk),
        "ratingAvg": 3.5,
        "reviewCount": 2,
    }
    assert ProductEvent.objects.get().type == "product.review_added"


@pytest.mark.parametrize(
    ("input_", "errors"),
    [
        (
            {"rating": 0},
            [
                {
                    "field": "rating",
                    "code": "INVALID",
                    "message": "The rating must be a whole number from 1 to 5.",
                }
            ],
        ),
        (
            {"rating": 6},
            [
                {
                    "field": "rating",
                    "code": "INVALID",
                    "message": "The rating must be a whole number from 1 to 5.",
                }
            ],
        ),
        (
            {"title": "  "},
            [
                {
                    "field": "title",
                    "code": "INVALID",
                    "message": "The title must have 1 to 200 characters.",
                }
            ],
        ),
        (
            {"title": "x" * 201},
            [
                {
                    "field": "title",
                    "code": "INVALID",
                    "message": "The title must have 1 to 200 characters.",
                }
            ],
        ),
    ],
)
def test_review_create_refuses_bad_input_and_changes_nothing(input_, errors):
    product = make_product()
    assert _review(make_user(), product, **input_) == {"review": None, "errors": errors}
    assert not Review.objects.exists() and not ProductEvent.objects.exists()


def test_a_second_review_by_the_same_author_is_already_exists():
    product, author = make_product(), make_user()
    assert _review(author, product)["errors"] == []
    assert _review(author, product, title="Again") == {
        "review": None,
        "errors": [
            {
                "field": None,
                "message": "You have reviewed this product already.",
                "code": "ALREADY_EXISTS",
            }
        ],
    }
    product.refresh_from_db()
    assert product.review_count == 1


@pytest.mark.parametrize("published", [False])
def test_reviews_only_on_visible_products(published):
    product = make_product(is_published=published)
    assert _review(make_user(), product)["errors"] == [
        {"field": "productId", "message": "No such product.", "code": "NOT_FOUND"}
    ]


def test_anonymous_callers_cannot_review_or_favourite():
    product = make_product()
    assert _review(None, product)["errors"][0]["code"] == "UNAUTHENTICATED"
    toggled = execute(FAVORITE, {"productId": global_id("Product", product.pk)})
    assert toggled["data"]["favoriteToggle"]["errors"][0]["code"] == "UNAUTHENTICATED"


def test_favorite_toggle_turns_on_then_off():
    product, customer = make_product(), make_user()
    variables = {"productId": global_id("Product", product.pk)}
    on = execute(FAVORITE, variables, viewer=customer)["data"]["favoriteToggle"]
    assert on == {
        "product": {"id": global_id("Product", product.pk), "isFavorite": True},
        "errors": [],
    }
    off = execute(FAVORITE, variables, viewer=customer)["data"]["favoriteToggle"]
    assert off["product"]["isFavorite"] is False
    assert not Favorite.objects.exists()


def test_review_update_and_delete_follow_ownership():
    product, author, other = make_product(), make_user(), make_user()
    staff = make_user(is_staff=True)
    review_id = global_id("Review", _review(author, product) and Review.objects.get().pk)
    update = (
        "mutation ($id: ID!) { reviewUpdate(id: $id, input: {rating: 1}) "
        "{ review { rating } errors { field message code } } }"
    )
    delete = "mutation ($id: ID!) { reviewDelete(id: $id) { deletedId errors { code } } }"
    assert execute(update, {"id": review_id}, viewer=other)["data"]["reviewUpdate"] == {
        "review": None,
        "errors": [
            {"field": None, "message": "This is not your review.", "code": "PERMISSION_DENIED"}
        ],
    }
    assert execute(update, {"id": review_id}, viewer=author)["data"]["reviewUpdate"] == {
        "review": {"rating": 1},
        "errors": [],
    }
    product.refresh_from_db()
    assert float(product.rating_avg) == 1.0
    assert execute(delete, {"id": review_id}, viewer=other)["data"]["reviewDelete"]["errors"] == [
        {"code": "PERMISSION_DENIED"}
    ]
    assert execute(delete, {"id": review_id}, viewer=staff)["data"]["reviewDelete"] == {
        "deletedId": review_id,
        "errors": [],
    }
    product.refresh_from_db()
    assert (product.review_count, float(product.rating_avg)) == (0, 0.0)
