"""Product full-text search.

PostgreSQL: the stored, weighted `search_vector` (see migration 0003) matched with
`websearch_to_tsquery` and ranked with `ts_rank`. A query of only stop words or
punctuation matches nothing, without an error. SQLite (the embedded default): a
case-insensitive contains on name, category name and description, ranked by where it hit.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When

from domain.catalog.models import Product

SEARCH_CONFIG = "english"
RANK_ANNOTATION = "search_rank"
MAX_SEARCH_LENGTH = 200


def product_search(queryset: QuerySet[Product], text: str) -> tuple[QuerySet[Product], Q]:
    """The queryset annotated with `search_rank`, and the condition that selects matches."""
    text = text.strip()[:MAX_SEARCH_LENGTH]
    if not text:
        return queryset.annotate(**{RANK_ANNOTATION: Value(0.0)}), Q()
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        ranked = queryset.annotate(**{RANK_ANNOTATION: SearchRank(F("search_vector"), query)})
        return ranked, Q(search_vector=query)
    name, category, description = (
        Q(name__icontains=text),
        Q(category__name__icontains=text),
        Q(description__icontains=text),
    )
    rank = Case(
        When(name, then=Value(1.0)),
        When(category, then=Value(0.4)),
        default=Value(0.1),
        output_field=FloatField(),
    )
    return queryset.annotate(**{RANK_ANNOTATION: rank}), name | category | description
