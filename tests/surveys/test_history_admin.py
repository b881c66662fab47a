"""The consultant's pages: import history (upload → columns → preview → import, rollback) and
the golden-record overview with a mapping upload."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys.models import Customer, IdentifierKind, ImportBatch, Response
from surveys.services import AnswerInput, SubmissionInput, response_submit
from tests import factories
from tests.surveys.history_support import eager_tasks  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]


def _client() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(factories.consultant())
    return client


def test_upload_map_preview_import_and_roll_back() -> None:
    tp = factories.touchpoint()
    srv = factories.survey(tp=tp, paired=1, comment=False)
    paired, nps = srv.items.order_by("order")
    day = (timezone.now() - timedelta(days=200)).date()
    content = f"when;exp;sat;rec\n{day} 10:00;5;6;9\n{day} 11:00;5;8;9\n".encode()
    client = _client()
    org = tp.phase.journey.organisation

    page = client.post(
        reverse("admin:history_import"),
        {"organisation": org.pk, "touchpoint": tp.pk, "file": SimpleUploadedFile("h.csv", content)},
    )
    assert page.status_code == 302
    columns = {
        "col0": "submitted_at",
        "col1": f"item:{paired.pk}:expectation",
        "col2": f"item:{paired.pk}:satisfaction",
        "col3": f"item:{nps.pk}:value",
    }
    preview = client.post(reverse("admin:history_import_columns"), {**columns, "preview": "1"})
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "2 rows: 1 would be imported, 0 are already stored, 1 are rejected." in text
    assert "<td>3</td><td>sat</td><td>Enter a number from 1 to 7.</td>" in text
    assert Response.objects.count() == 0 and ImportBatch.objects.count() == 0

    done = client.post(reverse("admin:history_import_columns"), {**columns, "import": "1"})
    batch = ImportBatch.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/{batch.pk}/change/")
    assert Response.objects.get().channel == "import"

    listing = client.post(
        reverse("admin:surveys_importbatch_changelist"),
        {"action": "rollback", "_selected_action": [batch.pk]},
    )
    assert listing.status_code == 302
    assert Response.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK


def test_overview_counts_and_mapping_upload() -> None:
    tp = factories.touchpoint()
    srv = factories.survey(tp=tp, paired=1, comment=False)
    org = tp.phase.journey.organisation
    IdentifierKind.objects.create(
        organisation=org, code="email", label_de="E-Mail", label_en="E-mail", normalisation="email"
    )
    paired, nps = srv.items.order_by("order")
    for i, ids in enumerate(({"email": "a@x.example"}, {"email": "b@x.example"})):
        response_submit(
            submission=SubmissionInput(
                public_key=tp.public_key,
                submission_id=f"s{i}",
                answers=[AnswerInput(paired.pk, 5, 5), AnswerInput(nps.pk, value=9)],
                channel="api",
                language="de",
                customer_id=f"K{i}",
                identifiers=ids,
            )
        )
    client = _client()
    url = reverse("admin:surveys_customer_changelist")
    page = client.get(url).content.decode()
    assert f"<td>{org}</td><td>4</td>" in page
    upload = SimpleUploadedFile("map.csv", b"customer_id;email\nK0;B@X.example\n")
    done = client.post(url, {"organisation": org.pk, "file": upload})
    assert done.status_code == 302
    assert Customer.objects.filter(organisation=org).count() == 1
    page = client.get(url).content.decode()
    assert "customers 2 → 1; 1 merges" in page
    assert (
        f"<td>{org}</td><td>4</td>\n      <td>customer_id: 2, email: 2</td>\n"
        "      <td>1</td><td>1</td><td>1</td><td>0</td>" in page
    )
