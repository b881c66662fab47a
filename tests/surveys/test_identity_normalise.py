"""Identifiers are normalised as documented before they are hashed (table-driven)."""

import pytest

from surveys.identity.normalise import IdentifierInvalidError, KindRule, normalise_identifier

EMAIL = KindRule(code="email", normalisation="email")
PHONE = KindRule(code="phone", normalisation="phone")
NUMBER = KindRule(code="customer_number", normalisation="number", strip_leading_zeros=True)
ACCOUNT = KindRule(code="shop_account", normalisation="number")
TEXT = KindRule(code="customer_id", normalisation="text")


@pytest.mark.parametrize(
    ("rule", "country", "raw", "expected"),
    [
        (EMAIL, "DE", "  Max.Muster@Example.COM ", "max.muster@example.com"),
        (EMAIL, "DE", "anna@bücher.example", "anna@xn--bcher-kva.example"),
        (EMAIL, "DE", "ANNA@BÜCHER.EXAMPLE.", "anna@xn--bcher-kva.example"),
        (EMAIL, "DE", "anna@xn--bcher-kva.example", "anna@xn--bcher-kva.example"),
        (PHONE, "DE", "0170 1234567", "+491701234567"),
        (PHONE, "DE", "+49 (170) 123-4567", "+491701234567"),
        (PHONE, "DE", "0049 170 1234567", "+491701234567"),
        (PHONE, "AT", "0660 1234567", "+436601234567"),
        (PHONE, "DE", "+43 660 1234567", "+436601234567"),
        (PHONE, "CH", "044 668 18 00", "+41446681800"),
        (NUMBER, "DE", "000 123 45", "12345"),
        (NUMBER, "DE", "0012-345", "12345"),
        (NUMBER, "DE", "0000", "0"),
        (ACCOUNT, "DE", "00 12/345", "0012345"),
        (ACCOUNT, "DE", "ab-12", "AB12"),
        (TEXT, "DE", "  K-4711 ", "K-4711"),
    ],
)
def test_identifier_is_normalised(rule: KindRule, country: str, raw: str, expected: str) -> None:
    assert normalise_identifier(raw, rule=rule, country=country) == expected


@pytest.mark.parametrize(
    ("rule", "raw"),
    [
        (EMAIL, "no-at-sign.example"),
        (EMAIL, "max@"),
        (EMAIL, "max@localhost"),
        (EMAIL, "ma x@example.com"),
        (PHONE, "12"),
        (PHONE, "call me"),
        (NUMBER, " - "),
        (TEXT, "   "),
        (TEXT, "a\x00b"),
        (TEXT, "x" * 201),
    ],
)
def test_unreadable_identifier_is_refused_with_a_reason(rule: KindRule, raw: str) -> None:
    with pytest.raises(IdentifierInvalidError) as error:
        normalise_identifier(raw, rule=rule, country="DE")
    assert str(error.value)
