"""Serializer fields every model serializer uses for its model fields (mapped in ``core.apps``), and the
quicker row representation of the serializers of long lists."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

# The longest free text a model serializer accepts unless the field says otherwise.
TEXT_MAX_LENGTH = 10_000


class ApiTextField(serializers.CharField):
    """A model ``TextField`` in the API: limited to ``TEXT_MAX_LENGTH`` characters."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", TEXT_MAX_LENGTH)
        super().__init__(**kwargs)


class QuickRepresentation:
    """``to_representation`` for model serializers that list many rows (issue #17: a 200-row page
    spent most of its time in DRF's per-field machinery, not in SQL).

    The output is DRF's, field by field: the same field objects turn the same values into JSON.
    What changes is how a value is found: the readable fields are listed once per serializer (DRF
    lists them again for every row), and a field that shows a model column as it is (its source
    is one concrete column, or the id of a foreign key shown as a primary key) reads the attribute
    directly instead of through DRF's general lookup (dotted paths, callables, mappings)."""

    def _quick_fields(self) -> list[tuple[str, Any, Callable[[Any], Any]]]:
        cached: list[tuple[str, Any, Callable[[Any], Any]]] | None = self.__dict__.get("_quick")
        if cached is not None:
            return cached
        model = getattr(getattr(self, "Meta", None), "model", None)
        columns = {f.name: f for f in model._meta.concrete_fields} if model is not None else {}
        quick = []
        for field in self._readable_fields:  # type: ignore[attr-defined]
            source = field.source_attrs[0] if len(field.source_attrs) == 1 else None
            column = columns.get(source) if source else None
            getter: Callable[[Any], Any] = field.get_attribute
            if column is not None and not column.is_relation and not isinstance(field, serializers.BaseSerializer):
                getter = attrgetter(column.attname)
            elif (
                column is not None
                and column.many_to_one
                and type(field) is serializers.PrimaryKeyRelatedField
                and field.pk_field is None
            ):
                getter = _pk_only(column.attname)
            quick.append((field.field_name, field, getter))
        self.__dict__["_quick"] = quick
        return quick

    def to_representation(self, instance: Any) -> dict[str, Any]:
        ret: dict[str, Any] = {}
        for name, field, getter in self._quick_fields():
            try:
                attribute = getter(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check_for_none is None else field.to_representation(attribute)
        return ret


def _pk_only(attname: str) -> Callable[[Any], Any]:
    def get(instance: Any) -> Any:
        value = getattr(instance, attname)
        return None if value is None else PKOnlyObject(pk=value)

    return get
