"""The survey page's form and the context a page carries (language, mode, channel, segment)."""

import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .customer_links import TOKEN_PARAM, customer_token_from_params
from .models import Item, Survey
from .services import SEGMENT_KEYS, SEGMENT_VALUE_MAX, AnswerInput

LANGUAGES = ("de", "en")
# Channels a page can be opened for; "api" belongs to the JSON API only.
PAGE_CHANNELS = ("page", "embed", "qr", "link", "kiosk")
MODES = ("kiosk", "embed")
# A person needs longer than this to read and answer even one scale; bots post at once.
MIN_FILL_SECONDS = 2.0
COMMENT_MAX_LENGTH = 2000
CONTACT_MAX_LENGTH = 200
CUSTOMER_ID_MAX_LENGTH = 200
NPS_RANGE = (0, 10)
HONEYPOT_FIELD = "website"
_TOKEN_SALT = "surveys.page.render"
_SUBMISSION_ID = re.compile(r"^[0-9a-f]{32}$")
_ANSWER_ERROR = re.compile(r"^answers\[(\d+)\](?:\.(\w+))?$")
_ITEM_ERROR = re.compile(r"^item\.(\d+)$")
_ACCEPT_LANGUAGE = re.compile(
    r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?"
)

CHOOSE_ONE = gettext_lazy("Please choose one.")


def submission_id_new() -> str:
    """A fresh idempotency key for one rendering of the form (uuid4-sized, hex)."""
    return secrets.token_hex(16)


def submission_id_valid(value: str) -> bool:
    return bool(_SUBMISSION_ID.match(value))


def render_token_new(*, submission_id: str, rendered_at: float | None = None) -> str:
    """A signed record of when the form for this submission id was rendered."""
    moment = time.time() if rendered_at is None else rendered_at
    return signing.dumps([submission_id, moment], salt=_TOKEN_SALT)


