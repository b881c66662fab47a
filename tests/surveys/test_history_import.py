"""History import: the capture rules for every row, an exact problem report, nothing twice,
rollback that recomputes the daily statistics."""

import json
from datetime import datetime, time, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.utils import timezone

from dashboards.models import DailyStat, TouchpointDay
from surveys.models import (
    Answer,
    Customer,
    IdentifierKind,
    ImportBatch,
    Item,
    Response,
    ResponseIdentifier,
)
from surveys.privacy import customer_key_from_id
from tests import factories
from tests.surveys.history_support import eager_tasks, english  # noqa: F401
from touchpoints.models import Touchpoint

# Tasks sent by name run in-process, also when REDIS_URL points Celery at a broker.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("eager_tasks", "english"),
]
BERLIN = ZoneInfo("Europe/Berlin")


def _setup() -> tuple[Touchpoint, list[Item]]:
    tp = factories.touchpoint()
    srv = factories.survey(tp=tp, paired=1)
    items = list(srv.items.order_by("order"))
    return tp, items


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _file(tmp_path: Path) -> Path:
    old = (timezone.now() - timedelta(days=400)).astimezone(BERLIN).date()
    future = (timezone.now() + timedelta(days=3)).astimezone(BERLIN).date()
    return _write(
        tmp_path / "history.csv",
        [
            "Datum;Merkmal 1 Erwartung;Merkmal 1 Zufriedenheit;Empfehlung;Kommentar;Sprache",
            f"{old} 10:00;6;4;9;Gut;de",  # line 2: good, 400 days back
            f"{old} 11:00;6;9;9;;de",  # line 3: satisfaction outside 1-7
            f"{old} 12:00;5;5;;;en",  # line 4: required NPS missing
            f"{future} 09:00;5;5;8;;de",  # line 5: in the future
            f"{old} 13:00;x;5;7;;de",  # line 6: not a whole number
            f"{old};7;6;10;;en",  # line 7: good, date only
            f"{old} 14:00;5;5;5;{'x' * 2001};de",  # line 8: comment too long
        ],
    )


def test_import_stores_good_rows_and_reports_each_bad_one(tmp_path: Path) -> None:
    tp, items = _setup()
    out = StringIO()
    call_command("import_responses", str(_file(tmp_path)), touchpoint=tp.public_key, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:-1] == [
        "line 3, column Merkmal 1 Zufriedenheit: Enter a number from 1 to 7.",
        "line 4, column Empfehlung: This question needs an answer.",
        "line 5, column Datum: The time lies in the future.",
        "line 6, column Merkmal 1 Erwartung: Enter a whole number.",
        "line 8, column Kommentar: Enter at most 2000 characters.",
    ]
    assert lines[-1].startswith("7 rows read: 2 imported, 0 already stored, 5 rejected.")
    responses = Response.objects.filter(touchpoint=tp).order_by("submitted_at")
    assert responses.count() == 2
    assert set(responses.values_list("channel", flat=True)) == {"import"}
    batch = ImportBatch.objects.get()
    assert set(responses.values_list("import_batch", flat=True)) == {batch.pk}
    first = responses[0]
    old = (timezone.now() - timedelta(days=400)).astimezone(BERLIN).date()
    # A date without a time is local midnight in the organisation's time zone.
    assert first.submitted_at == datetime.combine(old, time.min, tzinfo=BERLIN)
    assert Answer.objects.filter(response__touchpoint=tp).count() == 3 + 2
    # Nothing of a rejected row: only the two good rows' answers exist.
    assert sorted(
        Answer.objects.filter(item=items[0]).values_list("expectation", "satisfaction")
    ) == [(6, 4), (7, 6)]
    # The affected day was aggregated in one pass and no alert mail went out.
    day = TouchpointDay.objects.get(touchpoint=tp, day=old)
    assert day.responses == 2
    assert mail.outbox == []


def test_reimport_stores_nothing_twice(tmp_path: Path) -> None:
    tp, _items = _setup()
    path = _file(tmp_path)
    call_command("import_responses", str(path), touchpoint=tp.public_key, stdout=StringIO())
    out = StringIO()
    call_command("import_responses", str(path), touchpoint=tp.public_key, stdout=out)
    assert "7 rows read: 0 imported, 2 already stored, 5 rejected." in out.getvalue()
    assert Response.objects.filter(touchpoint=tp).count() == 2


