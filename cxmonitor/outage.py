"""A database outage is a 503 with Retry-After, never an HTML 500: clients retry, nothing is lost.

The API answers JSON; pages answer a short page in the visitor's language.
"""

import logging
import sys
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
# Errors of an unreachable or restarting database; integrity and programming errors stay 500s.
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def is_outage(error: BaseException) -> bool:
    """An error that says the database is unreachable, not that a query was wrong."""
    return isinstance(error, OUTAGE_ERRORS) or (
        isinstance(error, DatabaseError) and isinstance(error.__cause__, OUTAGE_ERRORS)
    )


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, a short text page elsewhere."""
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """Turns an unreachable database into 503 + Retry-After where a view meets it.

    Middleware meeting the database (sessions) is covered by `server_error`, the handler500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_outage(exception):
            return None
        logger.warning("database unavailable: %s answered 503", request.path)
        return outage_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: still a 503 when the uncaught error was an outage, else Django's 500."""
    error = sys.exc_info()[1]
    if error is not None and is_outage(error):
        return outage_response(request)
    return defaults.server_error(request)
