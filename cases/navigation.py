"""This app's entries in the role-aware navigation (see accounts/navigation.py)."""

from accounts.navigation_types import NavItem

NAV_ITEMS: list[NavItem] = []
