"""Customer-facing pages: survey page (also kiosk and embed mode), thanks, embed.js, QR sheet.

Nothing here touches the session or sets a cookie: customers answer without an account and without
cookies, and GET/HEAD never write (mail clients and scanners prefetch links).
"""

import functools
import textwrap
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_http_methods, require_safe

from cxmonitor.errors import ApplicationError
from cxmonitor.http import HtmxHttpRequest
from touchpoints.models import Touchpoint
from touchpoints.selectors import touchpoint_get_public

from .customer_links import customer_key_from_token
from .forms import (
    HONEYPOT_FIELD,
    MIN_FILL_SECONDS,
    PAGE_CHANNELS,
    PageContext,
    SurveyPageForm,
    page_context_from,
    render_token_age,
    render_token_new,
    submission_id_new,
    submission_id_valid,
)
from .models import Item, Survey
from .selectors import item_list_active_for_key
from .services import SubmissionInput, response_submit
from .throttling import client_ip_from_request, rate_limit_check

KIOSK_RESET_SECONDS = 5
EMBED_SOURCE = "surveys/embed.js"
# embed.js has a fixed address (it sits in clients' pages), so it cannot carry a content hash:
# a day of caching plus a week of stale-while-revalidate keeps it fast and lets fixes arrive.
EMBED_CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"
# Survey and thanks pages: only our own scripts, styles and form target; framing per touchpoint.
SURVEY_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}"
)
PAPER_SIZES_MM = {"a4": (210, 297), "a6": (105, 148)}


@dataclass(frozen=True)
class _Target:
    """A touchpoint that takes answers, with its active survey's items."""

    touchpoint: Touchpoint
    survey: Survey
    items: list[Item]

    @property
    def default_language(self) -> str:
        return self.touchpoint.phase.journey.organisation.default_language


def survey_csp(*, origins: list[str]) -> str:
    """The Content-Security-Policy of the survey page for a touchpoint's embedding origins."""
    # Origins pass validation in the admin; the check here keeps a hand-edited row from
    # smuggling another directive (";") or a wildcard into the header.
    safe = [o for o in origins if o.isprintable() and not any(c in o for c in " ;,*'\"")]
    return SURVEY_CSP.format(ancestors=" ".join(safe) if safe else "'none'")


def _context_from(request: HttpRequest, *, default_language: str) -> PageContext:
    params = request.POST if request.method == "POST" else request.GET
    return page_context_from(
        params,
        accept_language=request.headers.get("Accept-Language", ""),
        default_language=default_language,
    )


