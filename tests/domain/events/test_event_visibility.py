"""Who receives a product event: the Python predicate (live messages) and its SQL
(replays) give the same answer."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from domain.events.models import ProductEvent, ProductEventType
from domain.events.selectors import product_event_restrict_to_visible, product_event_visible_to
from tests.factories import make_staff, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("viewer", ["anonymous", "customer", "staff"])
@pytest.mark.parametrize("is_public", [True, False])
def test_live_and_replayed_events_follow_one_rule(viewer, is_public):
    # given an event row
    user = {"anonymous": AnonymousUser, "customer": make_user, "staff": make_staff}[viewer]()
    event = ProductEvent.objects.create(
        type=ProductEventType.UPDATED, product_id=1, category_id=1, is_public=is_public
    )
    # when
    live = product_event_visible_to(is_public=is_public, viewer=user)
    replayed = product_event_restrict_to_visible(
        ProductEvent.objects.filter(pk=event.pk), viewer=user
    ).exists()
    # then both agree, and only staff receive a private event
    assert live == replayed == (is_public or viewer == "staff")
