"""Management commands speak one language (English), also where the site's default is German."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("command", "options", "english"),
    [
        ("evaluate_alerts", {"date": "30.06.2026"}, "is not a date of the form YYYY-MM-DD"),
        ("aggregate", {"since": "2026-02-01", "until": "2026-01-01"}, "must not be after"),
        ("customer_data", {"customer_id": " ", "export": True}, "must not be empty"),
        ("seed_demo", {"days": 0}, "must be between 1 and 730"),
        ("followups_scan", {"days": 0}, "must lie between 1 and 366"),
        ("comment_themes", {"topics": 0}, "must be between 1 and 50"),
        ("import_responses", {}, "Name the file to import"),
    ],
)
def test_command_errors_are_english_under_a_german_default(
    command: str, options: dict[str, object], english: str
) -> None:
    with translation.override("de"), pytest.raises(CommandError) as raised:
        call_command(command, stdout=io.StringIO(), stderr=io.StringIO(), **options)
    assert english in str(raised.value)


def test_command_output_is_english_under_a_german_default() -> None:
    out = io.StringIO()
    with translation.override("de"):
        call_command("customer_data", customer_id="nobody", erase=True, stdout=out)
        call_command("evaluate_alerts", date="2026-06-30", stdout=out)
    text = out.getvalue()
    assert "No responses found for this customer; nothing deleted." in text
    assert "0 breaches: 0 new alerts, 0 already known, 0 within a cooldown." in text
    # the language that was active before the command is active again afterwards
    with translation.override("de"):
        call_command("followups_scan", stdout=io.StringIO())
        assert translation.get_language() == "de"
