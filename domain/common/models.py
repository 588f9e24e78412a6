"""Abstract models shared by every domain app."""

from django.db import models


class TimeStampedModel(models.Model):
    """Adds `created_at` (indexed, for ordering) and `updated_at`, both set by Django."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