def _respond(
    request: HtmxHttpRequest,
    *,
    state: str,
    page: PageContext,
    touchpoint: Touchpoint | None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the page template whole, or only the swapped part (`state`) for htmx."""
    origins = touchpoint.origin_list if touchpoint is not None else []
    context: dict[str, Any] = {
        "state": state,
        "page": page,
        "language": page.language,
        "other_language": "en" if page.language == "de" else "de",
        "switch_fields": page.reopen_params(with_customer=True),
        "touchpoint": touchpoint,
        "kiosk_reset_seconds": KIOSK_RESET_SECONDS,
        **(extra or {}),
    }
    if touchpoint is not None:
        context["page_url"] = reverse("surveys:page", args=[touchpoint.public_key])
        context["reset_url"] = f"{context['page_url']}?{page.query()}"
    partial = state if state in ("survey", "thanks") else "notice"
    template = f"surveys/page.html#{partial}" if request.htmx else "surveys/page.html"
    with translation.override(page.language):
        response = render(request, template, context, status=status)
    response["Content-Language"] = page.language
    response["Content-Security-Policy"] = survey_csp(origins=origins)
    # Each rendering carries its own submission id: a cached copy would merge two customers.
    response["Cache-Control"] = "no-store"
    if origins:
        response.xframe_options_exempt = True
    return response


def _unavailable(request: HtmxHttpRequest, *, public_key: str) -> HttpResponse:
    """404 for an unknown key, 410 for an inactive touchpoint or one without an active survey."""
    touchpoint = touchpoint_get_public(public_key=public_key)
    default = (
        touchpoint.phase.journey.organisation.default_language
        if touchpoint is not None
        else settings.LANGUAGE_CODE
    )
    page = _context_from(request, default_language=default)
    if touchpoint is None:
        return _respond(request, state="missing", page=page, touchpoint=None, status=404)
    return _respond(request, state="closed", page=page, touchpoint=touchpoint, status=410)


def _target_get(*, public_key: str) -> _Target | None:
    items = item_list_active_for_key(public_key=public_key)
    if not items:
        return None
    survey = items[0].survey
    return _Target(touchpoint=survey.touchpoint, survey=survey, items=items)


def _form_response(
    request: HtmxHttpRequest,
    *,
    target: _Target,
    page: PageContext,
    form: SurveyPageForm,
    submission_id: str,
    token: str,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    language = page.language
    with translation.override(language):
        items = form.item_views(language=language)
    return _respond(
        request,
        state="survey",
        page=page,
        touchpoint=target.touchpoint,
        status=status,
        extra={
            "form": form,
            "items": items,
            "title": target.survey.title_in(language),
            "intro": target.survey.intro_in(language),
            "submission_id": submission_id,
            "token": token,
            "honeypot_field": HONEYPOT_FIELD,
            "notice": notice,
        },
    )


def _thanks_url(*, public_key: str, page: PageContext) -> str:
    return f"{reverse('surveys:thanks', args=[public_key])}?{page.query()}"


def _succeeded(request: HtmxHttpRequest, *, target: _Target, page: PageContext) -> HttpResponse:
    if request.htmx:
        return _respond(request, state="thanks", page=page, touchpoint=target.touchpoint)
    # 303: the browser fetches the thank-you page with GET, so a reload never posts again.
    return HttpResponseRedirect(
        _thanks_url(public_key=target.touchpoint.public_key, page=page), status=303
    )


def _submit(request: HtmxHttpRequest, *, target: _Target, page: PageContext) -> HttpResponse:
    public_key = target.touchpoint.public_key
    submission_id = request.POST.get("submission_id", "")
    token = request.POST.get("token", "")
    if not submission_id_valid(submission_id):
        submission_id, token = submission_id_new(), ""
    form = SurveyPageForm(request.POST, survey=target.survey, items=target.items)

    def again(*, notice: str, status: int, fresh_token: bool = False) -> HttpResponse:
        """The form once more, with the customer's choices and the reasons next to the fields."""
        return _form_response(
            request,
            target=target,
            page=page,
            form=form,
            submission_id=submission_id,
            token=render_token_new(submission_id=submission_id) if fresh_token else token,
            notice=notice,
            status=status,
        )

    wait = rate_limit_check(client_ip=client_ip_from_request(request), public_key=public_key)
    if wait is not None:
        # The answers stay in the form, so the customer only has to send again later.
        form.is_valid()
        response = again(
            notice=_(
                "Too many answers are arriving right now. Please send again in %(seconds)d seconds."
            )
            % {"seconds": wait},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response

    if request.POST.get(HONEYPOT_FIELD, "").strip():
        # Only bots fill the invisible field; they see success and nothing is stored.
        return _succeeded(request, target=target, page=page)

    age = render_token_age(token=token, submission_id=submission_id)
    if age is None or age < MIN_FILL_SECONDS:
        # Too fast for a person (or no render token at all): store nothing, but do not pretend
        # success either, as a very quick person would lose their answer without knowing. The
        # form comes back with their choices and a fresh token; the next send goes through.
        form.is_valid()
        return again(
            notice=_("Please check your answers and send them again."),
            status=400,
            fresh_token=True,
        )

    if not form.is_valid():
        return again(notice=_("Please check your answers."), status=400)
    submission = SubmissionInput(
        public_key=public_key,
        submission_id=submission_id,
        answers=form.answers(),
        channel=page.channel,
        language=page.language,
        customer_key=customer_key_from_token(page.customer_token),
        segment=dict(page.segment),
        contact_consent=bool(form.cleaned_data.get("contact_consent")),
    )
    try:
        response_submit(submission=submission)
    except ApplicationError as error:
        if error.status_code == 400:
            form.add_service_errors(error.fields)
            return again(notice=_("Please check your answers."), status=400)
        if error.status_code == 404:
            return _unavailable(request, public_key=public_key)
        state = "closed" if error.status_code == 410 else "problem"
        return _respond(
            request,
            state=state,
            page=page,
            touchpoint=target.touchpoint,
            status=error.status_code,
            extra={"message": error.message},
        )
    return _succeeded(request, target=target, page=page)


# The survey form is public and anonymous, so CSRF protection has nothing to protect: a forged
# cross-site post could only do what anyone can do by posting the form directly, and no cookie or
# session gives it more rights. A CSRF token would also need a cookie, which customers must not
# need and which third-party-cookie blocking would drop inside an embedding iframe anyway. Abuse
# is held off by the layers that do apply to anonymous forms: the per-render submission id
# (exactly once), the honeypot, the signed minimum fill time and the rate limits per IP and
# touchpoint.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def survey_page(request: HtmxHttpRequest, public_key: str) -> HttpResponse:
    """The survey of a touchpoint; POST stores an answer through the capture service."""
    target = _target_get(public_key=public_key)
    if target is None:
        return _unavailable(request, public_key=public_key)
    page = _context_from(request, default_language=target.default_language)
    # Every message, from the form, the service or this module, in the page's language.
    with translation.override(page.language):
        if request.method == "POST":
            return _submit(request, target=target, page=page)
        submission_id = submission_id_new()
        form = SurveyPageForm(survey=target.survey, items=target.items)
        return _form_response(
            request,
            target=target,
            page=page,
            form=form,
            submission_id=submission_id,
            token=render_token_new(submission_id=submission_id),
        )


@require_safe
def survey_thanks(request: HtmxHttpRequest, public_key: str) -> HttpResponse:
    """The thank-you page after a plain (no-JavaScript) submission; kiosks reset from here."""
    touchpoint = touchpoint_get_public(public_key=public_key)
    if touchpoint is None:
        return _unavailable(request, public_key=public_key)
    page = _context_from(
        request, default_language=touchpoint.phase.journey.organisation.default_language
    )
    return _respond(request, state="thanks", page=page, touchpoint=touchpoint)


@functools.cache
def _embed_source_cached() -> bytes:
    return _embed_source_read()


def _embed_source_read() -> bytes:
    path = finders.find(EMBED_SOURCE)
    if not path:
        raise Http404("embed.js is missing")
    with open(path, "rb") as source:
        return source.read()


@require_safe
@gzip_page
def embed_js(request: HttpRequest) -> HttpResponse:
    """The embed script for clients' pages (source: static/surveys/embed.js)."""
    body = _embed_source_read() if settings.DEBUG else _embed_source_cached()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = EMBED_CACHE_CONTROL
    # Hosts that isolate themselves (COEP) may still load it.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _qr_path(data: str) -> tuple[str, int]:
    """The dark modules of a QR code as one SVG path (1 unit per module) and its side length."""
    code = segno.make(data, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(scale=1, border=0)]
    parts: list[str] = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return "".join(parts), len(rows)


@require_safe
def print_sheet(request: HttpRequest, public_key: str) -> HttpResponse:
    """A printable A4 or A6 SVG sheet with the touchpoint's QR code (public, like the key)."""
    touchpoint = touchpoint_get_public(public_key=public_key)
    if touchpoint is None:
        raise Http404("unknown touchpoint")
    size = request.GET.get("size", "a4").lower()
    size = size if size in PAPER_SIZES_MM else "a4"
    channel = request.GET.get("channel", "qr")
    channel = channel if channel in PAGE_CHANNELS else "qr"
    page_url = f"{settings.SITE_URL}{reverse('surveys:page', args=[public_key])}"
    qr_url = f"{page_url}?{urlencode({'channel': channel})}"
    path, modules = _qr_path(qr_url)
    width_mm, height_mm = PAPER_SIZES_MM[size]
    # One layout drawn in A4 units; A6 is half of A4, so only the outer size changes.
    qr_side, qr_top = 120.0, 112.0
    view_height = 297 if size == "a4" else 296
    # Numbers go in as text: the active language must not turn 3.5 into "3,5" inside the SVG.
    context = {
        "width_mm": width_mm,
        "height_mm": height_mm,
        "view_height": view_height,
        "border_height": view_height - 16,
        "name_lines": textwrap.wrap(touchpoint.name, width=28, max_lines=3, placeholder=" …"),
        "qr_path": path,
        "qr_transform": (
            f"translate({(210 - qr_side) / 2:g} {qr_top:g}) scale({qr_side / modules:.5f})"
        ),
        "qr_url": qr_url,
        "url_y": f"{qr_top + qr_side + 14:g}",
        "footer_y": view_height - 22,
        "short_url": page_url.split("://", 1)[-1],
    }
    response = render(
        request, "surveys/print_sheet.svg", context, content_type="image/svg+xml; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="survey-{public_key}-{size}.svg"'
    return response
