"""This app's entries in the role-aware navigation (see accounts/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.navigation_types import NavItem

NAV_ITEMS: list[NavItem] = [
    NavItem(
        _("Supply list"),
        "charities:resource_list",
        frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.CHARITY_STAFF, Role.ADMIN}),
    ),
    NavItem(_("Our organization"), "charities:dashboard", frozenset({Role.CHARITY_STAFF})),
]
