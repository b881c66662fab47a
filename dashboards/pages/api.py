"""Read API: KPIs per touchpoint from the daily statistics, and the raw-answer CSV export."""

import csv
from collections.abc import Iterator
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cxmonitor.errors import ApplicationError
from dashboards.analytics import SMALL_N, Estimate, nps_kpi, paired_kpis
from dashboards.pages.exports import spreadsheet_safe
from dashboards.statistics.selectors.export import EXPORT_COLUMNS, answer_export_rows
from dashboards.statistics.selectors.kpis import TouchpointPeriod, kpi_rollup
from touchpoints.models import Organisation
from touchpoints.selectors import organisation_list_for_user, user_is_consultant

# Longest period one KPI request may span: three years (with a leap day).
MAX_PERIOD_DAYS = 3 * 365 + 1
# Cells a spreadsheet would run as a formula; such cells get a leading quote.


class _DatedQuery(serializers.Serializer[Any]):
    """Query parameters `from` and `to` (a Python keyword, hence declared in get_fields)."""

    date_required = True

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        required = self.date_required
        return {
            "from": serializers.DateField(
                required=required, help_text="First day (inclusive), YYYY-MM-DD."
            ),
            "to": serializers.DateField(
                required=required, help_text="Last day (inclusive), YYYY-MM-DD."
            ),
            **fields,
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": [_("Must not be before 'from'.")]})
        return attrs


def _query(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    """Validated query parameters, or a 400 with a message per field.

    A parameter given empty (`?touchpoint=`) is an error, not a silent "all": a client that
    meant a value must learn that it sent none.
    """
    raw = serializer.initial_data
    values = raw.getlist if hasattr(raw, "getlist") else lambda key: [raw.get(key)]
    empty: dict[str, list[str]] = {
        str(key): [_("Give a value or leave the parameter out.")]
        for key in serializer.fields
        if key in raw and not any(str(value or "").strip() for value in values(key))
    }
    if not serializer.is_valid() or empty:
        fields = {
            key: [str(message) for message in messages]
            for key, messages in serializer.errors.items()
        }
        raise ApplicationError(_("Invalid query parameters."), fields={**fields, **empty})
    return dict(serializer.validated_data)


def _organisations(request: Request, slug: str | None) -> list[Organisation]:
    """The caller's organisations, optionally narrowed to one slug (404 if not theirs)."""
    organisations = organisation_list_for_user(user=request.user)
    if slug:
        organisations = organisations.filter(slug=slug)
        if not organisations.exists():
            raise ApplicationError(
                _("Unknown organisation."),
                fields={"organisation": [_("Not found.")]},
                status_code=404,
            )
    return list(organisations)


class _EstimateSerializer(serializers.Serializer[Any]):
    mean = serializers.FloatField(allow_null=True, help_text="Null when there are no answers.")
    ci = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="95% t interval [low, high]; null below two answers.",
    )


class _NpsSerializer(serializers.Serializer[Any]):
    value = serializers.FloatField(allow_null=True, help_text="-100..100; null without answers.")
    ci = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="95% interval; null below two answers.",
    )
    n = serializers.IntegerField()


class _ItemKpiSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField(help_text="Item id.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    n = serializers.IntegerField(help_text="Answers in the period.")
    expectation = _EstimateSerializer()
    satisfaction = _EstimateSerializer()
    gap = _EstimateSerializer(help_text="Satisfaction minus expectation (paired difference).")


class _TouchpointKpiSerializer(serializers.Serializer[Any]):
    touchpoint = serializers.CharField(help_text="The touchpoint's public key.")
    name = serializers.CharField()
    phase = serializers.CharField(help_text="Phase name in the request's language.")
    n = serializers.IntegerField(help_text="Responses in the period.")
    expectation = _EstimateSerializer(help_text="Pooled over all paired items.")
    satisfaction = _EstimateSerializer(help_text="Pooled over all paired items.")
    gap = _EstimateSerializer(help_text="Pooled over all paired items.")
    nps = _NpsSerializer()
    small_n = serializers.BooleanField(
        help_text=f"Fewer than {SMALL_N} responses or paired answers: indicative only."
    )
    items = _ItemKpiSerializer(many=True, help_text="Paired items.")


class _KpiOutputSerializer(_DatedQuery):
    touchpoints = _TouchpointKpiSerializer(many=True)


class _ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]  # a field, not .errors
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


def _estimate(estimate: Estimate) -> dict[str, Any]:
    return {"mean": estimate.value, "ci": list(estimate.ci) if estimate.ci else None}


