"""Texts kept as message keys and parameters, said in the reader's language when they are read.

A notification is written by one person (in their language) and read by another, perhaps in
another language, perhaps later by e-mail. So it is stored as a *text*: a plain JSON value that
names the msgid (the English source string of the catalogue), its translation context and its
parameters, and is turned into words only by ``render`` in the reader's language.

A text is one of:

- a plain string or number: said as it is (a name, a reference number, a reason someone typed);
- ``{"msgid": "...", "context": "...", "params": {...}}``: ``gettext``/``pgettext`` of the msgid,
  with the parameters (texts themselves) put in;
- ``{"choice": "app.module.EnumClass", "value": "code"}``: a choice's label (``Outcome.HELPED``),
  so a code never reaches the reader and its label follows the reader's language;
- ``{"join": [text, ...]}``: the parts that are not empty, one space apart.

Build them with ``text``, ``choice`` and ``join``; the msgid is wrapped in ``gettext_noop`` at the
call site so the catalogue's tools still find it.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext, pgettext

Text = str | int | dict[str, Any]


def text(msgid: str, *, context: str = "", **params: Text | Enum) -> dict[str, Any]:
    value: dict[str, Any] = {"msgid": msgid}
    if context:
        value["context"] = context
    if params:
        value["params"] = {key: choice(p) if isinstance(p, Enum) else p for key, p in params.items()}
    return value


def choice(member: Enum) -> dict[str, Any]:
    """A TextChoices member, said by its label in the reader's language."""
    cls = type(member)
    return {"choice": f"{cls.__module__}.{cls.__qualname__}", "value": member.value}


def join(*parts: Text | None) -> dict[str, Any]:
    return {"join": [part for part in parts if part not in (None, "")]}


def _choice_label(path: str, value: Any) -> str:
    try:
        return str(import_string(path)(value).label)
    except (ImportError, ValueError):  # a choice removed since the row was written: its code beats nothing
        return str(value)


def _say(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, dict):
        return str(value)
    if "join" in value:
        return " ".join(said for said in (_say(part) for part in value["join"]) if said)
    if "choice" in value:
        return _choice_label(str(value["choice"]), value.get("value"))
    msgid = str(value.get("msgid", ""))
    context = value.get("context")
    said = pgettext(context, msgid) if context else gettext(msgid)
    params = value.get("params")
    if not params:
        return said
    # Numbers stay numbers (a msgid may say %(count)d); everything else is said first.
    values = {key: param if isinstance(param, int | float) else _say(param) for key, param in params.items()}
    try:
        return said % values
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder: the source text
        return msgid % values


def render(value: Any, language: str | None = None) -> str:
    """The text in ``language`` (a language code), or in the active language when None."""
    if language is None:
        return _say(value)
    with translation.override(language):
        return _say(value)
