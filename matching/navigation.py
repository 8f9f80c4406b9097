"""This app's entries in the role-aware navigation (see accounts/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.navigation_types import NavItem
from matching.permissions import can_watch_nightly

NAV_ITEMS: list[NavItem] = [
    NavItem(
        _("Matching"),
        "matching:run_list",
        frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.ADMIN}),
    ),
    NavItem(
        _("Nightly matching by county"),
        "matching:nightly",
        frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.ADMIN}),
        shown_to=can_watch_nightly,
    ),
]
