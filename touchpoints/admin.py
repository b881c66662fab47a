"""Admin for consultants: clients, departments, journeys with phases, touchpoints with links."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Count, ForeignKey, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from .links import embed_snippet, print_sheet_url, qr_svg, qr_svg_data_uri, survey_url
from .models import Department, Journey, Membership, Organisation, Phase, Touchpoint
from .services import phases_create_defaults
from .validators import validate_origins

admin.site.site_header = _("cxmonitor configuration")
admin.site.site_title = "cxmonitor"
admin.site.index_title = _("Clients, journeys and surveys")


def _not_yet() -> str:
    return gettext("Available after saving.")


def phase_label(phase: Phase) -> str:
    """Phases repeat across clients, so a choice names the organisation and journey too."""
    return (
        f"{phase.journey.organisation} · {phase.journey} · "
        f"{phase.order}. {phase.name_in(get_language() or 'de')}"
    )


def department_label(department: Department) -> str:
    """Departments repeat across clients, so a choice names the organisation too."""
    return f"{department.organisation} · {department.name}"


class PhaseChoiceField(forms.ModelChoiceField[Phase]):
    def label_from_instance(self, obj: Phase) -> str:
        return phase_label(obj)


class DepartmentChoiceField(forms.ModelChoiceField[Department]):
    def label_from_instance(self, obj: Department) -> str:
        return department_label(obj)


def phase_choices() -> QuerySet[Phase]:
    return Phase.objects.select_related("journey__organisation").order_by(
        "journey__organisation__name", "journey__name", "order"
    )


def department_choices() -> QuerySet[Department]:
    return Department.objects.select_related("organisation").order_by("organisation__name", "name")


class OrganisationListFilter(admin.RelatedFieldListFilter):
    """Organisation filter reached through a path; titled like the model, not the last field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("organisation")


class PhaseListFilter(admin.RelatedFieldListFilter):
    """Phase filter whose choices name organisation and journey, loaded in one query."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("phase")

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        return [(phase.pk, phase_label(phase)) for phase in phase_choices()]


class DepartmentListFilter(admin.RelatedFieldListFilter):
    """Department filter whose choices name the organisation, loaded in one query."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        return [(dept.pk, department_label(dept)) for dept in department_choices()]


class DepartmentInline(admin.TabularInline[Department, Organisation]):
    model = Department
    fields = ("name", "notification_email")
    extra = 0


