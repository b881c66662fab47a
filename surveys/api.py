"""Public JSON API for capture: chatbots, call centres and ERP systems post responses here."""

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.validators import RegexValidator
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxmonitor.errors import ApplicationError
from touchpoints.selectors import touchpoint_get_public

from .api_body import bad_request, read_json
from .models import Response as SurveyResponse
from .selectors import origin_allowed_anywhere
from .services import (
    CUSTOMER_ID_MAX,
    MAX_ANSWERS,
    PUBLIC_KEY_RE,
    SUBMISSION_ID_RE,
    AnswerInput,
    SubmissionInput,
    response_submit,
)
from .throttling import client_ip_from_request, rate_limit_check, touchpoint_budget_refund

CORS_MAX_AGE = 600


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: no strings, no floats, no booleans."""

    default_error_messages = {"invalid": gettext_lazy("Enter a whole number.")}

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false only."""

    default_error_messages = {"invalid": gettext_lazy("Enter true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class ClosedSerializer(serializers.Serializer[Any]):
    """Refuses keys it does not declare: the schema is closed."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [key for key in data if key not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {str(key)[:40]: [_("Unknown field.")] for key in unknown[:10]}
                )
        return super().to_internal_value(data)


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as {"answers[0].satisfaction": [...]}, the keys the service uses."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            if key == "non_field_errors":
                name = prefix or "body"
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for sub_key, messages in _flatten(value, name).items():
                flat.setdefault(sub_key, []).extend(messages)
    elif isinstance(errors, Sequence) and not isinstance(errors, str):
        if all(isinstance(e, str) for e in errors):
            flat[prefix or "body"] = [str(e) for e in errors]
        else:
            for index, value in enumerate(errors):
                if value:
                    for sub_key, messages in _flatten(value, f"{prefix}[{index}]").items():
                        flat.setdefault(sub_key, []).extend(messages)
    else:
        flat[prefix or "body"] = [str(errors)]
    return flat


class _JsonOnly(BaseContentNegotiation):
    """Always answer JSON, whatever Accept says; the body was parsed by the view itself."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


@extend_schema_field(
    {"type": "string", "minLength": 1, "maxLength": 64, "pattern": f"^{PUBLIC_KEY_RE.pattern}$"}
)
class _PublicKeyField(serializers.CharField):
    """A touchpoint key. The schema states its form; a key of another form is answered like an
    unknown one (404), so no answer tells a malformed key from one that does not exist."""


class _AnswerSerializer(ClosedSerializer):
    """One answer: {item, expectation, satisfaction} | {item, value} | {item, text}."""

    item = StrictIntegerField(min_value=1, max_value=2**62)
    expectation = StrictIntegerField(required=False, allow_null=True)
    satisfaction = StrictIntegerField(required=False, allow_null=True)
    value = StrictIntegerField(required=False, allow_null=True)
    text = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False
    )

    class Meta:
        ref_name = "ResponseCreateAnswer"


class _ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    # Declared fields leave the class namespace, so this does not shadow Serializer.errors.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field, e.g. `answers[0].satisfaction`.",
    )

    class Meta:
        ref_name = "CaptureError"


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(_ErrorSerializer, description=description)


