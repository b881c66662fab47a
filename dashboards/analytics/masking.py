"""Personal data that customers type into comments, masked before a comment is shown or exported.

Covers e-mail addresses, IBANs (with or without the usual groups of four) and telephone numbers
(international +49 / 0049, national with area code, separators space / - ( ) and "/"; a run of at
least MIN_PHONE_DIGITS digits; dates such as 12.03.2024 or 2024-03-12 are kept). Masking errs on
the side of hiding: a long order number is masked like a telephone number, which costs a reader
little and never shows a number that was one.
"""

from __future__ import annotations

import re

EMAIL_MASK = "[E-Mail]"
PHONE_MASK = "[Telefon]"
IBAN_MASK = "[IBAN]"
MIN_PHONE_DIGITS = 7

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d \t/().\-]{5,}\d(?!\w)")
_DATE = re.compile(
    r"(?<!\d)(?:\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})(?!\d)"
)


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    return PHONE_MASK if digits >= MIN_PHONE_DIGITS else found


def mask_personal_data(text: str) -> str:
    """The text with e-mail addresses, IBANs and telephone numbers replaced by placeholders."""
    masked = _EMAIL.sub(EMAIL_MASK, text)
    masked = _IBAN.sub(IBAN_MASK, masked)
    # Dates are set aside first, so their digits never count towards a telephone number.
    dates: list[str] = []

    def keep(match: re.Match[str]) -> str:
        dates.append(match.group(0))
        return f"\x00{len(dates) - 1}\x00"

    masked = _PHONE.sub(_phone, _DATE.sub(keep, masked))
    return re.sub("\x00(\\d+)\x00", lambda m: dates[int(m.group(1))], masked)
