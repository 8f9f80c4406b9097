"""Calendar arithmetic that holds on every day of the year."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import TypeVar

D = TypeVar("D", date, datetime)


def add_years(value: D, years: int) -> D:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    year = value.year + years
    day = min(value.day, calendar.monthrange(year, value.month)[1])
    return value.replace(year=year, day=day)
