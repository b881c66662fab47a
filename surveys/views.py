"""Customer-facing pages: survey page (also kiosk and embed mode), thanks, embed.js, QR sheet.

Nothing here touches the session or sets a cookie: customers answer without an account and without
cookies, and GET/HEAD never write (mail clients and scanners prefetch links).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from cxmonitor.errors import ApplicationError
from cxmonitor.http import HtmxHttpRequest
from touchpoints.models import Touchpoint
from touchpoints.selectors import touchpoint_get_public

from .customer_links import customer_key_from_token
from .forms import (
    HONEYPOT_FIELD,
    MIN_FILL_SECONDS,
    PageContext,
    SurveyPageForm,
    page_context_from,
    render_token_age,
    render_token_new,
    submission_id_new,
    submission_id_valid,
)
from .models import Item, Survey, WhyReason
from .selectors import item_list_for_submission
from .services import SubmissionInput, response_submit
from .texts import label_text, language_name, survey_text, text_direction
from .throttling import client_ip_from_request, rate_limit_check
from .why import why_is_asked
from .why_views import why_step_start

KIOSK_RESET_SECONDS = 5
# Survey texts the page template uses besides title and intro.
PAGE_TEXT_KEYS = ("submit", "optional", "not_experienced")
# Survey and thanks pages: only our own scripts, styles and form target; framing per touchpoint.
SURVEY_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}"
)


@dataclass(frozen=True)
class _Target:
    """A touchpoint that takes answers, with its active survey's items."""

    touchpoint: Touchpoint
    survey: Survey
    items: list[Item]

    @property
    def default_language(self) -> str:
        return self.touchpoint.phase.journey.organisation.default_language

    @property
    def languages(self) -> list[str]:
        return self.touchpoint.phase.journey.organisation.survey_languages

    def text(self, key: str, language: str) -> str:
        return survey_text(
            self.survey, key, language=language, default_language=self.default_language
        )

    def label(self, thing: Item | WhyReason, language: str) -> str:
        return label_text(thing, language=language, default_language=self.default_language)


def chrome_language(*, language: str, default_language: str) -> str:
    """The language of the product's own messages (errors, notices): the page's language when
    the product speaks it, else the organisation's default. Survey texts follow the page."""
    codes = [code for code, _name in settings.LANGUAGES]
    return language if language in codes else default_language


def language_choices(languages: list[str], current: str) -> list[tuple[str, str]]:
    """The other languages the page offers, as (code, name in that language)."""
    return [(code, language_name(code)) for code in languages if code != current]


def survey_csp(*, origins: list[str]) -> str:
    """The Content-Security-Policy of the survey page for a touchpoint's embedding origins."""
    # Origins pass validation in the admin; the check here keeps a hand-edited row from
    # smuggling another directive (";") or a wildcard into the header.
    safe = [o for o in origins if o.isprintable() and not any(c in o for c in " ;,*'\"")]
    return SURVEY_CSP.format(ancestors=" ".join(safe) if safe else "'none'")