def test_named_id_column_is_the_submission_id(tmp_path: Path) -> None:
    tp, items = _setup()
    old = (timezone.now() - timedelta(days=40)).date()
    path = _write(
        tmp_path / "a.csv",
        ["id,date,m1e,m1s,nps", f"A-1,{old}T10:00:00+00:00,3,4,6", f"A-2,{old},3,5,7"],
    )
    mapping = {
        "touchpoint": tp.public_key,
        "submitted_at": "date",
        "submission_id": "id",
        "columns": {
            "m1e": f"item:{items[0].pk}:expectation",
            "m1s": f"item:{items[0].pk}:satisfaction",
            "nps": f"item:{items[1].pk}:value",
        },
    }
    map_path = tmp_path / "map.json"
    map_path.write_text(json.dumps(mapping))
    call_command("import_responses", str(path), mapping=str(map_path), stdout=StringIO())
    assert sorted(Response.objects.values_list("submission_id", flat=True)) == [
        "imp:A-1",
        "imp:A-2",
    ]
    # The same ids with other content: the first import counts.
    _write(path, ["id,date,m1e,m1s,nps", f"A-1,{old},1,1,1"])
    out = StringIO()
    call_command("import_responses", str(path), mapping=str(map_path), stdout=out)
    assert "0 imported, 1 already stored" in out.getvalue()


def test_rollback_removes_the_batch_and_recomputes_statistics(tmp_path: Path) -> None:
    tp, items = _setup()
    day = (timezone.now() - timedelta(days=100)).astimezone(BERLIN).date()
    live = factories.response(
        srv=items[0].survey,
        scores={items[0].pk: (5, 5), items[1].pk: 8},
        submitted_at=datetime.combine(day, time(9), tzinfo=BERLIN),
    )
    path = _write(
        tmp_path / "h.csv",
        [
            "date,Merkmal 1 Erwartung,Merkmal 1 Zufriedenheit,Empfehlung",
            f"{day} 10:00,7,3,2",
            f"{day} 11:00,6,2,1",
        ],
    )
    call_command("import_responses", str(path), touchpoint=tp.public_key, stdout=StringIO())
    stat = DailyStat.objects.get(touchpoint=tp, item=items[0], day=day)
    assert (stat.n, stat.sum_e, stat.sum_s) == (3, 18, 10)
    batch = ImportBatch.objects.get()
    out = StringIO()
    call_command("import_responses", rollback=batch.pk, stdout=out)
    assert f"Batch {batch.pk} rolled back: 2 responses deleted." in out.getvalue()
    assert list(Response.objects.values_list("pk", flat=True)) == [live.pk]
    stat = DailyStat.objects.get(touchpoint=tp, item=items[0], day=day)
    assert (stat.n, stat.sum_e, stat.sum_s) == (1, 5, 5)
    nps = DailyStat.objects.filter(touchpoint=tp, item=items[1]).aggregate(n=Sum("n"))
    assert nps["n"] == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ROLLED_BACK


def test_bad_mapping_and_unknown_touchpoint_fail_clearly(tmp_path: Path) -> None:
    tp, _items = _setup()
    path = _write(tmp_path / "x.csv", ["date,foo", "2024-01-01,1"])
    map_path = tmp_path / "map.json"
    map_path.write_text(json.dumps({"touchpoint": tp.public_key, "submitted_at": "Datum"}))
    with pytest.raises(CommandError, match="no column Datum"):
        call_command("import_responses", str(path), mapping=str(map_path))
    with pytest.raises(CommandError, match="Unknown touchpoint"):
        call_command("import_responses", str(path), touchpoint="nope")
    assert Response.objects.count() == 0
    assert ImportBatch.objects.count() == 0


def test_live_channels_still_refuse_old_answers_and_the_import_channel() -> None:
    from cxmonitor.errors import ApplicationError
    from surveys.services import AnswerInput, SubmissionInput, response_submit

    tp, items = _setup()
    answers = [
        AnswerInput(item_id=items[0].pk, expectation=5, satisfaction=5),
        AnswerInput(item_id=items[1].pk, value=9),
    ]

    def submit(sub: str, channel: str, submitted_at: datetime | None = None) -> None:
        response_submit(
            submission=SubmissionInput(
                public_key=tp.public_key,
                submission_id=sub,
                answers=answers,
                channel=channel,
                language="de",
                submitted_at=submitted_at,
            )
        )

    with pytest.raises(ApplicationError) as error:
        submit("a", "import")
    assert "channel" in error.value.fields
    with pytest.raises(ApplicationError) as error:
        submit("b", "api", timezone.now() - timedelta(days=31))
    assert error.value.fields["submitted_at"] == ["The time lies more than 30 days in the past."]
    assert Response.objects.count() == 0


