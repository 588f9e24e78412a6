"""The floor of the heavy catalog read: one hand-written statement builds the whole answer
as JSON text (`json_build_object` / `json_agg`), and a bare ASGI app passes its bytes
through. No GraphQL, no Django: what is left is daphne, one round trip to PostgreSQL and
PostgreSQL's own JSON work, so no server of ours can answer this read faster on this
machine. The answer has our schema's shape and ids (checked against ours by
`bench.answers`).

    DATABASE_URL=postgresql://... daphne -b 127.0.0.1 -p 8106 bench.json_agg_floor:application

GET /healthz answers 200; any POST answers the heavy read (the body is read, not parsed).
"""

from __future__ import annotations

import os
from typing import Any

from psycopg_pool import AsyncConnectionPool


def _relay_id(type_name: str, column: str) -> str:
    return (
        f"translate(encode(convert_to('{type_name}:' || {column}, 'UTF8'), 'base64'), E'\\n', '')"
    )


HEAVY_READ = f"""
SELECT json_build_object('data', json_build_object('products', json_build_object('edges',
  coalesce(json_agg(json_build_object('node', json_build_object(
    'id', {_relay_id("Product", "p.id")}, 'name', p.name, 'slug', p.slug,
    'price', p.price::text, 'currency', p.currency, 'stock', p.stock,
    'ratingAvg', p.rating_avg::float8, 'reviewCount', p.review_count,
    'category', json_build_object(
      'id', {_relay_id("Category", "c.id")}, 'name', c.name, 'slug', c.slug),
    'images', (
      SELECT coalesce(json_agg(json_build_object(
               'url', %(media)s || i.image, 'altText', i.alt_text, 'position', i.position)
             ORDER BY i.position, i.id), '[]')
        FROM catalog_productimage i WHERE i.product_id = p.id),
    'reviews', json_build_object('edges', (
      SELECT coalesce(json_agg(json_build_object('node', json_build_object(
               'id', {_relay_id("Review", "r.id")}, 'rating', r.rating, 'title', r.title,
               'body', r.body, 'createdAt', r.created_at,
               'author', json_build_object(
                 'id', {_relay_id("User", "u.id")}, 'displayName', u.display_name)))
             ORDER BY r.created_at DESC, r.id DESC), '[]')
        FROM (SELECT * FROM catalog_review WHERE product_id = p.id
               ORDER BY created_at DESC, id DESC LIMIT 5) r
        JOIN accounts_user u ON u.id = r.author_id))
  )) ORDER BY p.created_at DESC, p.id DESC), '[]'))))::text
  FROM (SELECT * FROM catalog_product WHERE is_published AND deleted_at IS NULL
         ORDER BY created_at DESC, id DESC LIMIT 100) p
  JOIN catalog_category c ON c.id = p.category_id
"""

_pool: AsyncConnectionPool | None = None


async def _answer(host: str) -> bytes:
    global _pool
    if _pool is None:  # opened in the server's event loop, on the first request
        _pool = AsyncConnectionPool(os.environ["DATABASE_URL"], min_size=8, max_size=8, open=False)
        await _pool.open()
    async with _pool.connection() as connection:
        cursor = await connection.execute(HEAVY_READ, {"media": f"http://{host}/media/"})
        (text,) = await cursor.fetchone()
    return text.encode()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        return
    if scope["type"] != "http":
        return
    more = True
    while more:  # read the whole body, as a server must before answering
        message = await receive()
        more = message.get("more_body", False)
    if scope["path"] == "/healthz":
        status, body = 200, b"ok"
    else:
        headers = dict(scope["headers"])
        status, body = 200, await _answer(headers.get(b"host", b"127.0.0.1").decode())
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
