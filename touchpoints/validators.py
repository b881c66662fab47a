from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def is_origin(value: str) -> bool:
    """True for scheme://host[:port] with nothing after it."""
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.path == ""
        and not parts.query
        and not parts.fragment
        and "@" not in parts.netloc
    )


def validate_origins(text: str) -> None:
    """Every non-empty line of `text` must be an origin."""
    for line in text.splitlines():
        origin = line.strip()
        if origin and not is_origin(origin):
            raise ValidationError(
                _("“%(origin)s” is not an origin (scheme://host[:port], no path)."),
                params={"origin": origin},
                code="invalid_origin",
            )