def test_import_links_identifiers_of_each_row_into_customers(tmp_path: Path) -> None:
    tp, items = _setup()
    org = tp.phase.journey.organisation
    IdentifierKind.objects.create(
        organisation=org, code="phone", label_de="Telefon", label_en="Phone", normalisation="phone"
    )
    old = (timezone.now() - timedelta(days=90)).astimezone(BERLIN).date()
    path = _write(
        tmp_path / "crm.csv",
        [
            "Datum;Kundennummer;Telefon;Merkmal 1 Erwartung;Merkmal 1 Zufriedenheit;Empfehlung",
            f"{old} 09:00;K1;0170 1234567;5;5;8",  # line 2: both identifiers
            f"{old} 10:00;;+49 170 1234567;5;4;7",  # line 3: only the phone, other spelling
            f"{old} 11:00;K2;;6;6;9",  # line 4: another customer
            f"{old} 12:00;;12;6;6;9",  # line 5: no phone number
        ],
    )
    mapping = {
        "touchpoint": tp.public_key,
        "submitted_at": "Datum",
        "customer_id": "Kundennummer",
        "identifiers": {"Telefon": "phone"},
        "columns": {
            "Merkmal 1 Erwartung": f"item:{items[0].pk}:expectation",
            "Merkmal 1 Zufriedenheit": f"item:{items[0].pk}:satisfaction",
            "Empfehlung": f"item:{items[1].pk}:value",
        },
    }
    map_path = tmp_path / "map.json"
    map_path.write_text(json.dumps(mapping))
    out = StringIO()
    call_command("import_responses", str(path), mapping=str(map_path), stdout=out)
    assert out.getvalue().splitlines() == [
        "line 5, column Telefon: Enter a valid phone number.",
        "4 rows read: 3 imported, 0 already stored, 1 rejected."
        f" Batch {ImportBatch.objects.get().pk}.",
    ]
    by_time = list(Response.objects.order_by("submitted_at").values_list("customer_key", flat=True))
    assert by_time[0] == by_time[1] == customer_key_from_id("K1")
    assert by_time[2] == customer_key_from_id("K2")
    assert Customer.objects.filter(organisation=org).count() == 2
    assert ResponseIdentifier.objects.count() == 2 + 1 + 1
    # The customer is dated by the first imported answer, not by the day of the import.
    first = Customer.objects.get(key=customer_key_from_id("K1")).created_at
    assert first == datetime.combine(old, time(9), tzinfo=BERLIN)

    call_command("import_responses", str(path), mapping=str(map_path), stdout=StringIO())
    assert Response.objects.count() == 3


def test_xlsx_file_is_read_with_dates_and_numbers_as_cells(tmp_path: Path) -> None:
    from openpyxl import Workbook

    tp, _items = _setup()
    moment = (
        (timezone.now() - timedelta(days=60)).astimezone(BERLIN).replace(tzinfo=None, microsecond=0)
    )
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Datum", "Merkmal 1 Erwartung", "Merkmal 1 Zufriedenheit", "Empfehlung"])
    sheet.append([moment, 6.0, 5, 10])  # a spreadsheet keeps whole numbers as floats
    sheet.append([moment, 6, 9, 10])  # satisfaction outside the scale
    path = tmp_path / "history.xlsx"
    workbook.save(path)

    out = StringIO()
    call_command("import_responses", str(path), touchpoint=tp.public_key, stdout=out)

    assert out.getvalue().splitlines()[0] == (
        "line 3, column Merkmal 1 Zufriedenheit: Enter a number from 1 to 7."
    )
    stored = Response.objects.get()
    assert stored.submitted_at == moment.replace(tzinfo=BERLIN)
    answers = stored.answers.order_by("item__order")
    assert list(answers.values_list("expectation", "satisfaction", "value")) == [
        (6, 5, None),
        (None, None, 10),
    ]
