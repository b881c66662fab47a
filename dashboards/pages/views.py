"""Dashboard pages: parse the filters, call the page selectors, render (whole or one partial)."""

from collections.abc import Callable
from dataclasses import astuple, dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from cxmonitor.errors import ApplicationError
from cxmonitor.http import HtmxHttpRequest
from dashboards.monitoring.selectors.alerts import open_alerts_for
from dashboards.pages import exports
from dashboards.pages.assets import plotly_asset, plotly_version
from dashboards.pages.builders.analysis_page import analysis_page
from dashboards.pages.builders.dashboard import dashboard_page, freshness, tiles_sorted
from dashboards.pages.charts import analysis_charts
from dashboards.pages.filters import Filters
from dashboards.pages.forms import AnalysisForm, FilterForm
from dashboards.pages.page_cache import page_cache_key, page_cached
from dashboards.pages.scope import OrgScope, organisation_choose, organisation_scope

DASHBOARD = "dashboards/dashboard.html"
ANALYSIS = "dashboards/analysis.html"
# htmx targets that are answered with only their partial (target id -> partial name).
DASHBOARD_PARTIALS = {"results": "results", "kpi-table": "kpi_table"}
ANALYSIS_PARTIALS = {
    "results": "results",
    "lag-explorer": "lag_explorer",
    "trend": "trend",
    "comments": "comments",
    "correlations": "correlations",
    "segments-body": "segments",
}
ALERTS_SHOWN = 5
TABLE_COLUMNS = (
    ("phase", _("Phase")),
    ("name", _("Touchpoint")),
    ("n", _("Responses")),
    ("expectation", _("Expectation")),
    ("satisfaction", _("Satisfaction")),
    ("gap", _("Gap")),
    ("nps", _("NPS")),
    ("change", _("Change")),
)


class NoOrganisationError(Exception):
    """The user belongs to no organisation yet."""


def _language() -> str:
    return "de" if (get_language() or "de").startswith("de") else "en"


def _scope(request: HttpRequest) -> OrgScope:
    """The organisation named by ?org= among the user's own; 404 for any other."""
    slug = request.GET.get("org") or None
    choice = organisation_choose(user=request.user, slug=slug)
    if choice.organisation is None:
        if slug or choice.organisations:
            raise Http404("unknown organisation")
        raise NoOrganisationError
    return organisation_scope(choice=choice)


def _partial(request: HtmxHttpRequest, template: str, partials: dict[str, str]) -> str:
    """The whole page, or the partial an htmx request targets (never for history restores)."""
    htmx = request.htmx
    if not htmx or htmx.history_restore_request:
        return template
    name = partials.get(htmx.target or "", "results")
    return f"{template}#{name}"


