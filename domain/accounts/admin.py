"""Admin for accounts. Sign-in, account edits, password changes and deletions go through the
same services as the API: the same attempt limits, and the same consequences (revoked
tokens, ended connections, recomputed ratings)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from domain.accounts import (
    api_key_admin,  # noqa: F401 (registers ApiKeyAdmin)
    services,
)
from domain.accounts.error_codes import AccountErrorCode
from domain.accounts.models import User


class StaffSignInForm(AdminAuthenticationForm):
    """/admin/login/ through the one authentication entry (`user_authenticate`), with the
    request's client address: failures count against the same per-email and per-address
    limits as tokenCreate and login, and past them the right password is refused too."""

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            client_ip = self.request.META.get("REMOTE_ADDR") if self.request else None
            try:
                self.user_cache = services.user_authenticate(
                    email=email, password=password, client_ip=client_ip
                )
            except ValidationError as error:
                if error.code == AccountErrorCode.RATE_LIMITED.value:
                    raise ValidationError(error.message, code="rate_limited") from None
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = StaffSignInForm


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class PasswordSetForm(AdminPasswordChangeForm):
    """The admin's "change password" form (the view has checked the change permission),
    saved by `user_password_set`."""

    def save(self, commit: bool = True) -> User:
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        return services.user_password_set(user=self.user, password=password)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreateForm
    form = UserEditForm
    change_password_form = PasswordSetForm
    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "is_superuser")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")},
        ),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        changes = {
            field: form.cleaned_data[field]
            for field in form.changed_data
            if field in services.USER_EDITABLE_FIELDS
        }
        services.user_update(actor=request.user, user=obj, **changes)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.user_delete(actor=request.user, user_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user_id in queryset.values_list("pk", flat=True):
            services.user_delete(actor=request.user, user_id=user_id)
