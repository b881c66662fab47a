"""Data subject access and erasure: every response of one customer, by the pseudonymous key."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from dashboards.statistics.services.aggregation import aggregate_touchpoint_day
from surveys.privacy import customer_key_from_id
from surveys.selectors import response_list_for_customer
from surveys.services import responses_delete_for_customer


def customer_data_export(*, customer_id: str) -> dict[str, Any]:
    """Everything stored about one customer, as JSON-ready data (never the raw id itself)."""
    responses = response_list_for_customer(customer_key=customer_key_from_id(customer_id))
    out = []
    for response in responses:
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
    return {"responses": out}


@dataclass(frozen=True)
class ErasureResult:
    responses: int
    days_recomputed: list[tuple[int, date]]


@transaction.atomic
def customer_data_erase(*, customer_id: str) -> ErasureResult:
    """Delete one customer's responses (answers and follow-ups cascade) and fix the statistics.

    One transaction: the daily statistics never count answers that are gone.
    """
    key = customer_key_from_id(customer_id)
    count = response_list_for_customer(customer_key=key).count()
    days = responses_delete_for_customer(customer_key=key)
    for touchpoint_id, day in days:
        aggregate_touchpoint_day(touchpoint_id=touchpoint_id, day=day)
    return ErasureResult(responses=count, days_recomputed=days)