def _page_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render bad filters as a 400 page and a user without organisation as a 403 page."""

    @wraps(view)
    def wrapped(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NoOrganisationError:
            return render(request, "dashboards/no_organisation.html", status=403)
        except ApplicationError as error:
            context = {"message": error.message, "errors": error.fields}
            name = "dashboards/filter_error.html"
            if request.htmx and not request.htmx.history_restore_request:
                name += "#error"
            response = render(request, name, context, status=error.status_code)
            patch_vary_headers(response, ["HX-Request"])
            return response

    return wrapped


def _filters(request: HttpRequest, scope: OrgScope) -> tuple[FilterForm, Filters]:
    form = FilterForm(request.GET, scope=scope, language=_language())
    return form, form.filters()


def _common(scope: OrgScope, form: FilterForm, filters: Filters) -> dict[str, Any]:
    org_query = f"org={scope.organisation.slug}"
    return {
        "scope": scope,
        "organisation": scope.organisation,
        "form": form,
        "filters": filters,
        "org_query": org_query,
        "query": f"{org_query}&{filters.query()}",
        "language": _language(),
        "plotly_version": plotly_version(),
    }


@dataclass(frozen=True)
class Column:
    """A sortable KPI table header: its label, the link that sorts by it, its aria-sort."""

    key: str
    label: str
    query: str
    aria_sort: str


def _columns(scope: OrgScope, filters: Filters) -> list[Column]:
    columns = []
    for key, label in TABLE_COLUMNS:
        current = filters.sort.lstrip("-") == key
        descending = filters.sort.startswith("-")
        # A click on the sorted column flips it; KPIs start with the worst (lowest) first.
        target = f"-{key}" if current and not descending else key
        aria = ("descending" if descending else "ascending") if current else "none"
        query = f"org={scope.organisation.slug}&" + filters.query(sort=target)
        columns.append(Column(key, str(label), query, aria))
    return columns


def _dashboard_context(request: HttpRequest, *, with_alerts: bool = False) -> dict[str, Any]:
    scope = _scope(request)
    form, filters = _filters(request, scope)
    fresh = freshness(organisation_id=scope.organisation.pk)
    language = _language()
    org_id = scope.organisation.pk
    key = page_cache_key(
        "dashboard",
        data_as_of=fresh.data_as_of,
        parts=(org_id, filters.start, filters.end, filters.rollup_kwargs(), language, scope.today),
    )
    computed = page_cached(
        key=key,
        compute=lambda: dashboard_page(
            organisation_id=org_id,
            start=filters.start,
            end=filters.end,
            language=language,
            today=scope.today,
            **filters.rollup_kwargs(),
        ),
        data_as_of=fresh.data_as_of,
    )
    context = {
        **_common(scope, form, filters),
        "fresh": fresh,
        "computed": computed,
        "page": computed.page,
        "rows": tiles_sorted(computed.page.tiles, filters.sort),
        "columns": _columns(scope, filters),
    }
    if with_alerts:
        context["open_alerts"] = open_alerts_for(
            organisation_ids=[scope.organisation.pk], limit=ALERTS_SHOWN
        )
    return context


@require_safe
@login_required
@_page_errors
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The management dashboard: journey map, what changed, KPI table."""
    context = _dashboard_context(request, with_alerts=True)
    with timezone.override(context["organisation"].tzinfo):
        response = render(request, _partial(request, DASHBOARD, DASHBOARD_PARTIALS), context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
@login_required
@_page_errors
def export_csv(request: HtmxHttpRequest) -> HttpResponse:
    """The KPI table under the same filters, as CSV."""
    context = _dashboard_context(request)
    return exports.kpi_table_csv(
        organisation=context["organisation"], filters=context["filters"], rows=context["rows"]
    )


@require_safe
@login_required
@_page_errors
def export_xlsx(request: HtmxHttpRequest) -> HttpResponse:
    """The KPI table under the same filters, as an Excel workbook."""
    context = _dashboard_context(request)
    return exports.kpi_table_xlsx(
        organisation=context["organisation"], filters=context["filters"], rows=context["rows"]
    )


@require_safe
@login_required
@_page_errors
def analysis(request: HtmxHttpRequest) -> HttpResponse:
    """The analytical dashboard; htmx requests get only the section they target."""
    scope = _scope(request)
    form, filters = _filters(request, scope)
    analysis_form = AnalysisForm(request.GET, scope=scope, language=_language())
    choices = analysis_form.choices()
    template = _partial(request, ANALYSIS, ANALYSIS_PARTIALS)
    section = template.partition("#")[2] or None
    section = None if section == "results" else section
    fresh = freshness(organisation_id=scope.organisation.pk)
    language = _language()
    key = page_cache_key(
        "analysis",
        data_as_of=fresh.data_as_of,
        parts=(
            scope.organisation.pk,
            filters.start,
            filters.end,
            filters.rollup_kwargs(),
            astuple(choices),
            language,
            section,
            scope.today,
        ),
    )
    computed = page_cached(
        key=key,
        compute=lambda: analysis_page(
            scope=scope, filters=filters, choices=choices, language=language, section=section
        ),
        data_as_of=fresh.data_as_of,
    )
    context = {
        **_common(scope, form, filters),
        "fresh": fresh,
        "analysis_form": analysis_form,
        "choices": choices,
        "computed": computed,
        "page": computed.page,
        "charts": analysis_charts(computed.page),
        "comment_pages": _comment_pages(request, computed.page),
    }
    # Days and times on the page are the organisation's.
    with timezone.override(scope.organisation.tzinfo):
        response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _comment_pages(request: HttpRequest, page: Any) -> dict[str, str]:
    """Query strings of the previous and next comment pages (all other selections kept)."""
    links: dict[str, str] = {}
    if page.comments is None:
        return links
    current = page.comments.page
    for name, number in (("previous", current - 1), ("next", current + 1)):
        if number < 1 or (name == "next" and not page.comments.has_next):
            continue
        query = request.GET.copy()
        query["c_page"] = str(number)
        links[name] = query.urlencode()
    return links


@require_safe
def plotly_js(request: HttpRequest, version: str) -> HttpResponseBase:
    """plotly.min.js from the installed package: gzipped when accepted, cached for a year."""
    if version != plotly_version():
        raise Http404("unknown plotly version")
    asset = plotly_asset()
    accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    body = asset.gzipped if accepts_gzip else asset.raw
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    if accepts_gzip:
        response["Content-Encoding"] = "gzip"
    response["Content-Length"] = str(len(body))
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["ETag"] = asset.etag
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
