"""Serializer fields every model serializer uses for its model fields (mapped in ``core.apps``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

# The longest free text a model serializer accepts unless the field says otherwise.
TEXT_MAX_LENGTH = 10_000


class ApiTextField(serializers.CharField):
    """A model ``TextField`` in the API: limited to ``TEXT_MAX_LENGTH`` characters."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", TEXT_MAX_LENGTH)
        super().__init__(**kwargs)