class MembershipInline(admin.TabularInline[Membership, Organisation]):
    model = Membership
    autocomplete_fields = ("user",)
    extra = 0
    verbose_name = _("manager with access")
    verbose_name_plural = _("managers with access")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ("name", "slug", "time_zone", "default_language", "department_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (DepartmentInline, MembershipInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return super().get_queryset(request).annotate(_departments=Count("departments"))

    @admin.display(description=_("departments"), ordering="_departments")
    def department_count(self, obj: Organisation) -> int:
        return getattr(obj, "_departments", 0)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ("name", "organisation", "notification_email")
    list_filter = (("organisation", OrganisationListFilter),)
    search_fields = ("name", "notification_email", "organisation__name")
    list_select_related = ("organisation",)


class PhaseInline(admin.TabularInline[Phase, Journey]):
    model = Phase
    fields = ("order", "name_de", "name_en")
    ordering = ("order",)
    extra = 0


@admin.register(Journey)
class JourneyAdmin(admin.ModelAdmin[Journey]):
    list_display = ("name", "organisation", "phase_count")
    list_filter = (("organisation", OrganisationListFilter),)
    search_fields = ("name", "organisation__name")
    list_select_related = ("organisation",)
    inlines = (PhaseInline,)
    fieldsets = (
        (
            None,
            {
                "fields": ("organisation", "name"),
                "description": _(
                    "A new journey saved without phases gets the five default phases "
                    "(Awareness, Consideration, Purchase, Retention, Advocacy)."
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Journey]:
        return super().get_queryset(request).annotate(_phases=Count("phases"))

    @admin.display(description=_("phases"), ordering="_phases")
    def phase_count(self, obj: Journey) -> int:
        return getattr(obj, "_phases", 0)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Journey], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        if not change:
            phases_create_defaults(journey=form.instance)


class TouchpointForm(forms.ModelForm[Touchpoint]):
    class Meta:
        model = Touchpoint
        fields = (
            "name",
            "description",
            "phase",
            "department",
            "channel",
            "is_active",
            "allowed_origins",
        )

    def clean_allowed_origins(self) -> str:
        # Checked here as well as in Touchpoint.clean so the message sits at the field.
        value: str = self.cleaned_data["allowed_origins"]
        validate_origins(value)
        return value


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin[Touchpoint]):
    form = TouchpointForm
    list_display = ("name", "organisation", "phase_display", "channel", "department", "is_active")
    list_filter = (
        ("phase__journey__organisation", OrganisationListFilter),
        ("phase", PhaseListFilter),
        "channel",
        ("department", DepartmentListFilter),
        "is_active",
    )
    search_fields = (
        "name",
        "description",
        "=public_key",
        "department__name",
        "phase__journey__organisation__name",
    )
    list_select_related = ("phase__journey__organisation", "department")
    readonly_fields = ("public_key", "survey_links", "embed_code", "qr_code", "surveys_link")
    fieldsets = (
        (None, {"fields": ("name", "description", "phase", "department", "channel", "is_active")}),
        (_("Embedding"), {"fields": ("allowed_origins",)}),
        (
            _("Survey links, embed snippet and QR code"),
            {"fields": ("public_key", "survey_links", "embed_code", "qr_code")},
        ),
        (_("Surveys"), {"fields": ("surveys_link",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Touchpoint]:
        return super().get_queryset(request).select_related(*self.list_select_related)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        if db_field.name == "phase":
            kwargs.update(queryset=phase_choices(), form_class=PhaseChoiceField)
        elif db_field.name == "department":
            kwargs.update(queryset=department_choices(), form_class=DepartmentChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("organisation"), ordering="phase__journey__organisation__name")
    def organisation(self, obj: Touchpoint) -> str:
        return str(obj.phase.journey.organisation)

    @admin.display(description=_("phase"), ordering="phase__order")
    def phase_display(self, obj: Touchpoint) -> str:
        return f"{obj.phase.order}. {obj.phase.name_in(get_language() or 'de')}"

    @admin.display(description=_("survey links"))
    def survey_links(self, obj: Touchpoint) -> SafeString | str:
        if not obj.pk:
            return _not_yet()
        links = [
            (_("Survey page"), survey_url(touchpoint=obj)),
            (_("Link for e-mails and messages"), survey_url(touchpoint=obj, channel="link")),
            (_("QR code"), survey_url(touchpoint=obj, channel="qr")),
            (
                _("Kiosk (tablet at the counter)"),
                survey_url(touchpoint=obj, channel="kiosk", mode="kiosk"),
            ),
            (_("Survey page in English"), survey_url(touchpoint=obj, lang="en")),
        ]
        rows = format_html_join(
            "",
            '<li>{}: <a href="{}" target="_blank" rel="noopener">{}</a></li>',
            ((label, url, url) for label, url in links),
        )
        return format_html('<ul class="survey-links">{}</ul>', rows)

    @admin.display(description=_("embed snippet"))
    def embed_code(self, obj: Touchpoint) -> SafeString | str:
        if not obj.pk:
            return _not_yet()
        return format_html(
            '<p>{}</p><textarea readonly rows="2" cols="100" class="vLargeTextField" '
            'aria-label="{}">{}</textarea>'
            '<p>{}</p><textarea readonly rows="2" cols="100" class="vLargeTextField" '
            'aria-label="{}">{}</textarea>',
            _("Inline, where the tag stands:"),
            _("embed snippet (inline)"),
            embed_snippet(touchpoint=obj),
            _("As a floating feedback button:"),
            _("embed snippet (button)"),
            embed_snippet(touchpoint=obj, mode="button"),
        )

    @admin.display(description=_("QR code"))
    def qr_code(self, obj: Touchpoint) -> SafeString | str:
        if not obj.pk:
            return _not_yet()
        url = survey_url(touchpoint=obj, channel="qr")
        return format_html(
            '<figure class="qr">{}<figcaption><a href="{}">{}</a><br>'
            '<a href="{}" download="qr-{}.svg">{}</a> · '
            '<a href="{}" target="_blank" rel="noopener">{}</a> · '
            '<a href="{}" target="_blank" rel="noopener">{}</a></figcaption></figure>',
            # segno writes the SVG itself; the URL inside it is escaped by segno.
            mark_safe(qr_svg(data=url)),
            url,
            url,
            qr_svg_data_uri(data=url),
            obj.public_key,
            _("Download SVG for print"),
            print_sheet_url(touchpoint=obj, size="a4"),
            _("Printable sheet A4"),
            print_sheet_url(touchpoint=obj, size="a6"),
            _("Printable sheet A6"),
        )

    @admin.display(description=_("surveys"))
    def surveys_link(self, obj: Touchpoint) -> SafeString | str:
        if not obj.pk:
            return _not_yet()
        # By URL name only: the survey admin lives in the surveys app.
        changelist = reverse("admin:surveys_survey_changelist")
        add = reverse("admin:surveys_survey_add")
        return format_html(
            '<a href="{}?touchpoint__id__exact={}">{}</a> · <a href="{}?touchpoint={}">{}</a>',
            changelist,
            obj.pk,
            _("Survey versions of this touchpoint"),
            add,
            obj.pk,
            _("Add a survey"),
        )


class ConsultantUserAdmin(UserAdmin[User]):
    """Consultants manage logins but cannot grant superuser status or raw permissions."""

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        restricted = []
        for name, options in fieldsets:
            hidden = ("is_superuser", "user_permissions")
            fields = tuple(f for f in options.get("fields", ()) if f not in hidden)
            restricted.append((name, {**options, "fields": fields}))
        return restricted

    def get_queryset(self, request: HttpRequest) -> Any:
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.filter(is_superuser=False)


admin.site.unregister(User)
admin.site.register(User, ConsultantUserAdmin)
