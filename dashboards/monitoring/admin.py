"""Admin for consultants: alert rules, webhooks, alerts with their deliveries, follow-ups."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

import touchpoints.admin  # noqa: F401  (registers the organisation admin extended below)
from dashboards.monitoring.models import (
    Alert,
    AlertComment,
    AlertDelivery,
    AlertRule,
    DigestSubscription,
    FollowUp,
    WebhookEndpoint,
)


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin[AlertRule]):
    list_display = (
        "name",
        "organisation",
        "kpi",
        "condition",
        "scope",
        "min_n",
        "cooldown_days",
        "webhook",
        "is_active",
    )
    list_filter = ("organisation", "kpi", "condition", "is_active")
    search_fields = ("name", "organisation__name")
    list_select_related = ("organisation", "phase", "touchpoint", "webhook")
    autocomplete_fields = ("touchpoint",)
    fieldsets = (
        (None, {"fields": ("organisation", "name", "is_active")}),
        (_("Scope"), {"fields": ("phase", "touchpoint")}),
        (
            _("Condition"),
            {
                "fields": (
                    "kpi",
                    "condition",
                    "threshold",
                    "alpha",
                    "min_change",
                    "width",
                    "period_days",
                    "baseline_days",
                    "min_n",
                )
            },
        ),
        (_("Delivery"), {"fields": ("cooldown_days", "webhook")}),
    )

    @admin.display(description=_("scope"))
    def scope(self, obj: AlertRule) -> str:
        if obj.touchpoint_id:
            return str(obj.touchpoint)
        if obj.phase_id:
            return str(obj.phase)
        return str(_("all touchpoints"))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "phase":
            kwargs["queryset"] = db_field.related_model.objects.select_related(
                "journey__organisation"
            )
        if db_field.name == "webhook":
            kwargs["queryset"] = WebhookEndpoint.objects.select_related("organisation")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ("name", "organisation", "url", "is_active")
    list_filter = ("organisation", "is_active")
    search_fields = ("name", "url")
    list_select_related = ("organisation",)


class AlertDeliveryInline(admin.TabularInline[AlertDelivery, Alert]):
    model = AlertDelivery
    fields = ("created_at", "channel", "target", "attempt", "status", "response_code", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AlertCommentInline(admin.TabularInline[AlertComment, Alert]):
    model = AlertComment
    fields = ("created_at", "author", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin[Alert]):
    """Alerts are written by the evaluation and handled on the alerts page; here read-only."""

    list_display = ("day", "touchpoint", "kpi", "direction", "value", "status", "organisation")
    list_filter = ("organisation", "status", "kpi", "direction")
    search_fields = ("touchpoint__name",)
    date_hierarchy = "day"
    list_select_related = ("touchpoint", "organisation")
    inlines = (AlertCommentInline, AlertDeliveryInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Alert._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin[FollowUp]):
    list_display = ("due_date", "touchpoint", "department", "status", "nps", "worst_gap")
    list_filter = ("organisation", "status", "department")
    list_select_related = ("touchpoint", "department")
    raw_id_fields = ("response",)
    readonly_fields = (
        "response",
        "organisation",
        "touchpoint",
        "department",
        "nps",
        "worst_gap",
        "created_at",
        "contacted_by",
        "contacted_at",
        "resolved_by",
        "resolved_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin[DigestSubscription]):
    list_display = ("user", "is_active", "last_week_end")
    list_filter = ("is_active",)
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
