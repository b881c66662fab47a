"""Pseudonymisation: a raw customer id is never stored, only its keyed hash."""

import hashlib
import hmac

from django.conf import settings


def customer_key_from_id(raw_customer_id: str) -> str:
    """HMAC-SHA256 of the raw id under CUSTOMER_KEY_SECRET, as 64 hex characters."""
    return hmac.new(
        settings.CUSTOMER_KEY_SECRET.encode(),
        raw_customer_id.strip().encode(),
        hashlib.sha256,
    ).hexdigest()
