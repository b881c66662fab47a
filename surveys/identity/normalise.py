"""Normalisation of raw identifiers, before they are hashed: one spelling per customer.

Pure functions (no database): e-mail trimmed and lower-cased with an IDN domain in its ASCII
(punycode) form; phone numbers in E.164 through `phonenumbers`, read with the organisation's
country when they carry no country code; numbers without spaces and, where the kind says so,
without leading zeros; text trimmed.
"""

import re
from dataclasses import dataclass

import phonenumbers
from django.utils.translation import gettext as _

IDENTIFIER_MAX = 200
_SPACES_RE = re.compile(r"[\s\u00a0\u202f]+")
_NUMBER_SEPARATORS_RE = re.compile(r"[\s\u00a0\u202f./-]+")
_LOCAL_PART_RE = re.compile(r"[^\s@]{1,64}")


class IdentifierInvalidError(ValueError):
    """The value cannot be read as an identifier of its kind; the message says why."""


@dataclass(frozen=True)
class KindRule:
    """How one identifier kind is normalised."""

    code: str
    normalisation: str  # text | email | phone | number
    strip_leading_zeros: bool = False


def normalise_email(value: str) -> str:
    """`  Max.Muster@Bücher.Example ` → `max.muster@xn--bcher-kva.example`."""
    text = value.strip()
    local, at, domain = text.rpartition("@")
    if not at or not _LOCAL_PART_RE.fullmatch(local) or not domain:
        raise IdentifierInvalidError(_("Enter a valid e-mail address."))
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise IdentifierInvalidError(_("Enter a valid e-mail address.")) from None
    if "." not in ascii_domain or _SPACES_RE.search(ascii_domain):
        raise IdentifierInvalidError(_("Enter a valid e-mail address."))
    return f"{local.lower()}@{ascii_domain.lower()}"


def normalise_phone(value: str, *, country: str) -> str:
    """`0170 1234567` (country DE) → `+491701234567`; a number with a country code keeps it."""
    try:
        number = phonenumbers.parse(value.strip(), country.upper() or None)
    except phonenumbers.NumberParseException:
        raise IdentifierInvalidError(_("Enter a valid phone number.")) from None
    # Short codes are possible numbers to phonenumbers, but nobody's personal number.
    if not phonenumbers.is_possible_number(number) or len(str(number.national_number)) < 6:
        raise IdentifierInvalidError(_("Enter a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_number(value: str, *, strip_leading_zeros: bool) -> str:
    """`0012 345` → `0012345`, or `12345` when leading zeros do not count."""
    text = _NUMBER_SEPARATORS_RE.sub("", value)
    if not text:
        raise IdentifierInvalidError(_("This field may not be blank."))
    if strip_leading_zeros:
        text = text.lstrip("0") or "0"
    return text.upper()


def normalise_identifier(value: object, *, rule: KindRule, country: str) -> str:
    """The normalised spelling of one raw identifier, or IdentifierInvalidError with the reason."""
    if not isinstance(value, str):
        raise IdentifierInvalidError(_("Enter text."))
    if len(value) > IDENTIFIER_MAX:
        raise IdentifierInvalidError(
            _("Enter at most %(max)d characters.") % {"max": IDENTIFIER_MAX}
        )
    if not value.strip():
        raise IdentifierInvalidError(_("This field may not be blank."))
    if not value.strip().isprintable():
        raise IdentifierInvalidError(_("Remove control characters."))
    if rule.normalisation == "email":
        return normalise_email(value)
    if rule.normalisation == "phone":
        return normalise_phone(value, country=country)
    if rule.normalisation == "number":
        return normalise_number(value, strip_leading_zeros=rule.strip_leading_zeros)
    return value.strip()
