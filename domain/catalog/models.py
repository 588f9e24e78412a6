"""Catalog: a category tree, products with images, reviews and favourites."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePath
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from domain.common.currencies import DEFAULT_CURRENCY, validate_currency_code
from domain.common.models import TimeStampedModel


class Category(TimeStampedModel):
    """A node of the category tree. The tree never has a cycle (model validation and, on
    PostgreSQL, a trigger)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveIntegerField(default=0, help_text="Order among siblings.")

    class Meta:
        verbose_name_plural = "categories"
        ordering = ("position", "name", "id")
        constraints: ClassVar = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="category_not_own_parent"),
        ]
        indexes: ClassVar = [models.Index(fields=["parent", "position"])]

    def __str__(self) -> str:
        return self.name

    def ancestor_ids(self) -> list[int]:
        """Ids from the parent up to the root; stops at a repeat so a bad tree cannot loop."""
        ids: list[int] = []
        parent_id = self.parent_id
        while parent_id is not None and parent_id not in ids:
            ids.append(parent_id)
            parent_id = (
                Category.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
            )
        return ids

    def clean(self) -> None:
        super().clean()
        if (
            self.pk is not None
            and self.parent_id is not None
            and (self.parent_id == self.pk or self.pk in self.ancestor_ids())
        ):
            raise ValidationError(
                {"parent": "A category cannot be its own ancestor."}, code="category_cycle"
            )


class ProductQuerySet(models.QuerySet["Product"]):
    def published(self) -> ProductQuerySet:
        return self.filter(is_published=True)


class AllProductManager(models.Manager["Product"]):
    """Every product, soft-deleted ones included. The search vector is never loaded
    unless asked for (it is large and maintained by the database)."""

    def get_queryset(self) -> ProductQuerySet:
        return ProductQuerySet(self.model, using=self._db).defer("search_vector")


class LiveProductManager(AllProductManager):
    """The default manager: soft-deleted products do not exist for it."""

    def get_queryset(self) -> ProductQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)

    def published(self) -> ProductQuerySet:
        return self.get_queryset().published()


class Product(TimeStampedModel):
    """Something we sell. Deleting is soft: order lines keep pointing at the row."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(
        max_length=3, default=DEFAULT_CURRENCY, validators=[validate_currency_code]
    )
    stock = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    is_published = models.BooleanField(default=False)
    # Null only for a deleted product whose category was deleted after it (a live product
    # always has one: `product_live_has_category`); see services/categories.py.
    category = models.ForeignKey(
        Category, null=True, on_delete=models.PROTECT, related_name="products"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_products",
    )
    rating_avg = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
        help_text="Mean review rating, kept by the review services.",
    )
    review_count = models.PositiveIntegerField(default=0, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    search_vector = SearchVectorField(
        null=True,
        editable=False,
        help_text="Weighted name (A), category name (B), description (C); kept by a "
        "PostgreSQL trigger on every write. Unused on SQLite.",
    )

    objects: ClassVar[LiveProductManager] = LiveProductManager()
    all_objects: ClassVar[AllProductManager] = AllProductManager()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_not_negative"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="product_currency_iso_4217"
            ),
            models.CheckConstraint(
                condition=Q(rating_avg__gte=0) & Q(rating_avg__lte=5),
                name="product_rating_avg_in_range",
            ),
            models.CheckConstraint(
                condition=Q(review_count__gte=0), name="product_review_count_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(category__isnull=False) | Q(deleted_at__isnull=False),
                name="product_live_has_category",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["is_published", "-created_at", "-id"], name="product_pub_created"),
            models.Index(fields=["category", "is_published"], name="product_category_pub"),
            models.Index(fields=["price", "id"], name="product_price"),
            models.Index(fields=["rating_avg", "id"], name="product_rating"),
            models.Index(fields=["review_count", "id"], name="product_review_count"),
            models.Index(fields=["name", "id"], name="product_name"),
            models.Index(fields=["stock"], name="product_stock"),
            models.Index(fields=["deleted_at"], name="product_deleted_at"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        """Whether anonymous readers see it: the rule `product_restrict_to_visible` (in
        selectors) applies as a filter, for one row in memory."""
        return bool(self.is_published and self.deleted_at is None)

    def mark_deleted(self, *, at: Any = None) -> None:
        self.deleted_at = at or timezone.now()


def product_image_upload_to(instance: ProductImage, filename: str) -> str:
    """A generated name, never the client's: `products/<product id>/<uuid>.<ext>`."""
    extension = PurePath(filename).suffix.lower().lstrip(".") or "bin"
    return f"products/{instance.product_id}/{uuid.uuid4().hex}.{extension}"


class ProductImage(TimeStampedModel):
    """A picture of a product; a product's images are shown by `position`."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_upload_to, max_length=255)
    alt_text = models.CharField(max_length=255, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        indexes: ClassVar = [models.Index(fields=["product", "position", "id"])]

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class Review(TimeStampedModel):
    """One review per author and product; ratings feed `Product.rating_avg`."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["product", "author"], name="review_one_per_author"),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["product", "-created_at", "-id"], name="review_product_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.title}"


class Favorite(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="favorited_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "product"], name="favorite_once_per_user"),
        ]
        indexes: ClassVar = [models.Index(fields=["user", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.product_id}"
