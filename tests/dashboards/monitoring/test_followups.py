"""Detractor follow-up: consenting customers with a bad experience reach the owning department's
queue once, with a due date two working days later; the queue is scoped and keeps who and when."""

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from cxmonitor.errors import ApplicationError
from dashboards.monitoring.models import FollowUp
from dashboards.monitoring.services.followups import (
    add_working_days,
    followup_update,
    followups_scan,
)
from surveys.models import Item, Response
from surveys.services import AnswerInput, SubmissionInput, response_submit
from tests import factories
from touchpoints.models import Touchpoint

_ids = itertools.count(1)
BERLIN = ZoneInfo("Europe/Berlin")


class Survey:
    def __init__(self, org: object | None = None, dept_name: str = "Logistik") -> None:
        org = org or factories.organisation()
        phase = factories.journey(org=org).phases.get(order=1)  # type: ignore[arg-type]
        self.dept = factories.department(org=org, name=dept_name)  # type: ignore[arg-type]
        self.tp: Touchpoint = factories.touchpoint(phase=phase, dept=self.dept, name="Lieferung")
        srv = factories.survey(tp=self.tp, paired=2)
        self.paired = list(srv.items.filter(kind=Item.Kind.PAIRED).order_by("order"))
        self.nps = srv.items.get(kind=Item.Kind.NPS)
        self.contact = Item.objects.create(
            survey=srv, kind=Item.Kind.CONTACT, label_de="Kontakt", label_en="Contact", order=20
        )

    def submit(
        self,
        *,
        nps: int,
        gaps: tuple[tuple[int, int], tuple[int, int]] = ((5, 5), (5, 5)),
        consent: bool,
        contact: str | None = None,
        at: datetime | None = None,
    ) -> Response:
        answers = [
            AnswerInput(item_id=item.pk, expectation=e, satisfaction=s)
            for item, (e, s) in zip(self.paired, gaps, strict=True)
        ]
        answers.append(AnswerInput(item_id=self.nps.pk, value=nps))
        if contact is not None:
            answers.append(AnswerInput(item_id=self.contact.pk, text=contact))
        result = response_submit(
            submission=SubmissionInput(
                public_key=self.tp.public_key,
                submission_id=f"fu-{next(_ids)}",
                answers=answers,
                channel="page",
                language="de",
                submitted_at=at,
                contact_consent=consent,
            )
        )
        return Response.objects.get(pk=result.response_id)


def test_add_working_days_skips_weekends() -> None:
    assert add_working_days(date(2026, 6, 25), 2) == date(2026, 6, 29)  # Thu -> Mon
    assert add_working_days(date(2026, 6, 26), 2) == date(2026, 6, 30)  # Fri -> Tue
    assert add_working_days(date(2026, 6, 27), 2) == date(2026, 6, 30)  # Sat -> Tue
    assert add_working_days(date(2026, 6, 22), 2) == date(2026, 6, 24)  # Mon -> Wed


@pytest.mark.django_db
def test_only_consenting_detractors_and_disappointed_customers_are_queued() -> None:
    s = Survey()
    detractor = s.submit(nps=3, consent=True, contact="0171 1234567")
    disappointed = s.submit(nps=9, gaps=((6, 4), (5, 5)), consent=True, contact="a@b.example")
    silent_detractor = s.submit(nps=2, consent=False)
    promoter = s.submit(nps=10, consent=True, contact="c@d.example")
    mild = s.submit(nps=7, gaps=((6, 5), (5, 4)), consent=True)
    # The capture service refuses contact data without consent
    with pytest.raises(ApplicationError):
        s.submit(nps=1, consent=False, contact="e@f.example")

    result = followups_scan()

    queued = {f.response_id: f for f in FollowUp.objects.all()}
    assert set(queued) == {detractor.pk, disappointed.pk}
    assert result.created == 2 and result.scanned == 4
    assert silent_detractor.pk not in queued and promoter.pk not in queued
    assert mild.pk not in queued
    assert queued[detractor.pk].nps == 3 and queued[detractor.pk].department == s.dept
    assert queued[disappointed.pk].worst_gap == -2
    today = timezone.now().astimezone(BERLIN).date()
    assert queued[detractor.pk].due_date == add_working_days(today, 2)
    assert queued[detractor.pk].status == "open"

    # A second scan (the next ten-minute run) adds nothing
    again = followups_scan()
    assert again.created == 0 and FollowUp.objects.count() == 2


