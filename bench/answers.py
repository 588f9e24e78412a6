"""The heavy catalog read's answers, brought to one shape so that contenders with different
schemas can be checked to serve the same data, field by field.

Each contender names things its own way: our relay ids (`base64("Product:1")`), graphene's
(`base64("ProductNode:1")`, plain pks for types without `Node`), PostGraphile's node ids
(`base64('["Product","1"]')`); reviews as `edges { node }`, a plain list or `nodes`; prices
and ratings as strings or floats; absolute or relative image URLs. `catalog_rows` reads any
of them into the same tuples: primary keys, `Decimal` prices, float ratings, aware
datetimes, URL paths.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit


def primary_key(value: str | int) -> int:
    """The primary key inside any of the contenders' ids."""
    if isinstance(value, int) or value.isdigit():
        return int(value)
    decoded = base64.b64decode(value).decode()
    if decoded.startswith("["):
        return int(json.loads(decoded)[-1])
    return int(decoded.rsplit(":", 1)[1])


def _items(value: Any) -> list[Any]:
    """A list, whichever way a contender wraps it."""
    if isinstance(value, list):
        return value
    if "nodes" in value:
        return value["nodes"]
    return [edge["node"] for edge in value["edges"]]


def _review(review: dict[str, Any]) -> tuple[Any, ...]:
    author = review["author"]
    return (
        primary_key(review["id"]),
        review["rating"],
        review["title"],
        review["body"],
        datetime.fromisoformat(review["createdAt"]),
        primary_key(author["id"]),
        author["displayName"],
    )


def _product(node: dict[str, Any]) -> tuple[Any, ...]:
    category = node["category"]
    return (
        primary_key(node["id"]),
        node["name"],
        node["slug"],
        Decimal(node["price"]),
        node["currency"],
        node["stock"],
        float(node["ratingAvg"]),
        node["reviewCount"],
        (primary_key(category["id"]), category["name"], category["slug"]),
        tuple(
            (urlsplit(image["url"]).path, image["altText"], image["position"])
            for image in _items(node["images"])
        ),
        tuple(_review(review) for review in _items(node["reviews"])),
    )


def catalog_rows(response: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The products of a heavy-read answer from any contender, in the order served."""
    assert "errors" not in response, response["errors"]
    (products,) = response["data"].values()
    return [_product(node) for node in _items(products)]


def assert_same_catalog(answers: dict[str, dict[str, Any]], *, expected_products: int) -> None:
    """Every contender's answer holds the same products with the same fields, in order."""
    rows = {name: catalog_rows(answer) for name, answer in answers.items()}
    (first_name, first), *others = rows.items()
    assert len(first) == expected_products, f"{first_name}: {len(first)} products"
    assert sum(len(row[10]) for row in first) > 0, "no reviews in the answer: nothing compared"
    for name, other in others:
        for index, (mine, theirs) in enumerate(zip(first, other, strict=True)):
            assert mine == theirs, (
                f"{name} differs from {first_name} at product {index}:\n{mine}\n{theirs}"
            )
