"""Personalised survey links carry a signed opaque token, never the raw customer id.

A CRM mail merge asks for one link per customer (`manage.py customer_links`). The token holds the
customer's pseudonymous key (HMAC of the id under CUSTOMER_KEY_SECRET), signed under that secret
so nobody can make one up for another customer; the raw id appears in no URL and so in no access
log. The same customer always gets the same token: their answers link up as before.
"""

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing

from .privacy import customer_key_from_id

TOKEN_PARAM = "ct"
_SALT = "cxmonitor.customer-link"
TOKEN_MAX_LENGTH = 120


def _signer() -> signing.Signer:
    return signing.Signer(key=settings.CUSTOMER_KEY_SECRET, salt=_SALT)


def customer_link_token(*, customer_id: str) -> str:
    """The link token of a raw customer id (43 characters of key, a colon, 43 of signature)."""
    key = bytes.fromhex(customer_key_from_id(customer_id))
    return _signer().sign(base64.urlsafe_b64encode(key).rstrip(b"=").decode())


def customer_key_from_token(token: str | None) -> str | None:
    """The pseudonymous customer key a valid token carries; None for a forged or broken one."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        value = _signer().unsign(token)
        key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (signing.BadSignature, binascii.Error, ValueError):
        return None
    return key.hex() if len(key) == 32 else None


def customer_link_url(*, public_key: str, customer_id: str, language: str | None = None) -> str:
    """The personalised link to a touchpoint's survey page (channel "link")."""
    params = [("channel", "link"), (TOKEN_PARAM, customer_link_token(customer_id=customer_id))]
    if language:
        params.insert(0, ("lang", language))
    return f"{settings.SITE_URL}/s/{public_key}/?{urlencode(params)}"


def customer_token_from_params(params: Mapping[str, str], *, max_id_length: int) -> str | None:
    """A survey page's valid link token; a raw `cid` only where LINK_RAW_CUSTOMER_ID allows it
    (links already sent), turned into a token at once so it travels no further."""
    token = (params.get(TOKEN_PARAM) or "").strip()
    if customer_key_from_token(token):
        return token
    raw = (params.get("cid") or "").strip()
    allowed = getattr(settings, "LINK_RAW_CUSTOMER_ID", False)
    if raw and allowed and len(raw) <= max_id_length and raw.isprintable():
        return customer_link_token(customer_id=raw)
    return None
