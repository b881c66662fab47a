"""Admin pages for survey versions: draft the next version, publish it, translate its texts.

A consultant's path to a new version: touchpoint (or survey) page → "Edit the next version"
(a draft copied from the active version opens) → change texts and questions, save →
"Publish this version" → confirm. Customers never meet a gap; see surveys.authoring.
"""

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxmonitor.errors import ApplicationError
from touchpoints.models import Touchpoint

from .authoring import (
    survey_draft_get_or_create,
    survey_publish,
    survey_publish_problems,
    survey_texts_save,
)
from .models import Item, Survey
from .texts import language_name, missing_translations, text_direction, text_rows

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin


def survey_status(survey: Survey) -> Any:
    if survey.is_draft:
        return gettext_lazy("draft")
    if survey.is_active:
        return gettext_lazy("active")
    return gettext_lazy("replaced") if survey.retired_at else gettext_lazy("inactive")


def _languages(survey: Survey) -> tuple[list[str], str]:
    organisation = survey.touchpoint.phase.journey.organisation
    return organisation.survey_languages, organisation.default_language


def survey_status_html(survey: Survey) -> SafeString | str:
    """Status, who published when, and the buttons of the version workflow."""
    if not survey.pk:
        return _("A new survey is saved as a draft; publish it from here afterwards.")
    parts = [format_html("<strong>{}</strong>", survey_status(survey))]
    if survey.published_at:
        who = survey.published_by.get_username() if survey.published_by else "–"
        parts.append(
            format_html(
                " · {} {:%Y-%m-%d %H:%M} UTC · {} {}",
                _("published"),
                survey.published_at,
                _("by"),
                who,
            )
        )
    if survey.is_draft:
        url = reverse("admin:surveys_survey_publish", args=[survey.pk])
        parts.append(
            format_html(' <a class="button" href="{}">{}</a>', url, _("Publish this version"))
        )
    else:
        url = reverse("admin:surveys_survey_draft", args=[survey.touchpoint_id])
        parts.append(
            format_html(' <a class="button" href="{}">{}</a>', url, _("Edit the next version"))
        )
    return format_html("{}", SafeString("".join(str(p) for p in parts)))


def survey_translations_html(survey: Survey) -> SafeString | str:
    """Links to the side-by-side translation per language, with what is still missing."""
    if not survey.pk:
        return _("Available after saving.")
    languages, default = _languages(survey)
    missing = missing_translations(survey, languages=languages, default_language=default)
    rows = []
    for language in languages:
        url = reverse("admin:surveys_survey_texts", args=[survey.pk]) + f"?lang={language}"
        names = missing.get(language, [])
        note = (
            _("%(count)d missing: %(names)s") % {"count": len(names), "names": ", ".join(names)}
            if names
            else (_("texts of the default language") if language == default else _("complete"))
        )
        rows.append((url, language_name(language), language, note))
    items = format_html_join("", '<li><a href="{}">{} ({})</a> – {}</li>', rows)
    return format_html('<ul class="translations">{}</ul>', items)


