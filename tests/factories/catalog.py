"""The catalog: categories, products, their images and reviews, favorites."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.accounts.models import User
from domain.catalog.models import Category, Favorite, Product, ProductImage, Review
from domain.catalog.rating_stats import product_rating_stats_refresh
from tests.factories.accounts import make_user
from tests.factories.sequence import next_number


def make_category(
    *, name: str | None = None, parent: Category | None = None, **fields: Any
) -> Category:
    number = next_number()
    name = name or f"Category {number}"
    fields.setdefault("slug", f"category-{number}")
    return Category.objects.create(name=name, parent=parent, **fields)


def make_product(*, category: Category | None = None, **fields: Any) -> Product:
    number = next_number()
    fields.setdefault("name", f"Product {number}")
    fields.setdefault("slug", f"product-{number}")
    fields.setdefault("price", Decimal("10.00"))
    fields.setdefault("stock", 5)
    fields.setdefault("is_published", True)
    return Product.objects.create(category=category or make_category(), **fields)


def make_review(*, product: Product, author: User | None = None, **fields: Any) -> Review:
    """A review row as it is stored (no rating statistics refresh, no event)."""
    fields.setdefault("rating", 4)
    fields.setdefault("title", "Good")
    return Review.objects.create(product=product, author=author or make_user(), **fields)


def make_favorite(*, user: User, product: Product) -> Favorite:
    return Favorite.objects.create(user=user, product=product)


def make_product_image(*, product: Product, **fields: Any) -> ProductImage:
    """An image row; the file itself is not written (`image` is a storage path)."""
    number = next_number()
    fields.setdefault("image", f"products/{product.pk}/{number}.png")
    fields.setdefault("alt_text", f"view {number}")
    return ProductImage.objects.create(product=product, **fields)


def make_catalog(products: int, *, reviews_each: int = 4, images_each: int = 2) -> list[Product]:
    """`products` published products in one two-level category tree, with reviews and images,
    created in bulk (for tests of page sizes and query counts)."""
    root = make_category(name="Home")
    leaf = make_category(name="Lamps", parent=root)
    authors = [make_user() for _ in range(reviews_each)]
    created = Product.objects.bulk_create(
        Product(
            name=f"Lamp {n:03d}",
            slug=f"lamp-{n:03d}",
            price=Decimal(n % 50) + Decimal("0.99"),
            stock=n % 7,
            is_published=True,
            category=leaf,
            description="A lamp.",
        )
        for n in range(products)
    )
    Review.objects.bulk_create(
        Review(product=p, author=a, rating=1 + (i + p.pk) % 5, title=f"Review {i}")
        for p in created
        for i, a in enumerate(authors)
    )
    ProductImage.objects.bulk_create(
        ProductImage(product=p, image=f"products/{p.pk}/{i}.png", alt_text=f"view {i}", position=i)
        for p in created
        for i in range(images_each)
    )
    product_rating_stats_refresh(product_ids=[p.pk for p in created])
    return list(Product.objects.filter(pk__in=[p.pk for p in created]).order_by("pk"))