def _touchpoint_kpis(period: TouchpointPeriod, language: str) -> dict[str, Any]:
    kpis = paired_kpis(period.paired)
    nps = nps_kpi(period.nps)
    items = []
    for item in period.items:
        if item.paired is None:
            continue
        item_kpis = paired_kpis(item.paired)
        items.append(
            {
                "item": item.item_id,
                "label": item.label_de if language == "de" else item.label_en,
                "n": item.paired.n,
                "expectation": _estimate(item_kpis.expectation),
                "satisfaction": _estimate(item_kpis.satisfaction),
                "gap": _estimate(item_kpis.gap),
            }
        )
    return {
        "touchpoint": period.public_key,
        "name": period.name,
        "phase": period.phase_name_in(language),
        "n": period.responses,
        "expectation": _estimate(kpis.expectation),
        "satisfaction": _estimate(kpis.satisfaction),
        "gap": _estimate(kpis.gap),
        "nps": {"value": nps.value, "ci": list(nps.ci) if nps.ci else None, "n": nps.n},
        "small_n": kpis.small_n or period.responses < SMALL_N,
        "items": items,
    }


class KpiListApi(APIView):
    """KPIs per touchpoint for a period, from the daily statistics."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    class InputSerializer(_DatedQuery):
        touchpoint = serializers.CharField(
            required=False, max_length=64, help_text="A touchpoint's public key."
        )
        phase = serializers.IntegerField(required=False, min_value=1, help_text="Phase id.")
        item = serializers.IntegerField(required=False, min_value=1, help_text="Item id.")
        organisation = serializers.SlugField(
            required=False, max_length=80, help_text="Only this organisation (slug)."
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            attrs = super().validate(attrs)
            if (attrs["to"] - attrs["from"]).days + 1 > MAX_PERIOD_DAYS:
                raise serializers.ValidationError(
                    {"to": [_("The period may span at most three years.")]}
                )
            return attrs

    @extend_schema(
        operation_id="kpis_list",
        parameters=[InputSerializer],
        responses={
            200: _KpiOutputSerializer,
            400: OpenApiResponse(_ErrorSerializer, description="Invalid query parameters."),
            401: OpenApiResponse(description="Not authenticated."),
            404: OpenApiResponse(
                _ErrorSerializer, description="Unknown touchpoint or organisation."
            ),
        },
        description=(
            "Per active touchpoint of the caller's organisations: responses (n), mean expectation "
            "and satisfaction pooled over its paired items, the gap with the interval of the "
            "paired difference, NPS with its interval, a small-n flag, and per paired item the "
            "same means. Answers from the daily statistics (local days of each organisation)."
        ),
    )
    def get(self, request: Request) -> Response:
        query = _query(self.InputSerializer(data=request.query_params))
        organisations = _organisations(request, query.get("organisation"))
        key = query.get("touchpoint")
        periods = kpi_rollup(
            organisation_ids=[o.pk for o in organisations],
            start=query["from"],
            end=query["to"],
            touchpoint_keys=[key] if key else None,
            phase_ids=[query["phase"]] if "phase" in query else None,
            item_ids=[query["item"]] if "item" in query else None,
        )
        if key and not periods:
            raise ApplicationError(
                _("Unknown touchpoint."), fields={"touchpoint": [_("Not found.")]}, status_code=404
            )
        language = (translation.get_language() or "en")[:2]
        data = {
            "from": query["from"],
            "to": query["to"],
            "touchpoints": [_touchpoint_kpis(period, language) for period in periods],
        }
        return Response(_KpiOutputSerializer(data).data)


class IsConsultant(BasePermission):
    """Consultants (and superusers) only."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return user_is_consultant(user=request.user)


class _EchoBuffer:
    """csv.writer target that hands each formatted line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    writer = csv.writer(_EchoBuffer())
    yield writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        yield writer.writerow([spreadsheet_safe(cell) for cell in row])


class ResponseExportApi(APIView):
    """The raw answers as CSV, streamed (consultants only)."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, IsConsultant]

    class InputSerializer(_DatedQuery):
        date_required = False
        organisation = serializers.SlugField(
            required=False, max_length=80, help_text="Only this organisation (slug)."
        )

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # Errors are answered as JSON even to a client that only accepts text/csv.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="responses_export_csv",
        parameters=[InputSerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "One line per answer: " + ", ".join(EXPORT_COLUMNS) + ". Times in UTC, "
                    "local_day in the organisation's time zone; text cells that a spreadsheet "
                    "would run as a formula start with a quote."
                ),
            ),
            400: OpenApiResponse(_ErrorSerializer, description="Invalid query parameters."),
            401: OpenApiResponse(description="Not authenticated."),
            403: OpenApiResponse(description="Not a consultant."),
            404: OpenApiResponse(_ErrorSerializer, description="Unknown organisation."),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = _query(self.InputSerializer(data=request.query_params))
        organisations = _organisations(request, query.get("organisation"))
        language = (translation.get_language() or "en")[:2]
        rows = answer_export_rows(
            organisations=organisations,
            start=query.get("from"),
            end=query.get("to"),
            language=language,
        )
        response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
        name = "-".join(
            ["responses", *(d.isoformat() for d in (query.get("from"), query.get("to")) if d)]
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response["Cache-Control"] = "no-store"
        return response
