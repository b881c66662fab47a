"""The question embed.js asks before it draws anything: may this page show the survey?"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from touchpoints.embedding import origin_normalise, touchpoint_embed_allowed
from touchpoints.selectors import touchpoint_get_public

from .selectors import survey_active_for_key


@require_GET
def embed_check(request: HttpRequest, public_key: str) -> JsonResponse:
    """`{"allowed": true}`, or false with the reason; a refused origin is kept for the admin."""
    # A browser sets Origin on the script's cross-origin request and pages cannot forge it; a
    # same-origin request carries none, so the script also sends its page's origin.
    origin = origin_normalise(request.headers.get("Origin") or request.GET.get("origin", ""))
    touchpoint = touchpoint_get_public(public_key=public_key)
    body: dict[str, object]
    if touchpoint is None or survey_active_for_key(public_key=public_key) is None:
        # unknown, inactive, or without an active survey: the page would not show a survey
        body = {"allowed": False, "reason": "unavailable"}
    elif touchpoint_embed_allowed(touchpoint=touchpoint, origin=origin):
        body = {"allowed": True}
    else:
        body = {"allowed": False, "reason": "origin", "origin": origin or ""}
    response = JsonResponse(body)
    # Any page may ask (without cookies); the answer only concerns the page that asks.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response
