"""Admin for webhooks: endpoints (created, changed and deleted through the services, so the
URL rules and the staff check are the API's) and the read-only record of deliveries. The
secret is shown once, in the message after creation, never on a page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from domain.webhooks import resuming, services
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEventType


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple
    )
    skip_missed_events = forms.BooleanField(
        required=False,
        help_text="Start from the newest event, skipping whatever it has not received yet "
        "(logged). Needed to re-enable it once the event log no longer holds what it missed.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "events", "description", "is_active")

    def clean(self) -> dict[str, Any]:
        """The service's own checks, shown on the form's fields."""
        data = super().clean()
        given = {name: data.get(name) for name in ("url", "events", "description")}
        try:
            services.webhook_input_clean(**{k: v for k, v in given.items() if v is not None})
        except ValidationError as error:
            for name, errors in error.error_dict.items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, errors)
        endpoint = self.instance
        reenabling = endpoint.pk and not endpoint.is_active and data.get("is_active")
        if reenabling and not data.get("skip_missed_events"):
            refusal = resuming.reenable_refusal(endpoint, now=timezone.now())
            if refusal is not None:
                self.add_error("is_active", refusal.error_dict["is_active"])
        return data


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ("created_at", "event_id", "event_type", "attempt", "status_code", "succeeded")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ("-created_at", "-id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return super().get_queryset(request).order_by("-created_at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "is_active", "failed_attempts", "next_attempt_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    readonly_fields = (
        "created_by",
        "created_at",
        "disabled_at",
        "disabled_reason",
        "product_event_cursor",
        "order_event_cursor",
        "retry_event_id",
        "failed_attempts",
        "next_attempt_at",
        "undelivered_since",
    )
    inlines = (WebhookDeliveryInline,)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        editable = ("url", "events", "description")
        if not obj:
            return editable
        return (*editable, "is_active", "skip_missed_events", *self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Through the services (the form ran their checks already)."""
        data = form.cleaned_data
        fields = {name: data[name] for name in ("url", "events", "description")}
        if change:
            endpoint = services.webhook_update(
                actor=request.user,
                webhook_id=obj.pk,
                is_active=data["is_active"],
                skip_missed_events=bool(data.get("skip_missed_events")),
                **fields,
            )
        else:
            endpoint = services.webhook_create(actor=request.user, **fields)
            messages.warning(
                request,
                f"The secret of this webhook, shown this once: {endpoint.secret} "
                "(receivers verify signatures with it).",
            )
        obj.pk = endpoint.pk

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        services.webhook_delete(actor=request.user, webhook_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for webhook_id in queryset.values_list("pk", flat=True):
            services.webhook_delete(actor=request.user, webhook_id=webhook_id)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "endpoint",
        "event_id",
        "event_type",
        "attempt",
        "status_code",
        "succeeded",
        "duration_ms",
    )
    list_filter = ("succeeded", "event_type")
    search_fields = ("event_id", "endpoint__url")
    list_select_related = ("endpoint",)
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