def api_example_html(touchpoint: Touchpoint) -> SafeString | str:
    """The active version's item keys and an example request that uses them."""
    survey = Survey.objects.filter(touchpoint=touchpoint, is_active=True).first()
    if survey is None:
        return _("No active survey yet.")
    items = list(survey.items.all())
    keys = format_html_join(
        "",
        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
        ((i.key, i.get_kind_display(), i.label_de, i.pk) for i in items),
    )
    answers: list[dict[str, Any]] = []
    for item in items:
        if item.kind == Item.Kind.PAIRED:
            answers.append({"item": item.key, "expectation": 6, "satisfaction": 5})
        elif item.kind == Item.Kind.NPS:
            answers.append({"item": item.key, "value": 9})
        elif item.kind in (Item.Kind.OVERALL, Item.Kind.EFFORT):
            answers.append({"item": item.key, "value": survey.scale_max - 1})
        elif item.kind == Item.Kind.COMMENT:
            answers.append({"item": item.key, "text": "…"})
    body = {
        "touchpoint": touchpoint.public_key,
        "submission_id": "crm-2024-000123",
        "language": touchpoint.phase.journey.organisation.default_language,
        "answers": answers,
    }
    example = (
        "curl -sS -X POST SITE/api/v1/responses/ -H 'Content-Type: application/json' -d '"
        + json.dumps(body, ensure_ascii=False, indent=2)
        + "'"
    )
    return format_html(
        "<p>{}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
        '<tbody>{}</tbody></table><p>{}</p><textarea readonly rows="14" cols="100" '
        'class="vLargeTextField" aria-label="{}">{}</textarea>',
        _("Version %(v)d. Post answers by key; keys stay the same in later versions.")
        % {"v": survey.version},
        _("key"),
        _("kind"),
        _("question"),
        _("id (this version only)"),
        keys,
        _("Example request:"),
        _("example request"),
        example,
    )


def version_history_html(touchpoint: Touchpoint) -> SafeString | str:
    """Every version of a touchpoint's survey with who published it when, and the next step."""
    versions = (
        Survey.objects.filter(touchpoint=touchpoint)
        .select_related("published_by")
        .annotate(answers=Count("responses"))
        .order_by("-version")
    )
    rows = format_html_join(
        "",
        '<tr><td><a href="{}">v{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
        (
            (
                reverse("admin:surveys_survey_change", args=[s.pk]),
                s.version,
                survey_status(s),
                f"{s.published_at:%Y-%m-%d %H:%M} UTC" if s.published_at else "–",
                s.published_by.get_username() if s.published_by else "–",
                s.answers,
            )
            for s in versions
        ),
    )
    draft_url = reverse("admin:surveys_survey_draft", args=[touchpoint.pk])
    return format_html(
        '<p><a class="button" href="{}">{}</a></p><table><thead><tr><th>{}</th><th>{}</th>'
        "<th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
        draft_url,
        _("Edit the next version"),
        _("version"),
        _("status"),
        _("published"),
        _("by"),
        _("responses"),
        rows,
    )


def survey_version_urls(model_admin: "ModelAdmin[Survey]") -> list[URLPattern]:
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "<int:survey_id>/publish/",
            wrap(_publish_view(model_admin)),
            name="surveys_survey_publish",
        ),
        path(
            "draft/<int:touchpoint_id>/",
            wrap(_draft_view(model_admin)),
            name="surveys_survey_draft",
        ),
        path("<int:survey_id>/texts/", wrap(_texts_view(model_admin)), name="surveys_survey_texts"),
    ]


def _require_change(model_admin: "ModelAdmin[Survey]", request: HttpRequest) -> None:
    if not model_admin.has_change_permission(request):
        raise PermissionDenied


def _draft_view(model_admin: "ModelAdmin[Survey]") -> Any:
    def view(request: HttpRequest, touchpoint_id: int) -> HttpResponse:
        _require_change(model_admin, request)
        get_object_or_404(Touchpoint, pk=touchpoint_id)
        draft, created = survey_draft_get_or_create(touchpoint_id=touchpoint_id)
        if created:
            messages.success(
                request,
                _("Draft of version %(v)d created as a copy. Change it, save, then publish.")
                % {"v": draft.version},
            )
        return HttpResponseRedirect(reverse("admin:surveys_survey_change", args=[draft.pk]))

    return view


