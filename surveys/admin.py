"""Admin for consultants: survey versions with their items, and the raw responses (read-only)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, ForeignKey, Max, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from touchpoints.models import Touchpoint

from .models import Answer, Item, Response, Survey

ORGANISATION = "touchpoint__phase__journey__organisation"
LOCKED_SURVEY_FIELDS = ("touchpoint", "version", "scale_min", "scale_max")
HAS_RESPONSES = _(
    "This survey version already has responses, so its touchpoint, version, scale and questions "
    "are fixed. Use “Save as new” to create the next version."
)


def touchpoint_label(touchpoint: Touchpoint) -> str:
    """Touchpoint names repeat across clients, so a choice names the organisation too."""
    return f"{touchpoint.phase.journey.organisation} · {touchpoint.name}"


def touchpoint_choices() -> QuerySet[Touchpoint]:
    return Touchpoint.objects.select_related("phase__journey__organisation").order_by(
        "phase__journey__organisation__name", "phase__order", "name"
    )


class TouchpointChoiceField(forms.ModelChoiceField[Touchpoint]):
    def label_from_instance(self, obj: Touchpoint) -> str:
        return touchpoint_label(obj)


class OrganisationListFilter(admin.RelatedFieldListFilter):
    """Organisation filter reached through a path; titled like the model, not the last field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("organisation")


class TouchpointListFilter(admin.RelatedFieldListFilter):
    """Touchpoint filter whose choices name the organisation, loaded in one query."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("touchpoint")

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        return [(tp.pk, touchpoint_label(tp)) for tp in touchpoint_choices()]


@admin.display(description=_("touchpoint"), ordering="touchpoint__name")
def touchpoint_name(obj: Survey | Response) -> str:
    return obj.touchpoint.name


def _survey_has_responses(survey: Survey | None) -> bool:
    return bool(survey and survey.pk and survey.responses.exists())


class SurveyForm(forms.ModelForm[Survey]):
    class Meta:
        model = Survey
        fields = (
            "touchpoint",
            "version",
            "is_active",
            "title_de",
            "title_en",
            "intro_de",
            "intro_en",
            "scale_min",
            "scale_max",
        )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        # Answers keep the version they were given with: its frame must not shift under them.
        changed = set(self.changed_data) & set(LOCKED_SURVEY_FIELDS)
        if changed and _survey_has_responses(self.instance):
            raise ValidationError(HAS_RESPONSES, code="survey_has_responses")
        return cleaned


class ItemInlineFormSet(BaseInlineFormSet[Item, Survey, forms.ModelForm[Item]]):
    def clean(self) -> None:
        super().clean()
        if not _survey_has_responses(self.instance):
            return
        for form in self.forms:
            deleting = getattr(form, "cleaned_data", {}).get("DELETE", False)
            if not form.has_changed() or deleting:
                continue
            if form.instance.pk is None or "kind" in form.changed_data:
                raise ValidationError(HAS_RESPONSES, code="survey_has_responses")


class ItemInline(admin.TabularInline[Item, Survey]):
    model = Item
    formset = ItemInlineFormSet
    fields = ("order", "kind", "label_de", "label_en", "required")
    ordering = ("order", "id")

    def get_extra(self, request: HttpRequest, obj: Survey | None = None, **kwargs: Any) -> int:
        return 3 if obj is None else 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin[Survey]):
    form = SurveyForm
    list_display = (
        touchpoint_name,
        "organisation",
        "version",
        "title_de",
        "scale",
        "is_active",
        "item_count",
    )
    list_filter = (
        (ORGANISATION, OrganisationListFilter),
        ("touchpoint", TouchpointListFilter),
        "is_active",
    )
    search_fields = ("title_de", "title_en", "touchpoint__name", "=touchpoint__public_key")
    list_select_related = ("touchpoint__phase__journey__organisation",)
    inlines = (ItemInline,)
    save_as = True
    fieldsets = (
        (None, {"fields": ("touchpoint", "version", "is_active")}),
        (_("Texts"), {"fields": ("title_de", "title_en", "intro_de", "intro_en")}),
        (_("Scale of the paired items"), {"fields": ("scale_min", "scale_max")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related)
            .annotate(_items=Count("items"))
        )

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        if db_field.name == "touchpoint":
            kwargs.update(queryset=touchpoint_choices(), form_class=TouchpointChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        touchpoint_id = str(initial.get("touchpoint", ""))
        if touchpoint_id.isdigit():
            latest = Survey.objects.filter(touchpoint_id=int(touchpoint_id)).aggregate(
                latest=Max("version")
            )["latest"]
            initial["version"] = (latest or 0) + 1
        return initial

    @admin.display(description=_("organisation"), ordering=f"{ORGANISATION}__name")
    def organisation(self, obj: Survey) -> str:
        return str(obj.touchpoint.phase.journey.organisation)

    @admin.display(description=_("scale"))
    def scale(self, obj: Survey) -> str:
        return f"{obj.scale_min}–{obj.scale_max}"

    @admin.display(description=_("items"), ordering="_items")
    def item_count(self, obj: Survey) -> int:
        return getattr(obj, "_items", 0)


class AnswerInline(admin.TabularInline[Answer, Response]):
    model = Answer
    fields = ("item_label", "expectation", "satisfaction", "value", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return super().get_queryset(request).select_related("item").order_by("item__order")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("item"))
    def item_label(self, obj: Answer) -> str:
        return obj.item.label_in(get_language() or "de")


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin[Response]):
    """Raw responses as they arrived; nobody edits them, only superusers erase them."""

    list_display = (
        "submitted_at",
        touchpoint_name,
        "organisation",
        "survey_version",
        "channel",
        "language",
        "linked",
    )
    list_filter = (
        (ORGANISATION, OrganisationListFilter),
        ("touchpoint", TouchpointListFilter),
        "channel",
        "language",
    )
    date_hierarchy = "submitted_at"
    search_fields = ("=submission_id", "=customer_key")
    list_select_related = ("touchpoint__phase__journey__organisation", "survey")
    show_full_result_count = False
    inlines = (AnswerInline,)
    fields = (
        "touchpoint",
        "survey",
        "submitted_at",
        "channel",
        "language",
        "customer_key",
        "submission_id",
        "segment",
        "contact_consent",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Erasure requests are rare and final; they stay with superusers.
        return bool(request.user.is_active and request.user.is_superuser)

    @admin.display(description=_("organisation"), ordering=f"{ORGANISATION}__name")
    def organisation(self, obj: Response) -> str:
        return str(obj.touchpoint.phase.journey.organisation)

    @admin.display(description=_("survey version"), ordering="survey__version")
    def survey_version(self, obj: Response) -> int:
        return obj.survey.version

    @admin.display(description=_("linked to a customer"), boolean=True)
    def linked(self, obj: Response) -> bool:
        return bool(obj.customer_key)
