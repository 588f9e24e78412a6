from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from domain.catalog import services
from domain.catalog.models import Review
from domain.catalog.services import reviews
from domain.events.models import ProductEvent
from tests.factories import make_product, make_review, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.postgres  # a second connection at the same time
@pytest.mark.django_db(transaction=True)
def test_an_update_racing_a_delete_does_not_bring_the_review_back(monkeypatch):
    # given the review is deleted, by another connection, between the update's checks and
    # its write
    author, product = make_user(), make_product()
    review = make_review(product=product, author=author)
    lock = reviews._lock_visible_product

    def delete_first(**kwargs):
        def delete() -> None:
            services.review_delete(actor=author, review_id=review.pk)
            connection.close()

        thread = threading.Thread(target=delete)
        thread.start()
        thread.join()
        return lock(**kwargs)

    monkeypatch.setattr(reviews, "_lock_visible_product", delete_first)
    # when / then
    with pytest.raises(ValidationError) as raised:
        services.review_update(actor=author, review_id=review.pk, title="Edited")
    assert raised.value.message_dict == {"review_id": ["No such review."]}
    assert not Review.objects.filter(pk=review.pk).exists()


def test_rating_changes_by_update_or_delete_are_events():
    author, product = make_user(), make_product()
    review = services.review_create(actor=author, product_id=product.pk, rating=2, title="Meh")
    services.review_update(actor=author, review_id=review.pk, rating=4)
    services.review_delete(actor=author, review_id=review.pk)
    assert list(ProductEvent.objects.order_by("id").values_list("type", "changed_fields")) == [
        ("product.review_added", ["rating_avg", "review_count"]),
        ("product.updated", ["rating_avg", "review_count"]),
        ("product.updated", ["rating_avg", "review_count"]),
    ]