def _context_from(
    request: HttpRequest, *, default_language: str, languages: list[str] | None = None
) -> PageContext:
    params = request.POST if request.method == "POST" else request.GET
    return page_context_from(
        params,
        accept_language=request.headers.get("Accept-Language", ""),
        default_language=default_language,
        languages=languages or [default_language, "de", "en"],
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
    organisation = touchpoint.phase.journey.organisation if touchpoint is not None else None
    default_language = organisation.default_language if organisation else settings.LANGUAGE_CODE
    languages = organisation.survey_languages if organisation else ["de", "en"]
    context: dict[str, Any] = {
        "state": state,
        "page": page,
        "language": page.language,
        "dir": text_direction(page.language),
        "other_languages": language_choices(languages, page.language),
        "switch_fields": page.reopen_params(with_customer=True),
        "touchpoint": touchpoint,
        "kiosk_reset_seconds": KIOSK_RESET_SECONDS,
        **(extra or {}),
    }
    if touchpoint is not None:
        context["page_url"] = reverse("surveys:page", args=[touchpoint.public_key])
        context["reset_url"] = f"{context['page_url']}?{page.query()}"
    partial = state if state in ("survey", "thanks", "why") else "notice"
    template = f"surveys/page.html#{partial}" if request.htmx else "surveys/page.html"
    with translation.override(
        chrome_language(language=page.language, default_language=default_language)
    ):
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
    languages = touchpoint.phase.journey.organisation.survey_languages if touchpoint else None
    page = _context_from(request, default_language=default, languages=languages)
    if touchpoint is None:
        return _respond(request, state="missing", page=page, touchpoint=None, status=404)
    return _respond(request, state="closed", page=page, touchpoint=touchpoint, status=410)


def _target_get(*, public_key: str, survey_id: str = "") -> _Target | None:
    """The version a form is for: the one it was rendered with (posted back with the answers)
    while that is accepted, else the active one."""
    items = item_list_for_submission(
        public_key=public_key, survey_id=int(survey_id) if survey_id.isdigit() else None
    )
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
    with translation.override(
        chrome_language(language=language, default_language=target.default_language)
    ):
        items = form.item_views(
            text=lambda key: target.text(key, language),
            label=lambda item: target.label(item, language),
        )
    return _respond(
        request,
        state="survey",
        page=page,
        touchpoint=target.touchpoint,
        status=status,
        extra={
            "form": form,
            "items": items,
            "title": target.text("title", language),
            "intro": target.text("intro", language),
            "survey_id": target.survey.pk,
            "texts": {key: target.text(key, language) for key in PAGE_TEXT_KEYS},
            "submission_id": submission_id,
            "token": token,
            "honeypot_field": HONEYPOT_FIELD,
            "notice": notice,
        },
    )


def _thanks_url(*, public_key: str, page: PageContext) -> str:
    return f"{reverse('surveys:thanks', args=[public_key])}?{page.query()}"


def _succeeded(
    request: HtmxHttpRequest, *, target: _Target, page: PageContext, why_submission: str = ""
) -> HttpResponse:
    if why_submission:
        # The scores are stored; ask "why?" in a second step for the same submission.
        return why_step_start(
            request, target=target, page=page, submission_id=why_submission, respond=_respond
        )
    if request.htmx:
        return _respond(
            request,
            state="thanks",
            page=page,
            touchpoint=target.touchpoint,
            extra={"texts": _thanks_texts(target, page.language)},
        )
    # 303: the browser fetches the thank-you page with GET, so a reload never posts again.
    return HttpResponseRedirect(
        _thanks_url(public_key=target.touchpoint.public_key, page=page), status=303
    )


# size: the survey page's POST in order: checks, store, then the why step or thanks.
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
    answers = form.answers()
    submission = SubmissionInput(
        public_key=public_key,
        submission_id=submission_id,
        survey_id=target.survey.pk,
        answers=answers,
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
    kinds = {item.pk: item.kind for item in target.items}
    asked = target.survey.asks_why and why_is_asked(
        survey=target.survey, answers=answers, kinds=kinds
    )
    return _succeeded(
        request, target=target, page=page, why_submission=submission_id if asked else ""
    )


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
    survey_id = request.POST.get("survey", "") if request.method == "POST" else ""
    target = _target_get(public_key=public_key, survey_id=survey_id)
    if target is None:
        return _unavailable(request, public_key=public_key)
    page = _context_from(
        request, default_language=target.default_language, languages=target.languages
    )
    # Every message, from the form, the service or this module, in the page's language.
    with translation.override(
        chrome_language(language=page.language, default_language=target.default_language)
    ):
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
    target = _target_get(public_key=public_key)
    if target is None:
        return _unavailable(request, public_key=public_key)
    page = _context_from(
        request, default_language=target.default_language, languages=target.languages
    )
    return _respond(
        request,
        state="thanks",
        page=page,
        touchpoint=target.touchpoint,
        extra={"texts": _thanks_texts(target, page.language)},
    )


def _thanks_texts(target: _Target, language: str) -> dict[str, str]:
    return {key: target.text(key, language) for key in ("thanks_title", "thanks_text")}
