"""Admin for API keys, through the same services as the API: created with `api_key_create`
(the secret is shown once, in a message, and stored nowhere), revoked with
`api_key_revoke` (an action). Keys are records: never edited, never deleted (revoke one
instead); the hash of the secret is not shown either."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from domain.accounts.api_keys import MAX_NAME, api_key_create, api_key_revoke
from domain.accounts.models import ApiKey
from domain.common.admin_actions import run_on_each
from domain.common.permissions import StaffScope

SCOPE_CHOICES = [(scope.value, scope.value) for scope in StaffScope]


class ApiKeyCreateForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = ApiKey
        fields = ("name",)

    name = forms.CharField(max_length=MAX_NAME)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "name",
        "created_by",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("prefix", "name", "created_by__email")
    list_select_related = ("created_by",)
    readonly_fields = (
        "prefix",
        "name",
        "created_by",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke_keys",)

    @admin.display(description="scopes")
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(key.scopes)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = ApiKeyCreateForm
            kwargs["fields"] = ("name", "scopes")
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("name", "scopes") if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:  # never: keys are not edited (no change permission)
            raise PermissionDenied
        key, secret = api_key_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
        )
        for field in ApiKey._meta.concrete_fields:  # the admin's redirect and message use obj
            setattr(obj, field.attname, getattr(key, field.attname))
        obj._state.adding = False
        messages.warning(
            request,
            f"The secret of “{key.name}” is {secret} — copy it now: it is not shown again "
            "and cannot be recovered (revoke the key and make another if it is lost).",
        )

    @admin.action(description="Revoke the selected API keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        run_on_each(
            request,
            queryset,
            lambda actor, key: api_key_revoke(actor=actor, key_id=key.pk),
            label=lambda key: key.prefix,
            done="{} API key(s) revoked.",
        )
