"""Strict serializer fields of the public capture API: JSON types as sent, closed objects."""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

ITEM_KEY_RE = re.compile(r"[-a-zA-Z0-9_]{1,50}")


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: no strings, no floats, no booleans."""

    default_error_messages = {"invalid": gettext_lazy("Enter a whole number.")}

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false only."""

    default_error_messages = {"invalid": gettext_lazy("Enter true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class ClosedSerializer(serializers.Serializer[Any]):
    """Refuses keys it does not declare: the schema is closed."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = [key for key in data if key not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {str(key)[:40]: [_("Unknown field.")] for key in unknown[:10]}
                )
        return super().to_internal_value(data)


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:  # noqa: C901 (one branch per shape of DRF's nested errors)
    """DRF's nested errors as {"answers[0].satisfaction": [...]}, the keys the service uses."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            if key == "non_field_errors":
                name = prefix or "body"
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for sub_key, messages in flatten_errors(value, name).items():
                flat.setdefault(sub_key, []).extend(messages)
    elif isinstance(errors, Sequence) and not isinstance(errors, str):
        if all(isinstance(e, str) for e in errors):
            flat[prefix or "body"] = [str(e) for e in errors]
        else:
            for index, value in enumerate(errors):
                if value:
                    for sub_key, messages in flatten_errors(value, f"{prefix}[{index}]").items():
                        flat.setdefault(sub_key, []).extend(messages)
    else:
        flat[prefix or "body"] = [str(errors)]
    return flat


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": "^[-a-zA-Z0-9_]{1,50}$", "example": "waiting-time"},
            {"type": "integer", "minimum": 1},
        ],
        "description": "The item's key (stable across survey versions; shown on the "
        "touchpoint's admin page) or its id (an id of an earlier version is matched by key).",
    }
)
class ItemReferenceField(serializers.Field[int | str, Any, Any, Any]):
    """An item key (string) or an item id (JSON integer)."""

    default_error_messages = {"invalid": gettext_lazy("Enter a question key or id.")}

    def to_internal_value(self, data: Any) -> int | str:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int) and 1 <= data <= 2**62:
            return data
        if isinstance(data, str) and ITEM_KEY_RE.fullmatch(data):
            return data
        self.fail("invalid")

    def to_representation(self, value: Any) -> Any:
        return value
