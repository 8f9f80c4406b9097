"""Calendar arithmetic that holds on every day of the year, and one range for every date a
person types: 1900-01-01 … 2100-12-31.

Dates outside it are typing slips or probes (``?until=9999-12-31``, ``0001-01-01``), and the first
day after 9999-12-31 or before 0001-01-01 does not exist, so a period filter that added or took a
day crashed. Filter forms use :class:`DayField`, the API's date fields :class:`ApiDateField` /
:class:`ApiDateTimeField` (every model serializer's date, see ``core.apps``), and views that read
a bare query parameter :func:`parse_day`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

D = TypeVar("D", dt.date, dt.datetime)


def add_years(value: D, years: int) -> D:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    year = value.year + years
    day = min(value.day, calendar.monthrange(year, value.month)[1])
    return value.replace(year=year, day=day)


EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)


def validate_day(value: dt.date | dt.datetime | None) -> None:
    """Refuse a date (or the day of a datetime) outside EARLIEST … LATEST with a clear message."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(
            _("%(day)s is not a plausible date: choose one between %(earliest)s and %(latest)s."),
            code="date_out_of_range",
            params={"day": day.isoformat(), "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


def parse_day(text: str | None) -> dt.date | None:
    """A query parameter as a date, or None when it is missing, malformed or out of range."""
    try:
        day = dt.date.fromisoformat(text or "")
        validate_day(day)
    except (ValueError, ValidationError):
        return None
    return day


class DayField(forms.DateField):
    default_validators = [validate_day]


def _drf_validate_day(value: Any) -> None:
    try:
        validate_day(value)
    except ValidationError as error:
        raise serializers.ValidationError(error.messages) from error


class ApiDateField(serializers.DateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(_drf_validate_day)


class ApiDateTimeField(serializers.DateTimeField):
    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        # Before the time zone is applied: 0001-01-01T00:00 in Asia/Shanghai is before the first instant.
        _drf_validate_day(value)
        return super().enforce_timezone(value)
