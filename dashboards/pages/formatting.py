"""Numbers for people, in the active language (German decimal comma, a real minus sign)."""

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language

from dashboards.analytics import vocabulary

MINUS = "\u2212"
DASH = "–"


def num(value: float | None, digits: int = 1) -> str:
    """A localised number, or a dash when there is none."""
    if value is None:
        return DASH
    rounded = round(value, digits)
    # No "−0,0": a value that rounds to zero is shown as zero.
    text = number_format(rounded if rounded != 0 else 0.0, digits, use_l10n=True)
    return text.replace("-", MINUS)


def signed(value: float | None, digits: int = 1) -> str:
    """A localised number with an explicit sign (+0,3 / −0,3)."""
    if value is None:
        return DASH
    text = num(value, digits)
    return text if text.startswith(MINUS) or round(value, digits) == 0 else "+" + text


def percent(share: float | None, digits: int = 0) -> str:
    """A share 0..1 as a localised percentage."""
    if share is None:
        return DASH
    return f"{num(100 * share, digits)} %"


def interval(ci: tuple[float, float] | None, digits: int = 1) -> str:
    """A confidence interval as [low; high] (a semicolon, since the comma is the decimal)."""
    if ci is None:
        return DASH
    return f"[{num(ci[0], digits)}; {num(ci[1], digits)}]"


def kpi_label(kpi: str) -> str:
    """A KPI key in the active language, as a heading or label."""
    return vocabulary.kpi_label(kpi, get_language() or settings.LANGUAGE_CODE)


def kpi_digits(kpi: str) -> int:
    """Decimals a KPI is shown with: NPS and volume as whole numbers, scores with one."""
    return 0 if kpi in ("nps", "volume") else 1
