"""Small helpers shared by the page templates (empty states, pagination)."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.utils.translation import gettext

register = template.Library()

# Query parameters that choose a page or a view of a list, not a filter on it.
NOT_FILTERS = frozenset({"page", "tab", "by"})


@register.simple_tag(takes_context=True)
def list_is_filtered(context: template.Context) -> bool:
    """Whether the list was narrowed by the person (so an empty list means "nothing matches",
    not "nothing yet")."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return False
    return any(value.strip() for key, values in request.GET.lists() if key not in NOT_FILTERS for value in values)


@register.filter
def in_yuan(value: object) -> str:
    """An amount with its unit in the reader's language: 6000.00 元, 6000.00 yuan."""
    if value is None or value == "":
        return "—"
    return gettext("%(amount)s yuan") % {"amount": value}
