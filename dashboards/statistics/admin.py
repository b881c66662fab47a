"""Admin for consultants: the daily statistics and derived importance, read-only."""

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from dashboards.statistics.models import DailyStat, TouchpointDay, TouchpointImportance

_M = TypeVar("_M", bound=Model)


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """Rows written by the aggregation only: viewable, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DailyStat)
class DailyStatAdmin(ReadOnlyAdmin[DailyStat]):
    list_display = (
        "day",
        "touchpoint",
        "item",
        "n",
        "mean_expectation",
        "mean_satisfaction",
        "mean_value",
        "computed_at",
    )
    list_filter = (
        ("touchpoint__phase__journey__organisation", admin.RelatedOnlyFieldListFilter),
        "item__kind",
        "day",
    )
    search_fields = ("touchpoint__name", "item__label_de", "item__label_en")
    date_hierarchy = "day"
    list_select_related = ("touchpoint", "item")
    ordering = ("-day", "touchpoint__name", "item__order")
    show_full_result_count = False

    @admin.display(description=_("mean expectation"))
    def mean_expectation(self, obj: DailyStat) -> str:
        return f"{obj.sum_e / obj.n:.2f}" if obj.n and obj.item.kind == "paired" else "–"

    @admin.display(description=_("mean satisfaction"))
    def mean_satisfaction(self, obj: DailyStat) -> str:
        return f"{obj.sum_s / obj.n:.2f}" if obj.n and obj.item.kind == "paired" else "–"

    @admin.display(description=_("mean value"))
    def mean_value(self, obj: DailyStat) -> str:
        return f"{obj.sum_v / obj.n:.2f}" if obj.n and obj.item.kind != "paired" else "–"


@admin.register(TouchpointDay)
class TouchpointDayAdmin(ReadOnlyAdmin[TouchpointDay]):
    list_display = ("day", "touchpoint", "responses", "comments", "linked", "computed_at")
    list_filter = (("touchpoint__phase__journey__organisation", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("touchpoint__name",)
    date_hierarchy = "day"
    list_select_related = ("touchpoint",)
    ordering = ("-day", "touchpoint__name")
    show_full_result_count = False


@admin.register(TouchpointImportance)
class TouchpointImportanceAdmin(ReadOnlyAdmin[TouchpointImportance]):
    list_display = (
        "touchpoint",
        "organisation",
        "method",
        "r",
        "beta",
        "performance",
        "n",
        "period_end",
        "computed_at",
    )
    list_filter = ("organisation", "method")
    list_select_related = ("touchpoint", "organisation")
    ordering = ("organisation__name", "touchpoint__name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TouchpointImportance]:
        return super().get_queryset(request).select_related("touchpoint", "organisation")
