"""Reading the capture API's body: JSON only, at most 16 KB, also when it comes in chunks."""

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework import status

from cxmonitor.errors import ApplicationError

MAX_BODY_BYTES = 16 * 1024


def bad_request(message: str, field: str = "body") -> ApplicationError:
    return ApplicationError(message, fields={field: [message]})


def read_json(request: HttpRequest) -> Any:
    """The request body as JSON, after content-type and size checks (413/415/400)."""
    if request.content_type != "application/json":
        raise ApplicationError(
            _("Send the body as application/json."),
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    too_large = ApplicationError(
        _("The body is larger than %(max)d bytes.") % {"max": MAX_BODY_BYTES},
        status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise too_large
    # Read at most one byte past the limit, whatever Content-Length claimed.
    raw = _read_chunked(request) if _is_chunked(request) else request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise too_large
    if not raw.strip():
        raise bad_request(_("The body is empty; send a JSON object."))
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        if b"\\u" in raw:
            # An escaped lone surrogate (backslash-u D800) parses, yet is no text: it could neither
            # be stored nor echoed back in an error message.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):
        raise bad_request(_("The body is not valid JSON.")) from None
    return data


def _is_chunked(request: HttpRequest) -> bool:
    encoding = str(request.META.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return "chunked" in encoding and not request.META.get("CONTENT_LENGTH")


def _read_chunked(request: HttpRequest) -> bytes:
    """A chunked body without Content-Length, read up to the limit from the server's stream.

    Django reads such a body as empty; gunicorn decodes the chunks and marks its stream as
    terminated. A server that does not is answered 411: send a Content-Length.
    """
    stream = request.META.get("wsgi.input")
    if stream is None or not request.META.get("wsgi.input_terminated"):
        raise ApplicationError(
            _("Send the body with a Content-Length header."),
            status_code=status.HTTP_411_LENGTH_REQUIRED,
        )
    return bytes(stream.read(MAX_BODY_BYTES + 1))


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")
