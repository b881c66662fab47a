"""Which column of a history file means what: the mapping file (JSON) and its defaults.

A mapping, as JSON (`import_responses FILE --mapping MAP.json`) or built on the admin page:

    {"touchpoint": "PUBLIC_KEY"}            one touchpoint for every row, or
    {"touchpoint_column": "Touchpoint"}     the touchpoint's public key in a column;
    "submitted_at": "Datum",                date or date and time (ISO 8601, or date_format);
    "date_format": "%d.%m.%Y %H:%M",        optional, strptime format;
    "time_zone": "Europe/Berlin",           optional; default: the organisation's;
    "language": "Sprache", "default_language": "de",
    "submission_id": "Antwort-ID",          optional; default: derived from the row's content;
    "customer_id": "Kundennummer",          optional;
    "identifiers": {"E-Mail": "email"},     column -> identifier kind;
    "columns": {"Wartezeit Erwartung": "item:11:expectation",
                "Wartezeit Zufriedenheit": "item:11:satisfaction",
                "Weiterempfehlung": "item:12:value", "Kommentar": "item:13:text"}

Item ids are unique, so a row at a touchpoint uses the columns of that touchpoint's items.
"""

import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from cxmonitor.errors import ApplicationError
from surveys.models import Item

ANSWER_FIELDS = ("expectation", "satisfaction", "value", "text")
TARGET_RE = re.compile(r"item:(\d+):(expectation|satisfaction|value|text)")
FIELDS_OF_KIND = {
    Item.Kind.PAIRED: ("expectation", "satisfaction"),
    Item.Kind.NPS: ("value",),
    Item.Kind.OVERALL: ("value",),
    Item.Kind.EFFORT: ("value",),
    Item.Kind.COMMENT: ("text",),
    Item.Kind.CONTACT: ("text",),
}
# Header words recognised without a mapping file (German and English).
_DATE_HEADERS = ("submitted_at", "date", "datum", "zeitpunkt", "time")
_LANGUAGE_HEADERS = ("language", "sprache")
_ID_HEADERS = ("submission_id", "response_id", "antwort-id", "id")
_FIELD_WORDS = {
    "expectation": ("expectation", "erwartung"),
    "satisfaction": ("satisfaction", "zufriedenheit"),
}


@dataclass(frozen=True)
class ColumnTarget:
    item_id: int
    field: str


@dataclass(frozen=True)
class ImportMapping:
    submitted_at: str
    columns: dict[str, ColumnTarget]
    touchpoint: str | None = None
    touchpoint_column: str | None = None
    date_format: str | None = None
    time_zone: str | None = None
    language: str | None = None
    default_language: str | None = None
    submission_id: str | None = None
    customer_id: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            key: value
            for key, value in self.__dict__.items()
            if value and key not in ("columns", "identifiers")
        }
        data["identifiers"] = dict(self.identifiers)
        data["columns"] = {c: f"item:{t.item_id}:{t.field}" for c, t in self.columns.items()}
        return data


def _invalid(message: str, name: str = "mapping") -> ApplicationError:
    return ApplicationError(message, fields={name: [message]})


_TEXT_KEYS = (
    "touchpoint",
    "touchpoint_column",
    "submitted_at",
    "date_format",
    "time_zone",
    "language",
    "default_language",
    "submission_id",
    "customer_id",
)
_COLUMN_KEYS = ("touchpoint_column", "submitted_at", "language", "submission_id", "customer_id")


def _texts(data: Mapping[str, Any], known: set[str]) -> dict[str, str | None]:
    strings: dict[str, str | None] = {}
    for key in _TEXT_KEYS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise _invalid(_("%(key)s must be text.") % {"key": key}, key)
        strings[key] = value or None
    if bool(strings["touchpoint"]) == bool(strings["touchpoint_column"]):
        raise _invalid(_("Name either touchpoint or touchpoint_column."), "touchpoint")
    if not strings["submitted_at"]:
        raise _invalid(_("Name the column with the date (submitted_at)."), "submitted_at")
    for key in _COLUMN_KEYS:
        if strings[key] and strings[key] not in known:
            raise _invalid(_("The file has no column %(name)s.") % {"name": strings[key]}, key)
    zone = strings["time_zone"]
    if zone and zone not in zoneinfo.available_timezones():
        raise _invalid(_("%(value)s is not a known time zone.") % {"value": zone})
    if strings["default_language"] not in (None, "de", "en"):
        raise _invalid(_("Choose one of: %(choices)s.") % {"choices": "de, en"})
    return strings