class ResponseCreateApi(APIView):
    """Store one survey response; a repeated submission_id returns the first result."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    parser_classes = [JSONParser]  # declares the media type; the view reads the body itself
    content_negotiation_class = _JsonOnly

    AnswerSerializer = _AnswerSerializer

    class InputSerializer(ClosedSerializer):
        touchpoint = _PublicKeyField(
            max_length=200,
            help_text="The touchpoint's public key; a key that cannot exist is answered 404.",
        )
        submission_id = serializers.CharField(
            min_length=1,
            max_length=64,
            trim_whitespace=False,
            validators=[
                RegexValidator(
                    f"^{SUBMISSION_ID_RE.pattern}$",
                    gettext_lazy("Enter 1 to 64 characters: letters, digits and _ . : -"),
                )
            ],
            help_text="Idempotency key chosen by the client: 1-64 of A-Z a-z 0-9 _ . : -",
        )
        answers = serializers.ListField(child=_AnswerSerializer(), max_length=MAX_ANSWERS)
        language = serializers.ChoiceField(choices=["de", "en"])
        channel = serializers.ChoiceField(
            choices=SurveyResponse.Channel.values, default=SurveyResponse.Channel.API
        )
        customer_id = serializers.CharField(
            required=False,
            allow_null=True,
            allow_blank=True,
            max_length=CUSTOMER_ID_MAX,
            help_text="Your customer id; only its keyed hash is stored.",
        )
        submitted_at = serializers.DateTimeField(
            required=False,
            allow_null=True,
            help_text="When the customer answered (ISO 8601); default now; at most 30 days ago.",
        )
        segment = serializers.DictField(
            child=serializers.CharField(max_length=64),
            required=False,
            allow_null=True,
            help_text="Allow-listed attributes: region, store, campaign, device, source.",
        )
        contact_consent = StrictBooleanField(required=False, default=False)

        class Meta:
            ref_name = "ResponseCreateInput"

    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        created = serializers.BooleanField()

        class Meta:
            ref_name = "ResponseCreateOutput"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The touchpoint whose origins decide CORS; None until the body names one.
        self._cors_key: str | None = None

    @extend_schema(
        operation_id="responses_create",
        summary="Submit a survey response",
        auth=[],
        request=InputSerializer,
        responses={
            201: OpenApiResponse(OutputSerializer, description="Stored."),
            200: OpenApiResponse(
                OutputSerializer,
                description="A repeat of a stored submission_id: first result, no write.",
            ),
            400: _error("Validation failed (malformed JSON, unknown fields, bad answers)."),
            404: _error("Unknown touchpoint."),
            409: _error("The survey changed while the answer was stored; send it again."),
            410: _error("The touchpoint is inactive or has no active survey."),
            411: _error("A chunked body on a server that cannot read it; send Content-Length."),
            413: _error("The body is larger than 16 KB."),
            415: _error("The body is not application/json."),
            429: _error("Too many requests; see the Retry-After header."),
        },
        examples=[
            OpenApiExample(
                "Paired item, NPS and a comment",
                request_only=True,
                value={
                    "touchpoint": "Xk3v9QaLm2Rt7wYb",
                    "submission_id": "crm-2024-000123",
                    "language": "de",
                    "answers": [
                        {"item": 11, "expectation": 6, "satisfaction": 4},
                        {"item": 12, "value": 9},
                        {"item": 13, "text": "Lange Wartezeit, aber freundlich."},
                    ],
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        try:
            data = read_json(request._request)
        except ApplicationError:
            self._cors_key = None
            self._throttle(request, public_key="")
            raise
        key = data.get("touchpoint") if isinstance(data, dict) else None
        self._cors_key = key if isinstance(key, str) else None
        counted_at = time.time()
        self._throttle(request, public_key=self._cors_key or "")
        try:
            return self._store(data)
        except Exception:
            # Only stored answers use up the touchpoint's budget (refused or failed ones do not).
            touchpoint_budget_refund(public_key=self._cors_key or "", counted_at=counted_at)
            raise

    def _store(self, data: Any) -> Response:
        if not isinstance(data, dict):
            raise bad_request(_("Send a JSON object."))

        serializer = self.InputSerializer(data=data)
        if not serializer.is_valid():
            raise ApplicationError(
                _("The submission is invalid."), fields=_flatten(serializer.errors)
            )
        values = serializer.validated_data
        result = response_submit(
            submission=SubmissionInput(
                public_key=values["touchpoint"],
                submission_id=values["submission_id"],
                answers=[
                    AnswerInput(
                        item_id=answer["item"],
                        expectation=answer.get("expectation"),
                        satisfaction=answer.get("satisfaction"),
                        value=answer.get("value"),
                        text=answer.get("text"),
                    )
                    for answer in values["answers"]
                ],
                channel=values["channel"],
                language=values["language"],
                customer_id=values.get("customer_id") or None,
                submitted_at=values.get("submitted_at"),
                segment=values.get("segment") or {},
                contact_consent=values["contact_consent"],
            )
        )
        output = self.OutputSerializer({"id": result.response_id, "created": result.created})
        return Response(
            output.data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )

    @extend_schema(exclude=True)
    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        """CORS preflight: the touchpoint is not known yet, so any active touchpoint's origin."""
        response = Response(status=status.HTTP_204_NO_CONTENT)
        origin = request.META.get("HTTP_ORIGIN", "")
        if origin and origin_allowed_anywhere(origin=origin):
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
        patch_vary_headers(response, ["Origin"])
        return response

    def _throttle(self, request: Request, *, public_key: str) -> None:
        wait = rate_limit_check(
            client_ip=client_ip_from_request(request._request), public_key=public_key
        )
        if wait is not None:
            raise _ThrottledError(wait)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _ThrottledError):
            response = Response(
                {
                    "detail": _("Too many requests. Try again in %(seconds)d seconds.")
                    % {"seconds": exc.wait}
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
            response["Retry-After"] = str(exc.wait)
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "POST":
            origin = request.META.get("HTTP_ORIGIN", "")
            if origin and self._origin_allowed(origin):
                response["Access-Control-Allow-Origin"] = origin
                response["Access-Control-Expose-Headers"] = "Retry-After"
            patch_vary_headers(response, ["Origin"])
        return response

    def _origin_allowed(self, origin: str) -> bool:
        """The named touchpoint's origins; before a touchpoint is known, any active one's."""
        if self._cors_key is None:
            return origin_allowed_anywhere(origin=origin)
        if not PUBLIC_KEY_RE.fullmatch(self._cors_key):
            return False
        touchpoint = touchpoint_get_public(public_key=self._cors_key)
        if touchpoint is None:
            return False
        wanted = origin.strip().lower()
        return any(allowed.lower() == wanted for allowed in touchpoint.origin_list)


class _ThrottledError(Exception):
    def __init__(self, wait: int) -> None:
        super().__init__(wait)
        self.wait = wait
