"""Subscribers that share an event's execution and its encoded payload receive, byte for
byte, what the unshared path sends: for every role, on both protocols, for events on
published, unpublished, unpublished-by-the-change and deleted products, with filters by
product, category and type, a document that reads per-viewer fields, and after resuming
with `after`.

Each shared subscriber has a twin: the same viewer, document and variables on a
connection that takes the unshared path (its own execution of every event, encoded by
strawberry as a whole message); the twins' frames are compared as received, as text.
An event's payload holds the product as read when the event is handled ("the product
now"); twins handle an event at different moments, so here that read is kept for the
whole test (it is shared by the subscribers of an event for about a second in production),
and both twins render the same product."""

from __future__ import annotations

import asyncio
import itertools
import json
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from domain.accounts.tokens import access_token_encode
from domain.catalog import services as catalog
from domain.events.models import ProductEvent
from graphql_api.catalog.subscriptions import PRODUCT_READS
from graphql_api.execution import shared_execution
from graphql_api.execution.shared_frames import FrameEncoder
from graphql_api.subscriptions.cursors import encode_cursor
from realtime import bus
from realtime.bus import Stream
from realtime.registry import runtime
from tests.factories import make_category, make_product, make_review, make_user
from tests.support.graphql import contract_document
from tests.support.ids import global_id
from tests.support.websocket import LEGACY_WS, TRANSPORT_WS, joining

pytestmark = [pytest.mark.django_db(transaction=True)]

REALTIME = contract_document("realtime")
PER_VIEWER = """
subscription PerViewer($productIds: [ID!], $after: String) {
  productEvents(productIds: $productIds, after: $after) {
    cursor type productId
    product { id stock isFavorite reviews(first: 3) { edges { node { author { email } } } } }
  }
}
"""
UNSHARED = (b"x-test-path", b"unshared")
ROLES = ("anonymous", "customer", "other customer", "staff")


@pytest.fixture
def unshared_twins(monkeypatch) -> list[str]:
    """Connections opened with the UNSHARED header execute every event for themselves;
    returns the frames the others were sent as shared frames."""
    viewer_key = shared_execution._viewer_key
    shared_frame = FrameEncoder.shared_frame
    sent: list[str] = []

    def key(context: Any, *, per_viewer: bool) -> Any:
        websocket = getattr(context, "websocket", None)
        if websocket is not None and UNSHARED in map(tuple, websocket.scope["headers"]):
            return None
        return viewer_key(context, per_viewer=per_viewer)

    def frame(self: FrameEncoder, message: Any) -> str | None:
        text = shared_frame(self, message)
        if text is not None:
            sent.append(text)
        return text

    monkeypatch.setattr(shared_execution, "_viewer_key", key)
    monkeypatch.setattr(FrameEncoder, "shared_frame", frame)
    runtime.shared(PRODUCT_READS, keep_for=600)  # see the module docstring
    return sent


async def _subscribe(socket: Any, protocol: str, subscription: tuple, group: str) -> None:
    document, operation, variables = subscription
    payload = {"query": document, "variables": variables}
    if operation:
        payload["operationName"] = operation
    async with joining(group):
        await socket.communicator.send_json_to(
            {
                "id": "1",  # one operation per socket: twins' envelopes are alike
                "type": "subscribe" if protocol == TRANSPORT_WS else "start",
                "payload": payload,
            }
        )


async def _frames_until(socket: Any, cursor: str) -> list[str]:
    """The text frames received up to and including the event at `cursor`."""
    frames = []
    while True:
        text = await socket.communicator.receive_from(timeout=20)
        frames.append(text)
        message = json.loads(text)
        if message["type"] in {"next", "data"}:
            event = message["payload"]["data"]["productEvents"]
            if event["cursor"] == cursor:
                return frames


