"""Trusted GraphQL documents, by the SHA-256 of their text (see graphql_api/persisted/).

A row is a document a client team registered (`manage.py load_documents FILE`) or one of
the contract's (`manage.py load_documents` with no file lists them here too; they are
trusted whether listed or not). Automatic persisted queries are never stored here: their
registrations live in the cache, which bounds them (graphql_api/persisted/store.py)."""

from __future__ import annotations

from django.db import models


class TrustedDocument(models.Model):
    class Source(models.TextChoices):
        CONTRACT = "contract", "contract/operations"
        MANIFEST = "manifest", "client manifest"

    sha256 = models.CharField(max_length=64, primary_key=True)
    text = models.TextField()
    source = models.CharField(max_length=16, choices=Source.choices)
    # The contract file or the manifest's file name, and the operation's name if known.
    origin = models.CharField(max_length=200, blank=True, default="")
    operation_name = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("source", "origin", "operation_name")

    def __str__(self) -> str:
        return f"{self.operation_name or '(anonymous)'} {self.sha256[:12]}"
