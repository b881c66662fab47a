"""The "why?" step of the survey page: shown after a low score, with or without JavaScript.

Without JavaScript the first step redirects (303) to `/s/KEY/why/?sid=...&t=...`, a page that only
shows the question; its form posts the answer there. With htmx the question replaces the form in
place and posts to the same address. Either way the scores are stored before the question
appears, and the answer is attached to the same submission id.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cxmonitor.errors import ApplicationError
from cxmonitor.http import HtmxHttpRequest

from .forms import PageContext, submission_id_valid
from .models import WhyReason
from .selectors import response_get_by_submission
from .why import why_answer_submit, why_token_new, why_token_valid

if TYPE_CHECKING:
    from .views import _Target

WHY_TEXTS = ("why_question", "why_skip", "submit", "optional")


def _why_url(*, public_key: str) -> str:
    return reverse("surveys:why", args=[public_key])


def _why_context(
    target: "_Target", page: PageContext, *, submission_id: str, token: str, error: str = ""
) -> dict[str, Any]:
    language = page.language
    reasons = list(WhyReason.objects.filter(survey=target.survey).order_by("order", "id"))
    return {
        "why_url": _why_url(public_key=target.touchpoint.public_key),
        "submission_id": submission_id,
        "why_token": token,
        "texts": {key: target.text(key, language) for key in WHY_TEXTS},
        "reasons": [(reason.key, target.label(reason, language)) for reason in reasons],
        "why_error": error,
    }


def why_step_start(
    request: HtmxHttpRequest,
    *,
    target: "_Target",
    page: PageContext,
    submission_id: str,
    respond: Callable[..., HttpResponse],
) -> HttpResponse:
    """After the scores were stored: the "why?" question, in place (htmx) or as a new page."""
    public_key = target.touchpoint.public_key
    token = why_token_new(public_key=public_key, submission_id=submission_id)
    if request.htmx:
        context = _why_context(target, page, submission_id=submission_id, token=token)
        return respond(request, state="why", page=page, touchpoint=target.touchpoint, extra=context)
    query = f"sid={submission_id}&t={token}&{page.query()}"
    return HttpResponseRedirect(f"{_why_url(public_key=public_key)}?{query}", status=303)


def _thanks(request: HtmxHttpRequest, *, target: "_Target", page: PageContext) -> HttpResponse:
    from .views import _respond, _thanks_texts, _thanks_url

    if request.htmx:
        return _respond(
            request,
            state="thanks",
            page=page,
            touchpoint=target.touchpoint,
            extra={"texts": _thanks_texts(target, page.language)},
        )
    return HttpResponseRedirect(
        _thanks_url(public_key=target.touchpoint.public_key, page=page), status=303
    )


# Exempt from CSRF like the survey form itself (anonymous, no cookies); the signed token binds
# the answer to the submission it follows and expires after an hour.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def survey_why(request: HtmxHttpRequest, public_key: str) -> HttpResponse:
    """The second step after a low score: the question (GET) and its answer (POST)."""
    from .views import _context_from, _respond, _target_get, _unavailable, chrome_language

    params = request.POST if request.method == "POST" else request.GET
    submission_id, token = params.get("sid", ""), params.get("t", "")
    target = _target_get(public_key=public_key)
    if target is None:
        return _unavailable(request, public_key=public_key)
    response = (
        response_get_by_submission(touchpoint_id=target.touchpoint.pk, submission_id=submission_id)
        if submission_id_valid(submission_id)
        and why_token_valid(token=token, public_key=public_key, submission_id=submission_id)
        else None
    )
    page = _context_from(
        request, default_language=target.default_language, languages=target.languages
    )
    if response is None:
        # An expired or foreign ticket: the scores were stored anyway; just say thank you.
        return _thanks(request, target=target, page=page)
    # The question of the version the scores were given with.
    target = type(target)(touchpoint=target.touchpoint, survey=response.survey, items=[])
    with translation.override(
        chrome_language(language=page.language, default_language=target.default_language)
    ):
        if request.method == "POST" and not params.get("skip"):
            try:
                why_answer_submit(
                    touchpoint_id=target.touchpoint.pk,
                    submission_id=submission_id,
                    text=params.get("why_text", ""),
                    reason_keys=params.getlist("reason"),
                )
            except ApplicationError as error:
                if error.status_code != 400:
                    return _thanks(request, target=target, page=page)
                context = _why_context(
                    target,
                    page,
                    submission_id=submission_id,
                    token=token,
                    error=_("Please check your answer."),
                )
                return _respond(
                    request,
                    state="why",
                    page=page,
                    touchpoint=target.touchpoint,
                    extra=context,
                    status=400,
                )
        if request.method == "POST":
            return _thanks(request, target=target, page=page)
        context = _why_context(target, page, submission_id=submission_id, token=token)
        return _respond(
            request, state="why", page=page, touchpoint=target.touchpoint, extra=context
        )
