"""Trusted documents, listed read-only: they are added by `manage.py load_documents`, so
that what a client team registered is exactly what its manifest says."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from graphql_api.models import TrustedDocument


@admin.register(TrustedDocument)
class TrustedDocumentAdmin(admin.ModelAdmin):
    list_display = ("operation_name", "source", "origin", "sha256", "created_at")
    list_filter = ("source", "origin")
    search_fields = ("sha256", "operation_name", "text")
    readonly_fields = ("sha256", "text", "source", "origin", "operation_name", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