def _publish_view(model_admin: "ModelAdmin[Survey]") -> Any:
    def view(request: HttpRequest, survey_id: int) -> HttpResponse:
        _require_change(model_admin, request)
        survey = get_object_or_404(Survey.objects.select_related("touchpoint"), pk=survey_id)
        if request.method == "POST":
            try:
                survey_publish(survey_id=survey.pk, user=request.user)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "Version %(v)d is live. Forms opened on the previous version are "
                        "still accepted."
                    )
                    % {"v": survey.version},
                )
            return HttpResponseRedirect(reverse("admin:surveys_survey_change", args=[survey.pk]))
        active = Survey.objects.filter(touchpoint_id=survey.touchpoint_id, is_active=True).first()
        old_keys = set(active.items.values_list("key", flat=True)) if active else set()
        new_keys = set(survey.items.values_list("key", flat=True))
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("Publish version %(v)d of %(tp)s")
            % {"v": survey.version, "tp": survey.touchpoint},
            "survey": survey,
            "active": active,
            "problems": survey_publish_problems(survey=survey),
            "kept": sorted(old_keys & new_keys),
            "added": sorted(new_keys - old_keys),
            "removed": sorted(old_keys - new_keys),
            "opts": Survey._meta,
        }
        return TemplateResponse(request, "admin/surveys/survey/publish.html", context)

    return view


class TextsForm(forms.Form):
    def __init__(self, *args: Any, rows: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in rows:
            widget = forms.Textarea(attrs={"rows": 3}) if row.multiline else forms.TextInput()
            self.fields[row.field] = forms.CharField(
                required=False, initial=row.value, max_length=2000, widget=widget
            )


def _texts_view(model_admin: "ModelAdmin[Survey]") -> Any:
    def view(request: HttpRequest, survey_id: int) -> HttpResponse:
        _require_change(model_admin, request)
        survey = get_object_or_404(
            Survey.objects.select_related("touchpoint__phase__journey__organisation"), pk=survey_id
        )
        languages, default = _languages(survey)
        language = request.GET.get("lang", default)
        if language not in languages:
            raise Http404("not a language of this organisation")
        rows = text_rows(
            survey,
            language=language,
            default_language=default,
            items=list(survey.items.all()) if language != default else [],
            reasons=list(survey.reasons.all()) if language != default else [],
        )
        form = TextsForm(request.POST or None, rows=rows)
        if request.method == "POST" and form.is_valid():
            survey_texts_save(
                survey=survey, language=language, values=form.cleaned_data, default_language=default
            )
            messages.success(request, _("Texts saved."))
            return HttpResponseRedirect(request.get_full_path())
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("Texts of %(survey)s in %(language)s")
            % {"survey": survey, "language": language_name(language)},
            "survey": survey,
            "language": language,
            "default_language": default,
            "direction": text_direction(language),
            "rows": [(row, form[row.field]) for row in rows],
            "form": form,
            "languages": [(code, language_name(code)) for code in languages],
            "opts": Survey._meta,
        }
        return TemplateResponse(request, "admin/surveys/survey/texts.html", context)

    return view


def touchpoint_admin_extend() -> None:
    """Add the version history and the API keys to the touchpoint's admin page.

    The touchpoints app cannot know surveys (dependencies run touchpoints ← surveys), so the
    surveys app extends the registered touchpoint admin.
    """
    base = type(admin.site._registry[Touchpoint])

    class TouchpointWithSurveysAdmin(base):  # type: ignore[valid-type,misc]
        readonly_fields = (*base.readonly_fields, "survey_versions", "api_keys")
        fieldsets = (
            *(base.fieldsets or ()),
            (gettext_lazy("Survey versions"), {"fields": ("survey_versions",)}),
            (
                gettext_lazy("API: item keys and an example request"),
                {"fields": ("api_keys",)},
            ),
        )

        @admin.display(description=gettext_lazy("versions"))
        def survey_versions(self, obj: Touchpoint) -> SafeString | str:
            return version_history_html(obj) if obj.pk else _("Available after saving.")

        @admin.display(description=gettext_lazy("item keys"))
        def api_keys(self, obj: Touchpoint) -> SafeString | str:
            return api_example_html(obj) if obj.pk else _("Available after saving.")

    admin.site.unregister(Touchpoint)
    admin.site.register(Touchpoint, TouchpointWithSurveysAdmin)
