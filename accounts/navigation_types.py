from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    """One link of the main navigation, shown to the listed roles (role codes of accounts.Role)."""

    label: str | Promise
    url_name: str
    roles: frozenset[str]