def _targets(columns: Mapping[str, object], known: set[str]) -> dict[str, ColumnTarget]:
    targets: dict[str, ColumnTarget] = {}
    for column, target in columns.items():
        match = TARGET_RE.fullmatch(str(target))
        if column not in known:
            raise _invalid(_("The file has no column %(name)s.") % {"name": column}, "columns")
        if match is None:
            raise _invalid(
                _("%(column)s: write item:<id>:<expectation|satisfaction|value|text>.")
                % {"column": column},
                "columns",
            )
        targets[str(column)] = ColumnTarget(int(match[1]), match[2])
    if not targets:
        raise _invalid(_("Map at least one column to a question."), "columns")
    return targets


def mapping_from_json(data: object, *, headers: Sequence[str]) -> ImportMapping:
    """Check a mapping against the file's headers; ApplicationError names each problem."""
    if not isinstance(data, Mapping):
        raise _invalid(_("The mapping must be a JSON object."))
    known = set(headers)
    strings = _texts(data, known)
    identifiers = data.get("identifiers") or {}
    columns = data.get("columns") or {}
    if not isinstance(identifiers, Mapping) or not isinstance(columns, Mapping):
        raise _invalid(_("identifiers and columns must be JSON objects."))
    targets = _targets(columns, known)
    for column, kind in identifiers.items():
        if column not in known or not isinstance(kind, str):
            raise _invalid(_("The file has no column %(name)s.") % {"name": column}, "identifiers")
    return ImportMapping(
        columns=targets,
        identifiers={str(c): str(k) for c, k in identifiers.items()},
        **strings,  # type: ignore[arg-type]
    )


def _norm(text: str) -> str:
    return re.sub(r"[\s_:()-]+", " ", text.casefold()).strip()


def _item_headers(items: Sequence[Item]) -> dict[str, str]:
    """Normalised header spellings of every item field → its target."""
    wanted: dict[str, str] = {}
    for item in items:
        for label in {_norm(item.label_de), _norm(item.label_en), str(item.pk)}:
            for name in FIELDS_OF_KIND[Item.Kind(item.kind)]:
                for word in _FIELD_WORDS.get(name, ("",)):
                    wanted[_norm(f"{label} {word}")] = f"item:{item.pk}:{name}"
    return wanted


def _row_field(norm: str) -> str | None:
    if norm in _DATE_HEADERS:
        return "submitted_at"
    if norm in _LANGUAGE_HEADERS:
        return "language"
    if norm in _ID_HEADERS:
        return "submission_id"
    if norm in ("customer id", "kundennummer", "cid"):
        return "customer_id"
    return None


def mapping_guess(
    *, headers: Sequence[str], touchpoint: str, items: Sequence[Item], kinds: Sequence[str]
) -> dict[str, Any]:
    """A mapping (as JSON) for one touchpoint from the header names, for a start.

    Recognises `item:<id>:<field>`, `<label> Erwartung|Zufriedenheit` (or expectation,
    satisfaction) and a bare label for one-value items; dates, language, submission ids,
    customer ids and identifier kinds by name.
    """
    data: dict[str, Any] = {"touchpoint": touchpoint, "columns": {}, "identifiers": {}}
    wanted = _item_headers(items)
    for header in headers:
        norm = _norm(header)
        field_name = _row_field(norm)
        if TARGET_RE.fullmatch(header.strip()):
            data["columns"][header] = header.strip()
        elif norm in wanted:
            data["columns"][header] = wanted[norm]
        elif field_name and field_name not in data:
            data[field_name] = header
        elif header.strip() in kinds:
            data["identifiers"][header] = header.strip()
    return data
