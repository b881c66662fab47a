"""May a web page embed a touchpoint's survey? The answer the embed script asks for before it
draws anything, and the refusals kept for the admin."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.utils import timezone

from .models import Touchpoint
from .validators import is_origin

REFUSAL_WRITE_INTERVAL = timedelta(minutes=5)
"""A page that keeps asking updates the stored refusal at most this often (one write per view
would let a busy misconfigured site write on every visit)."""
ORIGIN_MAX_LENGTH = 200


def origin_normalise(value: str) -> str | None:
    """`scheme://host[:port]` in lower case, or None if `value` is no http(s) origin."""
    value = value.strip()
    if not value or len(value) > ORIGIN_MAX_LENGTH or not value.isprintable():
        return None
    if not is_origin(value):
        return None
    parts = urlsplit(value)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def touchpoint_embed_allowed(*, touchpoint: Touchpoint, origin: str | None) -> bool:
    """Whether a page of `origin` may embed the survey; a refusal is stored on the touchpoint."""
    allowed = {origin_normalise(line) for line in touchpoint.origin_list} - {None}
    if origin is not None and origin in allowed:
        return True
    refused = origin or "?"
    now = timezone.now()
    # One UPDATE that matches nothing while the same refusal is fresh: no read-then-write race.
    Touchpoint.objects.filter(pk=touchpoint.pk).exclude(
        embed_refused_origin=refused, embed_refused_at__gte=now - REFUSAL_WRITE_INTERVAL
    ).update(embed_refused_origin=refused, embed_refused_at=now)
    return False
