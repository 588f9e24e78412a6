"""Every write of the catalog. GraphQL mutations, the admin and Celery tasks call these."""

from domain.catalog.services.categories import (
    category_create,
    category_delete,
    category_update,
)
from domain.catalog.services.images import product_image_add
from domain.catalog.services.products import (
    product_create,
    product_delete,
    product_update,
    stock_adjust,
)
from domain.catalog.services.reviews import (
    favorite_toggle,
    review_create,
    review_delete,
    review_update,
)

__all__ = [
    "category_create",
    "category_delete",
    "category_update",
    "favorite_toggle",
    "product_create",
    "product_delete",
    "product_image_add",
    "product_update",
    "review_create",
    "review_delete",
    "review_update",
    "stock_adjust",
]
