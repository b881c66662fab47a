"""Analysis page: reasons given after "why?" per touchpoint, "not experienced" share per item."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dashboards.statistics.services.aggregation import aggregate_range
from surveys.models import Item, WhyAnswer, WhyReason
from surveys.services import AnswerInput, SubmissionInput, response_submit
from tests import factories as f

pytestmark = pytest.mark.django_db


def _submit(tp_key: str, sid: str, answers: list[AnswerInput]) -> int:
    result = response_submit(
        submission=SubmissionInput(
            public_key=tp_key, submission_id=sid, answers=answers, channel="api", language="de"
        )
    )
    return result.response_id


def test_analysis_page_shows_reasons_and_not_experienced_shares() -> None:
    # given: a Hotline whose survey asks why, with 5 answers to it, and 2 of 8 skipping an item
    tp = f.touchpoint(name="Hotline")
    survey = f.survey(tp=tp, paired=2)
    survey.why_satisfaction_max = 3
    survey.save()
    paired = list(survey.items.filter(kind="paired").order_by("order"))
    Item.objects.filter(pk=paired[1].pk).update(allow_not_experienced=True)
    nps = survey.items.get(kind="nps")
    slow = WhyReason.objects.create(
        survey=survey, key="slow", label_de="Zu langsam", label_en="Too slow"
    )
    rude = WhyReason.objects.create(
        survey=survey, key="rude", label_de="Unfreundlich", label_en="Rude"
    )
    for n in range(8):
        second = (
            AnswerInput(item_id=paired[1].pk, not_experienced=True)
            if n < 2
            else AnswerInput(item_id=paired[1].pk, expectation=5, satisfaction=5)
        )
        response_id = _submit(
            tp.public_key,
            f"s{n}",
            [
                AnswerInput(item_id=paired[0].pk, expectation=6, satisfaction=2),
                second,
                AnswerInput(item_id=nps.pk, value=5),
            ],
        )
        if n < 5:
            answer = WhyAnswer.objects.create(response_id=response_id, text="x" if n < 1 else "")
            answer.reasons.set([slow] if n < 4 else [slow, rude])
    org = tp.phase.journey.organisation
    today = timezone.localdate(timezone=org.tzinfo)
    aggregate_range(touchpoint_ids=[tp.pk], start=today - timedelta(days=1), end=today)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(f.manager(org))

    # when
    page = client.get("/dashboard/analysis/", {"period": "7"}).content.decode()

    # then: the reasons with counts and shares of the 5 answers, and the 25 % not experienced
    why = page.split('id="why"', 1)[1].split("</section>", 1)[0]
    assert "Hotline" in why and "Answers to “why?”" in why and "(1 with text)" in why
    assert "Too slow" in why and "Rude" in why
    assert '<td class="num">5</td><td class="num">100 %</td>' in why
    assert '<td class="num">1</td><td class="num">20 %</td>' in why
    skipped = page.split('id="not-experienced"', 1)[1].split("</section>", 1)[0]
    assert paired[1].label_en in skipped
    assert '<td class="num">2</td><td class="num">8</td><td class="num">25 %</td>' in skipped
