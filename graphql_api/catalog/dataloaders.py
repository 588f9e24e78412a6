"""Request-scoped DataLoaders, for what the optimizer cannot fetch: per-viewer fields and
aggregates. Each batch is one query in one thread hop."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any, Generic, TypeVar

from asgiref.sync import sync_to_async
from strawberry.dataloader import DataLoader

from domain.catalog import selectors as catalog_selectors
from domain.catalog.models import ProductImage

K = TypeVar("K")
V = TypeVar("V")


class ViewerLoader(DataLoader[K, V], Generic[K, V]):
    """A DataLoader whose batch is a sync `fetch(keys)` run in one thread hop."""

    def __init__(self, *, viewer: Any) -> None:
        self.viewer = viewer
        super().__init__(load_fn=self._load)

    async def _load(self, keys: Sequence[K]) -> list[V]:
        return await sync_to_async(self.fetch)(list(keys))

    def fetch(self, keys: list[K]) -> list[V]:
        raise NotImplementedError


class IsFavoriteByProductIdLoader(ViewerLoader[int, bool]):
    def fetch(self, keys: list[int]) -> list[bool]:
        favorites = catalog_selectors.product_ids_favorited(user=self.viewer, product_ids=keys)
        return [key in favorites for key in keys]


class ImagesByProductIdLoader(ViewerLoader[int, list[ProductImage]]):
    def fetch(self, keys: list[int]) -> list[list[ProductImage]]:
        images = catalog_selectors.product_images_by_product(product_ids=keys)
        return [images.get(key, []) for key in keys]


class PublishedProductCountByCategoryIdLoader(ViewerLoader[int, int]):
    def fetch(self, keys: list[int]) -> list[int]:
        counts = catalog_selectors.category_published_product_counts(category_ids=keys)
        return [counts[key] for key in keys]


class Loaders:
    """The DataLoaders of one request (one viewer), each created on first use."""

    def __init__(self, *, viewer: Any) -> None:
        self.viewer = viewer

    @cached_property
    def is_favorite_by_product_id(self) -> IsFavoriteByProductIdLoader:
        return IsFavoriteByProductIdLoader(viewer=self.viewer)

    @cached_property
    def images_by_product_id(self) -> ImagesByProductIdLoader:
        return ImagesByProductIdLoader(viewer=self.viewer)

    @cached_property
    def published_product_count_by_category_id(self) -> PublishedProductCountByCategoryIdLoader:
        return PublishedProductCountByCategoryIdLoader(viewer=self.viewer)
