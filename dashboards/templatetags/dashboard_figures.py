from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure(value: object) -> str:
    """A dashboard number: "—" when there is none, thousands separated, money with two decimals."""
    if value is None:
        return "—"
    if isinstance(value, (bool, str)):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,}"  # already rounded by the selector: shown exactly as exported
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
