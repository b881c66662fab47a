"""Filter forms of the dashboards: parse the query string into typed, organisation-scoped filters.

Every id or key a form accepts is a choice built from the current organisation's own objects, so a
foreign id never reaches a selector: the view answers it with 404. Malformed values (a bad date, an
unknown period) are a 400 with a message per field.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.http import Http404, QueryDict
from django.utils.translation import gettext_lazy as _

from cxmonitor.errors import ApplicationError
from dashboards.analytics.vocabulary import SERIES_KPIS
from dashboards.pages.filters import DEFAULT_SORT, SORT_KEYS, AnalysisChoices, Filters
from dashboards.pages.formatting import kpi_label
from dashboards.pages.scope import OrgScope

PERIODS: list[tuple[str, Any]] = [
    ("yesterday", _("Yesterday")),
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("custom", _("Custom")),
]
DEFAULT_PERIOD = "30"
MAX_PERIOD_DAYS = 731

# Columns of the KPI table the server can sort by; "-" in front means descending.
SORT_CHOICES = [(k, k) for k in SORT_KEYS] + [(f"-{k}", f"-{k}") for k in SORT_KEYS]


def series_kpi_choices() -> list[tuple[str, str]]:
    """KPIs with a daily series, labelled in the active language (evaluated when listed)."""
    return [(kpi.value, kpi_label(kpi)) for kpi in SERIES_KPIS]


SCORE_CHOICES: list[tuple[str, Any]] = [
    ("", _("All scores")),
    ("detractor", _("Detractors (NPS 0–6)")),
    ("passive", _("Passives (NPS 7–8)")),
    ("promoter", _("Promoters (NPS 9–10)")),
]
# Query parameters whose bad value means "not yours" (404) rather than "malformed" (400).
SCOPED_FIELDS = frozenset(
    {"touchpoint", "phase", "department", "lag_a", "lag_b", "trend", "c_tp", "c_phase"}
)

ISO_DATE = ["%Y-%m-%d"]


def _date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class FilterForm(forms.Form):
    """Period, phase, channel, department and sort of the management and analysis pages."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    touchpoint = forms.ChoiceField(label=_("Touchpoint"), required=False)
    phase = forms.TypedChoiceField(label=_("Phase"), coerce=int, empty_value=None, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", _("All channels")), ("online", _("online")), ("offline", _("offline"))],
        required=False,
    )
    department = forms.TypedChoiceField(
        label=_("Department"), coerce=int, empty_value=None, required=False
    )
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, widget=forms.HiddenInput)

    def __init__(self, data: QueryDict, *, scope: OrgScope, language: str) -> None:
        super().__init__(data)
        # "from" is a keyword, so the two dates are added here rather than declared above.
        self.fields["from"] = forms.DateField(
            label=_("From"), required=False, input_formats=ISO_DATE, widget=_date_input()
        )
        self.fields["to"] = forms.DateField(
            label=_("To"), required=False, input_formats=ISO_DATE, widget=_date_input()
        )
        touchpoint_field = self.fields["touchpoint"]
        assert isinstance(touchpoint_field, forms.ChoiceField)
        touchpoint_field.choices = [("", _("All touchpoints"))] + [
            (t.public_key, t.name) for t in scope.touchpoints
        ]
        phase_field = self.fields["phase"]
        assert isinstance(phase_field, forms.TypedChoiceField)
        phase_field.choices = [("", _("All phases"))] + [
            (str(p.id), p.name_de if language == "de" else p.name_en) for p in scope.phases
        ]
        department_field = self.fields["department"]
        assert isinstance(department_field, forms.TypedChoiceField)
        department_field.choices = [("", _("All departments"))] + [
            (str(d.id), d.name) for d in scope.departments
        ]
        self.today = scope.today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        period = cleaned.get("period") or ""
        if not period and (start or end):
            period = "custom"
        if period == "custom":
            if not start or not end:
                missing = "from" if not start else "to"
                self.add_error(missing, _("A custom period needs both dates."))
            elif start > end:
                self.add_error("to", _("The end date lies before the start date."))
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error(
                    "to", _("A period may span at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}
                )
        cleaned["period"] = period or DEFAULT_PERIOD
        return cleaned

    def filters(self) -> Filters:
        """The parsed filters; raises Http404 for a foreign id and ApplicationError for the rest."""
        raise_for_errors(self)
        data = self.cleaned_data
        period = data["period"]
        if period == "custom":
            start, end = data["from"], data["to"]
        elif period == "yesterday":
            start = end = self.today - timedelta(days=1)
        else:
            end = self.today
            start = end - timedelta(days=int(period) - 1)
        return Filters(
            period=period,
            start=start,
            end=end,
            touchpoint_key=data.get("touchpoint") or None,
            phase_id=data.get("phase"),
            channel=data.get("channel") or None,
            department_id=data.get("department"),
            sort=data.get("sort") or DEFAULT_SORT,
        )


class AnalysisForm(forms.Form):
    """Selections on the analysis page; touchpoints are addressed by their public key."""

    lag_a = forms.ChoiceField(label=_("Leading touchpoint"), required=False)
    lag_a_kpi = forms.ChoiceField(label=_("KPI"), choices=series_kpi_choices, required=False)
    lag_b = forms.ChoiceField(label=_("Following touchpoint"), required=False)
    lag_b_kpi = forms.ChoiceField(label=_("KPI"), choices=series_kpi_choices, required=False)
    trend = forms.ChoiceField(label=_("Touchpoint"), required=False)
    trend_kpi = forms.ChoiceField(label=_("KPI"), choices=series_kpi_choices, required=False)
    corr_kpi = forms.ChoiceField(label=_("KPI"), choices=series_kpi_choices, required=False)
    c_tp = forms.ChoiceField(label=_("Touchpoint"), required=False)
    c_phase = forms.TypedChoiceField(label=_("Phase"), coerce=int, empty_value=None, required=False)
    c_score = forms.ChoiceField(label=_("Score"), choices=SCORE_CHOICES, required=False)
    c_page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def __init__(self, data: QueryDict, *, scope: OrgScope, language: str) -> None:
        super().__init__(data)
        touchpoints = [(t.public_key, t.name) for t in scope.touchpoints]
        for name in ("lag_a", "lag_b", "trend"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = touchpoints
        c_tp = self.fields["c_tp"]
        assert isinstance(c_tp, forms.ChoiceField)
        c_tp.choices = [("", _("All touchpoints")), *touchpoints]
        c_phase = self.fields["c_phase"]
        assert isinstance(c_phase, forms.TypedChoiceField)
        c_phase.choices = [("", _("All phases"))] + [
            (str(p.id), p.name_de if language == "de" else p.name_en) for p in scope.phases
        ]

    def choices(self) -> AnalysisChoices:
        """The parsed selections; raises Http404 for a foreign key and ApplicationError else."""
        raise_for_errors(self)
        data = self.cleaned_data
        return AnalysisChoices(
            lag_a=data.get("lag_a") or None,
            lag_a_kpi=data.get("lag_a_kpi") or None,
            lag_b=data.get("lag_b") or None,
            lag_b_kpi=data.get("lag_b_kpi") or None,
            trend=data.get("trend") or None,
            trend_kpi=data.get("trend_kpi") or None,
            corr_kpi=data.get("corr_kpi") or "satisfaction",
            comment_touchpoint=data.get("c_tp") or None,
            comment_phase=data.get("c_phase"),
            comment_score=data.get("c_score") or None,
            comment_page=data.get("c_page") or 1,
        )


def raise_for_errors(form: forms.Form) -> None:
    """404 when a scoped id is not one of the organisation's; 400 with messages otherwise."""
    if form.is_valid():
        return
    if SCOPED_FIELDS & set(form.errors):
        raise Http404("unknown id")
    fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    raise ApplicationError(str(_("Some filters are not valid.")), fields=fields)
