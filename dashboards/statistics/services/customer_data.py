"""Data subject access and erasure: every response of one customer, found by any identifier.

An identifier reaches its customer's whole cluster (golden record): every linked response is
exported or erased, and with erasure the identifier graph of that customer goes too.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from dashboards.statistics.services.aggregation import aggregate_touchpoint_day
from surveys.identity.models import CUSTOMER_ID_KIND
from surveys.identity.selectors import customer_keys_for_identifier
from surveys.identity.services import customer_graph_erase
from surveys.selectors import response_list_for_customer
from surveys.services import responses_delete_for_customer


def _keys(customer_id: str, kind: str, organisation_id: int | None) -> list[str]:
    return customer_keys_for_identifier(kind=kind, raw=customer_id, organisation_id=organisation_id)


def customer_data_export(
    *, customer_id: str, kind: str = CUSTOMER_ID_KIND, organisation_id: int | None = None
) -> dict[str, Any]:
    """Everything stored about one customer, as JSON-ready data (never the raw id itself)."""
    out = []
    for key in _keys(customer_id, kind, organisation_id):
        for response in response_list_for_customer(customer_key=key):
            touchpoint = response.touchpoint
            out.append(
                {
                    "organisation": touchpoint.phase.journey.organisation.name,
                    "touchpoint": touchpoint.name,
                    "submitted_at": response.submitted_at.isoformat(),
                    "channel": response.channel,
                    "language": response.language,
                    "survey_version": response.survey.version,
                    "contact_consent": response.contact_consent,
                    "segment": response.segment,
                    "answers": [
                        {
                            "question": answer.item.label_in(response.language),
                            "kind": answer.item.kind,
                            "expectation": answer.expectation,
                            "satisfaction": answer.satisfaction,
                            "value": answer.value,
                            "text": answer.text or None,
                        }
                        for answer in response.answers.all()
                    ],
                }
            )
    out.sort(key=lambda r: r["submitted_at"])
    return {"responses": out}


@dataclass(frozen=True)
class ErasureResult:
    responses: int
    days_recomputed: list[tuple[int, date]]


@transaction.atomic
def customer_data_erase(
    *, customer_id: str, kind: str = CUSTOMER_ID_KIND, organisation_id: int | None = None
) -> ErasureResult:
    """Delete one customer's responses (answers and follow-ups cascade) and fix the statistics.

    One transaction: the daily statistics never count answers that are gone, and the
    customer's identifiers and links are deleted with them.
    """
    keys = _keys(customer_id, kind, organisation_id)
    count = 0
    days: set[tuple[int, date]] = set()
    for key in keys:
        count += response_list_for_customer(customer_key=key).count()
        days.update(responses_delete_for_customer(customer_key=key))
    customer_graph_erase(keys=keys, organisation_id=organisation_id)
    for touchpoint_id, day in sorted(days):
        aggregate_touchpoint_day(touchpoint_id=touchpoint_id, day=day)
    return ErasureResult(responses=count, days_recomputed=sorted(days))
