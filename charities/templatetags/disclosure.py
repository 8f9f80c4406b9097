"""Filters for public figures: small counts are blurred so nobody can be singled out."""

from __future__ import annotations

from decimal import Decimal

from django import template

from core.texts import words_joined

register = template.Library()

# Below this many people, a count could point at someone a neighbour knows.
SMALL_COUNT = 5


@register.filter
def small_count(value: int | None) -> str:
    """``0`` stays ``0``; 1 to 4 become ``<5``; larger counts are shown as they are."""
    number = int(value or 0)
    if 0 < number < SMALL_COUNT:
        return f"<{SMALL_COUNT}"
    return f"{number:,}"


@register.filter
def is_small(value: int | None) -> bool:
    return 0 < int(value or 0) < SMALL_COUNT


@register.filter
def yuan(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return f"¥{Decimal(value):,.2f}"


@register.filter
def category_label(code: str) -> str:
    from core.codes import NeedCategory

    return str(NeedCategory(code).label) if code in NeedCategory.values else code


@register.filter
def code_labels(codes: list[str], kind: str) -> str:
    """The display labels of a list of codes: ``kind`` is "status" or "vulnerability"."""
    from core.codes import AssistanceStatus, Vulnerability

    choices = dict(AssistanceStatus.choices if kind == "status" else Vulnerability.choices)
    return words_joined(choices.get(code, code) for code in codes)
