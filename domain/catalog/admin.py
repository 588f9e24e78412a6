"""Admin for the catalog. Category, product, image and review writes go through the same
services as the API, so events and rules cannot differ."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from domain.catalog import services
from domain.catalog.models import Category, Favorite, Product, ProductImage, Review
from domain.catalog.services.categories import category_holdings
from domain.common.read_version import catalog_write

PRODUCT_FIELDS = ("name", "slug", "description", "price", "currency", "stock", "is_published")


def _report(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, "; ".join(error.messages))


class CatalogChangeAdmin(admin.ModelAdmin):
    """Plain admin writes of catalog rows that have no service: each one that changes
    something anonymous readers can see moves the catalog's read version when it commits
    (cached anonymous answers are then unreachable); a save that changes nothing, or a
    change to what only staff see, keeps it."""

    def is_public(self, obj: Any) -> bool:
        """Whether anonymous readers see `obj`."""
        return True

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with catalog_write() as write:
            super().save_model(request, obj, form, change)
            if not change or form.has_changed():
                public = self.is_public(obj)
                write.changed(was_public=public, is_public=public)
            else:
                write.unchanged()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with catalog_write() as write:
            public = self.is_public(obj)
            super().delete_model(request, obj)
            write.changed(was_public=public, is_public=public)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with catalog_write() as write:
            public = any(self.is_public(obj) for obj in queryset)
            super().delete_queryset(request, queryset)
            write.changed(was_public=public, is_public=public)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Saves and deletes go through the category services (domain/catalog/services/
    categories.py): same rules, same read-version moves. The form's own validation
    (`Category.clean`, unique slug) already refuses what the services refuse, with the
    message on the field; deleting follows the services' rule (subcategories and live
    products keep a category; deleted products do not)."""

    list_display = ("name", "slug", "parent", "position", "created_at")
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {"name": "name", "slug": "slug", "parent": "parent_id", "position": "position"}
        values = {argument: data[field] for field, argument in fields.items()}
        values["parent_id"] = values["parent_id"] and values["parent_id"].pk
        if change:
            changes = {fields[f]: values[fields[f]] for f in form.changed_data if f in fields}
            category = services.category_update(actor=request.user, category_id=obj.pk, **changes)
        else:
            category = services.category_create(actor=request.user, **values)
        obj.pk = category.pk

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[str]]:
        """The services' rule instead of the foreign keys' PROTECT: deleted products that
        still point at a category are detached, not in the way."""
        categories = list(objs)
        protected = [
            f"{category}: holds {held}"
            for category in categories
            if (held := category_holdings(category))
        ]
        count = {str(Category._meta.verbose_name_plural): len(categories)}
        return [str(category) for category in categories], count, set(), protected

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        services.category_delete(actor=request.user, category_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        with transaction.atomic():
            for category_id in queryset.values_list("pk", flat=True):
                services.category_delete(actor=request.user, category_id=category_id)


class ProductImageInline(admin.TabularInline):
    """Read-only here: add images from the image admin (or the API), which validate them."""

    model = ProductImage
    extra = 0
    fields = ("image", "alt_text", "position")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "category",
        "price",
        "currency",
        "stock",
        "is_published",
        "rating_avg",
        "review_count",
        "deleted_at",
        "created_at",
    )
    list_filter = (
        "is_published",
        ("deleted_at", admin.EmptyFieldListFilter),
        ("category", admin.RelatedOnlyFieldListFilter),
        "currency",
    )
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("category",)
    fields = (
        "name",
        "slug",
        "description",
        "category",
        "price",
        "currency",
        "stock",
        "is_published",
        "rating_avg",
        "review_count",
        "deleted_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("rating_avg", "review_count", "deleted_at", "created_at", "updated_at")
    list_select_related = ("category",)
    inlines = (ProductImageInline,)
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        """Staff see soft-deleted products too (filter on 'deleted at')."""
        return Product.all_objects.all()

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {f: data[f] for f in form.changed_data if f in PRODUCT_FIELDS}
            if "category" in form.changed_data:
                changes["category_id"] = data["category"].pk
            product = services.product_update(actor=request.user, product_id=obj.pk, **changes)
        else:
            product = services.product_create(
                actor=request.user,
                category_id=data["category"].pk,
                **{f: data[f] for f in PRODUCT_FIELDS},
            )
        obj.pk = product.pk

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        services.product_delete(actor=request.user, product_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        for product in queryset.filter(deleted_at__isnull=True):
            services.product_delete(actor=request.user, product_id=product.pk)


@admin.register(ProductImage)
class ProductImageAdmin(CatalogChangeAdmin):
    list_display = ("product", "alt_text", "position", "image")
    search_fields = ("product__name", "alt_text")
    autocomplete_fields = ("product",)
    list_select_related = ("product",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("product", "image", "position") if obj else ("position",)

    def is_public(self, obj: ProductImage) -> bool:
        return obj.product.is_public

    def save_model(self, request: HttpRequest, obj: ProductImage, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # alt text only
            return
        try:
            image = services.product_image_add(
                actor=request.user,
                product_id=form.cleaned_data["product"].pk,
                upload=form.cleaned_data["image"],
                alt_text=form.cleaned_data["alt_text"],
            )
        except ValidationError as error:
            _report(request, error)
            raise
        obj.pk = image.pk


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Reviews come from customers; staff may only read and delete them."""

    list_display = ("title", "product", "author", "rating", "created_at")
    list_filter = ("rating",)
    search_fields = ("title", "body", "product__name", "author__email")
    list_select_related = ("product", "author")
    readonly_fields = ("product", "author", "rating", "title", "body", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Review) -> None:
        services.review_delete(actor=request.user, review_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for review_id in queryset.values_list("pk", flat=True):
            services.review_delete(actor=request.user, review_id=review_id)


@admin.register(Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ("user", "product", "created_at")
    search_fields = ("user__email", "product__name")
    list_select_related = ("user", "product")
    readonly_fields = ("user", "product", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