@pytest.mark.django_db
def test_the_follow_up_goes_with_its_response() -> None:
    s = Survey()
    response = s.submit(nps=0, consent=True, contact="0171 7654321")
    followups_scan()
    assert FollowUp.objects.filter(response=response).exists()
    Response.objects.filter(pk=response.pk).delete()
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_late_api_answers_are_found_and_old_ones_only_on_request() -> None:
    s = Survey()
    # The API accepts answers up to 30 days old; the scan still finds them
    s.submit(nps=1, consent=True, at=timezone.now() - timedelta(days=25))
    assert followups_scan().created == 1
    old = factories.response(
        srv=s.paired[0].survey,
        scores={s.nps.pk: 0},
        submitted_at=timezone.now() - timedelta(days=60),
    )
    Response.objects.filter(pk=old.pk).update(contact_consent=True)
    assert followups_scan().created == 0
    assert followups_scan(submitted_from=timezone.now() - timedelta(days=90)).created == 1


@pytest.mark.django_db
def test_queue_page_scoped_filtered_and_status_changes_kept() -> None:
    org = factories.organisation()
    logistik = Survey(org, "Logistik")
    service = Survey(org, "Service")
    mine = logistik.submit(nps=2, consent=True, contact="0171 111")
    theirs = service.submit(nps=4, consent=True, contact="0171 222")
    foreign = Survey().submit(nps=1, consent=True, contact="0171 333")
    followups_scan()
    manager = factories.manager(org)
    client = Client()
    client.force_login(manager)

    page = client.get("/dashboard/followups/").content.decode()
    assert "0171 111" in page and "0171 222" in page and "0171 333" not in page
    filtered = client.get(f"/dashboard/followups/?department={logistik.dept.pk}").content.decode()
    assert "0171 111" in filtered and "0171 222" not in filtered

    followup = FollowUp.objects.get(response=mine)
    response = client.post(
        f"/dashboard/followups/{followup.pk}/",
        {"status": "contacted", "notes": "Rückruf vereinbart", "assign": "me"},
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == "contacted" and followup.contacted_by == manager
    assert followup.contacted_at is not None and followup.assignee == manager
    assert followup.notes == "Rückruf vereinbart"

    swapped = client.post(
        f"/dashboard/followups/{followup.pk}/", {"status": "resolved"}, HTTP_HX_REQUEST="true"
    )
    assert swapped.content.decode().lstrip().startswith(f'<tr id="followup-{followup.pk}"')
    followup.refresh_from_db()
    assert followup.status == "resolved" and followup.resolved_by == manager
    # Resolved ones leave the default view
    assert "0171 111" not in client.get("/dashboard/followups/").content.decode()

    # Another organisation's follow-up is not found
    other = FollowUp.objects.get(response=foreign)
    assert (
        client.post(f"/dashboard/followups/{other.pk}/", {"status": "resolved"}).status_code == 404
    )
    other.refresh_from_db()
    assert other.status == "open"
    assert FollowUp.objects.get(response=theirs).status == "open"


@pytest.mark.django_db
def test_invalid_status_is_refused() -> None:
    s = Survey()
    s.submit(nps=2, consent=True)
    followups_scan()
    followup = FollowUp.objects.get()
    user = factories.manager(s.tp.phase.journey.organisation)
    with pytest.raises(ApplicationError):
        followup_update(followup=followup, user=user, status="lost")
    reopened = followup_update(followup=followup, user=user, status="resolved")
    assert reopened.resolved_by == user and reopened.contacted_by == user
    reopened = followup_update(followup=followup, user=user, status="open")
    assert reopened.resolved_at is None
