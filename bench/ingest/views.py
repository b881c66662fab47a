"""A bare Django view that writes the same rows as the responses API, without any checks."""

import json

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from surveys.models import Answer, Response, Survey


@csrf_exempt
def bare_create(request: HttpRequest) -> JsonResponse:
    """Parse JSON, find the active survey by public key, insert Response + Answers: nothing else."""
    body = json.loads(request.body)
    survey_id, touchpoint_id = (
        Survey.objects.filter(touchpoint__public_key=body["touchpoint"], is_active=True)
        .values_list("id", "touchpoint_id")
        .get()
    )
    with transaction.atomic():
        response = Response.objects.create(
            touchpoint_id=touchpoint_id,
            survey_id=survey_id,
            submitted_at=timezone.now(),
            channel=body.get("channel", "api"),
            language=body["language"],
            submission_id=body["submission_id"],
        )
        Answer.objects.bulk_create(
            Answer(
                response=response,
                item_id=a["item"],
                expectation=a.get("expectation"),
                satisfaction=a.get("satisfaction"),
                value=a.get("value"),
                text=a.get("text") or "",
            )
            for a in body["answers"]
        )
    return JsonResponse({"id": response.pk, "created": True}, status=201)
