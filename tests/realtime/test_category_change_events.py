"""Category changes reach `productEvents` subscribers filtered by category: a rename
those of the category, a move those of the subtrees its products left and entered."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from domain.accounts.tokens import access_token_encode
from domain.catalog import services as catalog
from realtime import bus
from tests.factories import make_category, make_product, make_user
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.websocket import joining

pytestmark = [pytest.mark.django_db(transaction=True)]

REALTIME = contract_document("realtime")
# What a storefront showing a category page reads of each event.
WITH_CATEGORY = """
subscription ($categoryIds: [ID!]) {
  productEvents(categoryIds: $categoryIds) {
    type
    productId
    changedFields
    product { category { name slug } }
  }
}
"""


async def _subscribe(socket, category, document: str = REALTIME, **variables) -> None:
    """Subscribe to the events of `category`'s subtree and wait until it listens."""
    async with joining(bus.category_group(category.pk)):
        await socket.subscribe(
            document,
            {"categoryIds": [global_id("Category", category.pk)], **variables},
            "OnProductEvents" if document is REALTIME else None,
        )


async def _received(socket, count: int) -> list[tuple[str, str]]:
    events = [(await socket.next_data())["data"]["productEvents"] for _ in range(count)]
    return [(event["type"], event["productId"]) for event in events]


async def test_a_rename_reaches_the_categorys_subscribers_with_the_new_name(open_ws):
    # given a subscriber to Lamps, which holds a product
    staff = await sync_to_async(make_user)(is_staff=True)
    lamps = await sync_to_async(make_category)(name="Lamps", slug="lamps")
    product = await sync_to_async(make_product)(category=lamps)
    socket = await open_ws()
    await _subscribe(socket, lamps, WITH_CATEGORY)
    # when Lamps is renamed
    await sync_to_async(catalog.category_update)(
        actor=staff, category_id=lamps.pk, name="Lights", slug="lights"
    )
    # then the subscriber sees the product with its category's new name
    event = (await socket.next_data())["data"]["productEvents"]
    assert event == {
        "type": "UPDATED",
        "productId": global_id("Product", product.pk),
        "changedFields": ["category"],
        "product": {"category": {"name": "Lights", "slug": "lights"}},
    }


async def test_a_move_reaches_the_subscribers_of_the_former_and_the_new_parent(open_ws):
    # given Old > Lamps > Desk with a product in Lamps and one in Desk, a root New, and a
    # subscriber to each root
    staff = await sync_to_async(make_user)(is_staff=True)
    old, new = await sync_to_async(make_category)(), await sync_to_async(make_category)()
    lamps = await sync_to_async(make_category)(parent=old)
    desk = await sync_to_async(make_category)(parent=lamps)
    in_lamps = await sync_to_async(make_product)(category=lamps)
    in_desk = await sync_to_async(make_product)(category=desk)
    old_socket, new_socket = await open_ws(), await open_ws()
    await _subscribe(old_socket, old)
    await _subscribe(new_socket, new)
    # when Lamps moves under New
    await sync_to_async(catalog.category_update)(
        actor=staff, category_id=lamps.pk, parent_id=new.pk
    )
    # then both hear of both products: one that they left, the other that they came
    expected = [
        ("UPDATED", global_id("Product", in_lamps.pk)),
        ("UPDATED", global_id("Product", in_desk.pk)),
    ]
    assert await _received(old_socket, 2) == expected
    assert await _received(new_socket, 2) == expected


async def test_a_subscriber_of_the_former_parent_that_resumes_is_told_of_the_move(open_ws):
    # given a subscriber to Old (holding Lamps, with a product) that saw one event, then
    # went away
    staff = await sync_to_async(make_user)(is_staff=True)
    old, new = await sync_to_async(make_category)(), await sync_to_async(make_category)()
    lamps = await sync_to_async(make_category)(parent=old)
    product = await sync_to_async(make_product)(category=lamps)
    socket = await open_ws()
    await _subscribe(socket, old)
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=product.pk, delta=1)
    cursor = (await socket.next_data())["data"]["productEvents"]["cursor"]
    await socket.close()
    # when Lamps moves under New meanwhile, and it resumes from its cursor
    await sync_to_async(catalog.category_update)(
        actor=staff, category_id=lamps.pk, parent_id=new.pk
    )
    resumed = await open_ws()
    await _subscribe(resumed, old, after=cursor)
    # then the replay tells it of the move
    assert await _received(resumed, 1) == [("UPDATED", global_id("Product", product.pk))]


async def test_an_unpublished_products_category_event_reaches_staff_only(open_ws):
    # given a draft and a published product in Lamps, and a staff and a customer
    # subscriber to Lamps
    staff = await sync_to_async(make_user)(is_staff=True)
    customer = await sync_to_async(make_user)()
    lamps = await sync_to_async(make_category)()
    draft = await sync_to_async(make_product)(category=lamps, is_published=False)
    published = await sync_to_async(make_product)(category=lamps)
    staff_socket = await open_ws(init={"authorization": f"Bearer {access_token_encode(staff)}"})
    customer_socket = await open_ws(
        init={"authorization": f"Bearer {access_token_encode(customer)}"}
    )
    await _subscribe(staff_socket, lamps)
    await _subscribe(customer_socket, lamps)
    # when Lamps is renamed (the draft's event is recorded first)
    await sync_to_async(catalog.category_update)(actor=staff, category_id=lamps.pk, name="New")
    # then staff hear of both; the customer's first message is the published product's
    assert await _received(staff_socket, 2) == [
        ("UPDATED", global_id("Product", draft.pk)),
        ("UPDATED", global_id("Product", published.pk)),
    ]
    assert await _received(customer_socket, 1) == [("UPDATED", global_id("Product", published.pk))]
