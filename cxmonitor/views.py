from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from .health import COMPONENTS, health_report


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Signed-in users go to their dashboard; everyone else sees a short landing page."""
    if request.user.is_authenticated:
        return redirect("/dashboard/")
    return render(request, "home.html")


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Each component's health; 503 when one is down. `?only=database,cache` narrows the checks
    (e.g. for a load balancer that should not drop a web node because the worker is stale)."""
    only = [name.strip() for name in request.GET.get("only", "").split(",") if name.strip()]
    unknown = sorted(set(only) - set(COMPONENTS))
    if unknown:
        return JsonResponse(
            {"detail": "unknown component", "errors": {"only": unknown}, "known": COMPONENTS},
            status=400,
        )
    healthy, body = health_report(only=only or None)
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
