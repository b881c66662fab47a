"""One application error type for expected failures, and its translation to API responses."""

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """An expected failure: a message, reasons per field, and the HTTP status it maps to."""

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        status_code: int = status.HTTP_400_BAD_REQUEST,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.status_code = status_code


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF handler: ApplicationError becomes its 4xx with a message per field."""
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.fields:
            body["errors"] = exc.fields
        return Response(body, status=exc.status_code)
    return exception_handler(exc, context)
