"""Forms of the consultant's import page: the upload, then one target per column."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import Item
from touchpoints.models import Organisation, Touchpoint

IGNORE = ""
FIXED_TARGETS = ("submitted_at", "language", "submission_id", "customer_id", "touchpoint_column")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class UploadForm(forms.Form):
    organisation = forms.ModelChoiceField(Organisation.objects.order_by("name"), label=_("client"))
    touchpoint = forms.ModelChoiceField(
        Touchpoint.objects.select_related("phase__journey__organisation").order_by("name"),
        required=False,
        label=_("touchpoint"),
        help_text=_("Every row belongs to it; leave empty when a column names the touchpoint."),
    )
    file = forms.FileField(label=_("CSV or XLSX file"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        touchpoint, organisation = data.get("touchpoint"), data.get("organisation")
        if (
            touchpoint
            and organisation
            and touchpoint.phase.journey.organisation_id != organisation.pk
        ):
            self.add_error("touchpoint", _("The touchpoint belongs to another client."))
        upload = data.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            self.add_error("file", _("Files above 50 MB go through manage.py import_responses."))
        return data


def target_choices(*, items: Sequence[Item], kinds: Sequence[str]) -> list[tuple[str, str]]:
    """What a column can mean: ignored, a row field, an identifier kind or an item's field."""
    choices: list[tuple[str, str]] = [
        (IGNORE, "—"),
        ("submitted_at", str(_("date and time"))),
        ("language", str(_("language"))),
        ("submission_id", str(_("response id (deduplication)"))),
        ("customer_id", str(_("customer id"))),
        ("touchpoint_column", str(_("touchpoint (public key)"))),
    ]
    choices += [(f"identifier:{kind}", f"{_('identifier')}: {kind}") for kind in kinds]
    fields = {
        "expectation": _("expectation"),
        "satisfaction": _("satisfaction"),
        "value": _("value"),
        "text": _("text"),
    }
    from .mapping import FIELDS_OF_KIND

    for item in items:
        for name in FIELDS_OF_KIND[Item.Kind(item.kind)]:
            label = f"{item.survey.touchpoint.name} · {item.label_de} · {fields[name]}"
            choices.append((f"item:{item.pk}:{name}", label))
    return choices


class MappingForm(forms.Form):
    """One select per column of the file."""

    def __init__(
        self, *args: Any, headers: Sequence[str], choices: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = list(headers)
        for index, header in enumerate(self.headers):
            self.fields[f"col{index}"] = forms.ChoiceField(
                label=header, choices=choices, required=False
            )

    def mapping_json(self, *, touchpoint: str | None) -> dict[str, Any]:
        """The chosen targets as a mapping (see surveys.imports.mapping)."""
        data: dict[str, Any] = {"columns": {}, "identifiers": {}}
        if touchpoint:
            data["touchpoint"] = touchpoint
        for index, header in enumerate(self.headers):
            target = self.cleaned_data.get(f"col{index}") or IGNORE
            if target in FIXED_TARGETS:
                data[target] = header
            elif target.startswith("identifier:"):
                data["identifiers"][header] = target.removeprefix("identifier:")
            elif target.startswith("item:"):
                data["columns"][header] = target
        return data

    @staticmethod
    def initial_from(mapping: dict[str, Any], headers: Sequence[str]) -> dict[str, str]:
        initial: dict[str, str] = {}
        for index, header in enumerate(headers):
            for key in FIXED_TARGETS:
                if mapping.get(key) == header:
                    initial[f"col{index}"] = key
            if header in mapping.get("identifiers", {}):
                initial[f"col{index}"] = f"identifier:{mapping['identifiers'][header]}"
            if header in mapping.get("columns", {}):
                initial[f"col{index}"] = mapping["columns"][header]
        return initial
