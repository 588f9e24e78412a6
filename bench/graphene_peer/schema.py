"""The heavy catalog read, written the way graphene-django's docs recommend: DjangoObjectType,
DjangoConnectionField, and select_related / prefetch_related in the root resolver."""

import graphene
from django.db.models import Prefetch
from graphene import relay
from graphene_django import DjangoConnectionField, DjangoObjectType

from domain.accounts.models import User
from domain.catalog.models import Category, Product, ProductImage, Review


class UserNode(DjangoObjectType):
    class Meta:
        model = User
        fields = ("id", "display_name")


class CategoryNode(DjangoObjectType):
    class Meta:
        model = Category
        fields = ("id", "name", "slug")


class ProductImageNode(DjangoObjectType):
    url = graphene.String(required=True)

    class Meta:
        model = ProductImage
        fields = ("alt_text", "position")

    def resolve_url(self, info):
        return info.context.build_absolute_uri(self.image.url)


class ReviewNode(DjangoObjectType):
    class Meta:
        model = Review
        fields = ("id", "rating", "title", "body", "created_at", "author")


class ProductNode(DjangoObjectType):
    reviews = graphene.List(graphene.NonNull(ReviewNode), first=graphene.Int())
    images = graphene.List(graphene.NonNull(ProductImageNode))
    rating_avg = graphene.Float()

    class Meta:
        model = Product
        interfaces = (relay.Node,)
        fields = (
            "id",
            "name",
            "slug",
            "price",
            "currency",
            "stock",
            "rating_avg",
            "review_count",
            "category",
        )

    def resolve_reviews(self, info, first=5):
        return self.newest_reviews[:first]

    def resolve_images(self, info):
        return self.images.all()

    def resolve_rating_avg(self, info):
        return float(self.rating_avg)


class Query(graphene.ObjectType):
    products = DjangoConnectionField(ProductNode)

    def resolve_products(self, info, **kwargs):
        return (
            Product.objects.filter(is_published=True)
            .select_related("category")
            .prefetch_related(
                Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
                Prefetch(
                    "reviews",
                    queryset=Review.objects.select_related("author").order_by("-created_at", "-id"),
                    to_attr="newest_reviews",
                ),
            )
            .order_by("-created_at", "-id")
        )


schema = graphene.Schema(query=Query)
