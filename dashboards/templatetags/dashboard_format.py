"""Template filters for dashboard figures (see dashboards.pages.formatting)."""

from django.template import Library

from dashboards.pages import formatting

register = Library()


@register.filter
def num(value: float | None, digits: int = 1) -> str:
    return formatting.num(value, digits)


@register.filter
def signed(value: float | None, digits: int = 1) -> str:
    return formatting.signed(value, digits)


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    return formatting.percent(value, digits)


@register.filter
def interval(value: tuple[float, float] | None, digits: int = 1) -> str:
    return formatting.interval(value, digits)


@register.filter
def kpi_label(value: str) -> str:
    return formatting.kpi_label(value)


@register.filter
def kpi_value(value: float | None, kpi: str) -> str:
    """A KPI value with the decimals that KPI is shown with."""
    return formatting.num(value, formatting.kpi_digits(kpi))


@register.filter
def kpi_size(value: float | None, kpi: str) -> str:
    """The size of a change without its sign (the words say the direction)."""
    return formatting.num(None if value is None else abs(value), formatting.kpi_digits(kpi))
