"""Translated choice labels, made once per language and reused (issue #17, "cheaper requests").

Django's ``get_FOO_display()`` rebuilds a dict of all the field's choices on every call, and each
label is a lazy translation resolved again through the active language: a list page did that for
every code of every row (status, urgency, direction, category, gender …). The labels a field or a
choices class gives in a language never change while the process runs, so they are kept here, one
dict per field (or class) and language.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


@cache
def _field_labels(field: models.Field[Any, Any], language: str | None) -> dict[Any, str]:
    return {make_hashable(code): force_str(label) for code, label in field.flatchoices}


@cache
def _class_labels(choices: type[models.Choices], language: str | None) -> dict[Any, str]:
    return {code: force_str(label) for code, label in choices.choices}


def field_choice_label(field: models.Field[Any, Any], value: Any) -> Any:
    """What ``get_FOO_display()`` gives for ``value``: its label, or the value itself if it is no choice."""
    key = make_hashable(value)
    labels = _field_labels(field, get_language())
    return labels[key] if key in labels else force_str(value, strings_only=True)


def choice_labels(choices: type[models.Choices]) -> dict[Any, str]:
    """``dict(choices.choices)`` with the labels translated into the active language (do not change it)."""
    return _class_labels(choices, get_language())


class CachedChoiceLabels:
    """For a model: every ``get_FOO_display()`` answered from ``field_choice_label``."""

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        return field_choice_label(field, getattr(self, field.attname))
