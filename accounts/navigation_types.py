from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    """One link of the main navigation, shown to the listed roles (role codes of accounts.Role) and,
    with ``shown_to``, only to the users it accepts (e.g. staff above a county)."""

    label: str | Promise
    url_name: str
    roles: frozenset[str]
    shown_to: Callable[[Any], bool] | None = None