def render_token_age(*, token: str, submission_id: str) -> float | None:
    """Seconds since the form was rendered, or None when the token is missing or forged."""
    try:
        signed_id, rendered_at = signing.loads(token, salt=_TOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if signed_id != submission_id or not isinstance(rendered_at, int | float):
        return None
    return time.time() - rendered_at


def language_from_accept(header: str) -> str | None:
    """The customer's most preferred of German and English per Accept-Language, or None."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header.split(",")[:20]):
        match = _ACCEPT_LANGUAGE.match(part)
        if not match:
            continue
        code = match.group(1).lower()
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if code in LANGUAGES and quality > 0:
            candidate = (quality, -position, code)
            best = candidate if best is None or candidate > best else best
    return best[2] if best else None


@dataclass(frozen=True)
class PageContext:
    """What a survey page carries from its URL into the form and on to the thank-you page."""

    language: str
    mode: str = ""
    channel: str = "page"
    segment: dict[str, str] = field(default_factory=dict)
    # A signed customer-link token (customer_links), never the raw customer id.
    customer_token: str | None = None

    def reopen_params(self, *, with_customer: bool) -> list[tuple[str, str]]:
        """Query parameters (besides the language) that reopen this page the same way."""
        params: list[tuple[str, str]] = []
        if self.mode:
            params.append(("mode", self.mode))
        if self.channel != _implied_channel(self.mode):
            params.append(("channel", self.channel))
        params.extend(sorted(self.segment.items()))
        if with_customer and self.customer_token:
            params.append((TOKEN_PARAM, self.customer_token))
        return params

    def query(self, *, language: str | None = None) -> str:
        """The query string that reopens this page, without the customer id."""
        return urlencode(
            [("lang", language or self.language), *self.reopen_params(with_customer=False)]
        )

    def hidden_fields(self) -> list[tuple[str, str]]:
        """Name/value pairs the form repeats as hidden inputs (the customer id is one of them)."""
        fields = [("lang", self.language), ("mode", self.mode), ("channel", self.channel)]
        fields.extend(sorted(self.segment.items()))
        if self.customer_token:
            fields.append((TOKEN_PARAM, self.customer_token))
        return fields


def _implied_channel(mode: str) -> str:
    return mode if mode in MODES else "page"


def page_context_from(
    params: Mapping[str, str], *, accept_language: str, default_language: str
) -> PageContext:
    """Read the page context from a query string or a posted form; ignore what does not fit.

    A broken link must never cost the customer their answer, so values that the capture service
    would refuse (unknown segment keys, overlong values) are dropped here instead of reported.
    """
    language = params.get("lang", "")
    if language not in LANGUAGES:
        language = language_from_accept(accept_language) or default_language
    if language not in LANGUAGES:
        language = LANGUAGES[0]
    mode = params.get("mode", "")
    mode = mode if mode in MODES else ""
    channel = params.get("channel", "")
    if mode:
        channel = _implied_channel(mode)
    elif channel not in PAGE_CHANNELS:
        channel = "page"
    segment: dict[str, str] = {}
    for key in sorted(SEGMENT_KEYS):
        value = (params.get(key) or "").strip()
        if value and len(value) <= SEGMENT_VALUE_MAX and value.isprintable():
            segment[key] = value
    customer_token = customer_token_from_params(params, max_id_length=CUSTOMER_ID_MAX_LENGTH)
    return PageContext(
        language=language,
        mode=mode,
        channel=channel,
        segment=segment,
        customer_token=customer_token,
    )


@dataclass(frozen=True)
class Option:
    value: int
    input_id: str
    checked: bool
    end_label: str = ""  # read out by screen readers on the first and last button


@dataclass(frozen=True)
class Scale:
    """One radio scale (a row of buttons) with labelled endpoints."""

    name: str
    question: str
    low_label: str
    high_label: str
    options: list[Option]
    errors: list[str]
    required: bool
    wide: bool = False


@dataclass(frozen=True)
class ItemView:
    """What the template needs to draw one item."""

    item_id: int
    kind: str
    legend: str
    required: bool = False
    errors: list[str] = field(default_factory=list)
    scales: list[Scale] = field(default_factory=list)
    text_name: str = ""
    text_value: str = ""
    text_errors: list[str] = field(default_factory=list)
    max_length: int = 0
    consent_checked: bool = False
    consent_errors: list[str] = field(default_factory=list)


def _scale_field(low: int, high: int, *, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=[(str(v), str(v)) for v in range(low, high + 1)],
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_ONE, "invalid_choice": CHOOSE_ONE},
    )


class SurveyPageForm(forms.Form):
    """The scores of one survey version, one field per scale; validated again by the service."""

    contact_consent = forms.BooleanField(required=False)

    def __init__(self, *args: Any, survey: Survey, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.items = items
        scale = (survey.scale_min, survey.scale_max)
        # The range of every scale field, by field name.
        self.ranges: dict[str, tuple[int, int]] = {}
        for item in items:
            if item.kind == Item.Kind.PAIRED:
                self.ranges[f"e_{item.pk}"] = self.ranges[f"s_{item.pk}"] = scale
            elif item.kind == Item.Kind.NPS:
                self.ranges[f"v_{item.pk}"] = NPS_RANGE
            elif item.kind in (Item.Kind.OVERALL, Item.Kind.EFFORT):
                self.ranges[f"v_{item.pk}"] = scale
            if item.kind in (Item.Kind.COMMENT, Item.Kind.CONTACT):
                limit = COMMENT_MAX_LENGTH if item.kind == Item.Kind.COMMENT else CONTACT_MAX_LENGTH
                self.fields[f"t_{item.pk}"] = forms.CharField(
                    required=item.required,
                    max_length=limit,
                    error_messages={"required": gettext_lazy("Please fill in this field.")},
                )
        for name, (low, high) in self.ranges.items():
            self.fields[name] = _scale_field(low, high, required=self._item_of(name).required)
        # The item behind each answer sent to the capture service, to put its errors back.
        self.answer_items: list[Item] = []

    def _item_of(self, name: str) -> Item:
        pk = int(name.split("_", 1)[1])
        return next(item for item in self.items if item.pk == pk)

    def _messages_for(self, name: str) -> list[str]:
        return [str(message) for message in self.errors.get(name) or []]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for item in self.items:
            if (
                item.kind == Item.Kind.CONTACT
                and (cleaned.get(f"t_{item.pk}") or "").strip()
                and not cleaned.get("contact_consent")
            ):
                self.add_error(
                    "contact_consent",
                    _("Please agree to be contacted, or leave the contact field empty."),
                )
        return cleaned

    def answers(self) -> list[AnswerInput]:
        """The answers the customer gave, in item order (untouched optional items left out)."""
        data = self.cleaned_data
        answers: list[AnswerInput] = []
        self.answer_items = []
        for item in self.items:
            pk = item.pk
            if item.kind == Item.Kind.PAIRED:
                expectation, satisfaction = data.get(f"e_{pk}"), data.get(f"s_{pk}")
                if expectation is None and satisfaction is None:
                    continue
                answer = AnswerInput(item_id=pk, expectation=expectation, satisfaction=satisfaction)
            elif item.kind in (Item.Kind.NPS, Item.Kind.OVERALL, Item.Kind.EFFORT):
                if data.get(f"v_{pk}") is None:
                    continue
                answer = AnswerInput(item_id=pk, value=data[f"v_{pk}"])
            elif item.kind in (Item.Kind.COMMENT, Item.Kind.CONTACT):
                text = (data.get(f"t_{pk}") or "").strip()
                if not text:
                    continue
                answer = AnswerInput(item_id=pk, text=text)
            else:
                continue
            answers.append(answer)
            self.answer_items.append(item)
        return answers

    def add_service_errors(self, fields: Mapping[str, list[str]]) -> None:
        """Attach the capture service's per-field reasons to the page's fields."""
        prefixes = {"expectation": "e", "satisfaction": "s", "value": "v", "text": "t"}
        by_id = {item.pk: item for item in self.items}
        for key, messages in fields.items():
            target: str | None = None
            answer_match = _ANSWER_ERROR.match(key)
            item_match = _ITEM_ERROR.match(key)
            if answer_match and int(answer_match.group(1)) < len(self.answer_items):
                item = self.answer_items[int(answer_match.group(1))]
                prefix = prefixes.get(answer_match.group(2) or "")
                candidate = f"{prefix}_{item.pk}"
                target = candidate if candidate in self.fields else _first_field_of(self, item)
            elif item_match and int(item_match.group(1)) in by_id:
                target = _first_field_of(self, by_id[int(item_match.group(1))])
            elif key == "contact_consent":
                target = key
            for message in messages:
                self.add_error(target, message)

    def item_views(self, *, language: str) -> list[ItemView]:
        """The items as the template draws them, with the customer's choices and errors."""
        views: list[ItemView] = []
        for item in self.items:
            pk = item.pk
            common: dict[str, Any] = {"item_id": pk, "kind": item.kind, "required": item.required}
            if item.kind == Item.Kind.PAIRED:
                scales = [
                    self._scale(
                        f"e_{pk}", _("What did you expect?"), _("very low"), _("very high")
                    ),
                    self._scale(
                        f"s_{pk}",
                        _("How satisfied were you?"),
                        _("not at all satisfied"),
                        _("very satisfied"),
                    ),
                ]
                views.append(ItemView(legend=item.label_in(language), scales=scales, **common))
            elif item.kind == Item.Kind.NPS:
                scale = self._scale(f"v_{pk}", "", _("not at all likely"), _("extremely likely"))
                views.append(
                    ItemView(
                        legend=_("How likely is it that you would recommend us?"),
                        scales=[scale],
                        **common,
                    )
                )
            elif item.kind in (Item.Kind.OVERALL, Item.Kind.EFFORT):
                ends = (
                    (_("not at all satisfied"), _("very satisfied"))
                    if item.kind == Item.Kind.OVERALL
                    else (_("very easy"), _("very difficult"))
                )
                scale = self._scale(f"v_{pk}", "", *ends)
                views.append(ItemView(legend=item.label_in(language), scales=[scale], **common))
            elif item.kind in (Item.Kind.COMMENT, Item.Kind.CONTACT):
                name = f"t_{pk}"
                is_contact = item.kind == Item.Kind.CONTACT
                views.append(
                    ItemView(
                        legend=item.label_in(language),
                        text_name=name,
                        text_value=str(self[name].value() or ""),
                        text_errors=self._messages_for(name),
                        max_length=CONTACT_MAX_LENGTH if is_contact else COMMENT_MAX_LENGTH,
                        consent_checked=is_contact and bool(self["contact_consent"].value()),
                        consent_errors=(
                            self._messages_for("contact_consent") if is_contact else []
                        ),
                        **common,
                    )
                )
        return views

    def _scale(self, name: str, question: str, low_label: str, high_label: str) -> Scale:
        raw = self[name].value()
        current = str(raw) if raw not in (None, "") else None
        low, high = self.ranges[name]
        values = list(range(low, high + 1))
        options = [
            Option(
                value=value,
                input_id=f"{name}_{value}",
                checked=str(value) == current,
                end_label=low_label
                if value == values[0]
                else high_label
                if value == values[-1]
                else "",
            )
            for value in values
        ]
        return Scale(
            name=name,
            question=question,
            low_label=low_label,
            high_label=high_label,
            options=options,
            errors=self._messages_for(name),
            required=self.fields[name].required,
            wide=len(values) > 7,
        )


def _first_field_of(form: SurveyPageForm, item: Item) -> str | None:
    for prefix in ("e", "s", "v", "t"):
        if f"{prefix}_{item.pk}" in form.fields:
            return f"{prefix}_{item.pk}"
    return None
