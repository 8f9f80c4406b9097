"""Small helpers shared by the page templates (empty states, pagination)."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.utils.translation import gettext, pgettext

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


@register.filter
def in_brackets(value: object) -> str:
    """Text in brackets of the reader's language: （延川县民政局） in Chinese, (…) in English."""
    return gettext("(%(text)s)") % {"text": value}


# Punctuation between a label and its value, between items of a list and between clauses: full-width
# in Chinese (：、；), Latin in English, so an English page carries no Chinese punctuation.
@register.simple_tag
def colon() -> str:
    return pgettext("punctuation", ": ")


@register.simple_tag
def list_sep() -> str:
    return pgettext("punctuation", ", ")


@register.simple_tag
def semicolon() -> str:
    return pgettext("punctuation", "; ")


@register.filter
def join_words(values: object) -> str:
    """Items joined with the reader's list separator (、 in Chinese)."""
    return pgettext("punctuation", ", ").join(str(value) for value in (values or []))  # type: ignore[attr-defined]