def _latest_cursor() -> str:
    event = ProductEvent.objects.order_by("-id").first()
    return encode_cursor(Stream.PRODUCT, event.pk, event.occurred_at.timestamp())


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_shared_frames_are_byte_for_byte_the_unshared_ones(open_ws, unshared_twins, protocol):
    # given a catalog with a published, an unpublished, a soon deleted and a soon
    # unpublished product, a customer who favourited and reviewed one, and every role
    staff = await sync_to_async(make_user)(is_staff=True)
    fan, other = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    shoes, hats = await sync_to_async(make_category)(), await sync_to_async(make_category)()
    shown = await sync_to_async(make_product)(category=shoes, stock=10)
    hidden = await sync_to_async(make_product)(category=shoes, is_published=False)
    doomed = await sync_to_async(make_product)(category=hats)
    fading = await sync_to_async(make_product)(category=shoes)
    await sync_to_async(catalog.favorite_toggle)(actor=fan, product_id=shown.pk)
    await sync_to_async(make_review)(product=shown, author=fan)
    products = [global_id("Product", p.pk) for p in (shown, hidden, doomed, fading)]
    subscriptions = [
        (REALTIME, "OnProductEvents", {"productIds": products}),
        (
            REALTIME,
            "OnProductEvents",
            {
                "categoryIds": [global_id("Category", shoes.pk)],
                "types": ["STOCK_CHANGED", "PRICE_CHANGED", "UNPUBLISHED"],
            },
        ),
        (REALTIME, "OnProductEvents", {}),
        (PER_VIEWER, None, {"productIds": products}),
    ]
    groups = [
        bus.product_group(shown.pk),
        bus.category_group(shoes.pk),
        bus.ALL_PRODUCTS_GROUP,
        bus.product_group(shown.pk),
    ]
    inits = {
        "anonymous": None,
        "customer": {"authorization": f"Bearer {access_token_encode(fan)}"},
        "other customer": {"authorization": f"Bearer {access_token_encode(other)}"},
        "staff": {"authorization": f"Bearer {access_token_encode(staff)}"},
    }

    async def pair(subscription: tuple, group: str, role: str) -> tuple[Any, Any]:
        sockets = []
        for headers in ([], [UNSHARED]):
            socket = await open_ws(protocol=protocol, headers=headers, init=inits[role])
            await _subscribe(socket, protocol, subscription, group)
            sockets.append(socket)
        return sockets[0], sockets[1]

    pairs = [
        await pair(subscription, group, role)
        for subscription, group in zip(subscriptions, groups, strict=True)
        for role in ROLES
    ]

    # when events happen to each kind of product, some subscribers resume after the first
    # one, and a last event reaches everyone
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=shown.pk, delta=1)
    first = await sync_to_async(_latest_cursor)()
    await sync_to_async(catalog.product_update)(
        actor=staff, product_id=shown.pk, price=Decimal("12.50"), name="Renamed"
    )
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=hidden.pk, delta=2)
    await sync_to_async(catalog.product_update)(
        actor=staff, product_id=fading.pk, is_published=False
    )
    await sync_to_async(catalog.product_delete)(actor=staff, product_id=doomed.pk)
    for document in (REALTIME, PER_VIEWER):
        resumed = (
            document,
            "OnProductEvents" if document is REALTIME else None,
            {"productIds": products, "after": first},
        )
        pairs += [await pair(resumed, bus.product_group(shown.pk), role) for role in ROLES]
    await sync_to_async(catalog.stock_adjust)(actor=staff, product_id=shown.pk, delta=1)
    last = await sync_to_async(_latest_cursor)()

    # then each shared subscriber received exactly its unshared twin's frames
    received = await asyncio.gather(
        *(_frames_until(socket, last) for socket in itertools.chain.from_iterable(pairs))
    )
    for n in range(0, len(received), 2):
        assert received[n] == received[n + 1]
    shared = received[0::2]
    assert sorted(unshared_twins) == sorted(itertools.chain.from_iterable(shared))
    # and what they received covers every role's view: staff saw the hidden product's event
    counts = [len(frames) for frames in shared[:4]]
    assert counts[3] > counts[0] == counts[1] == counts[2]
