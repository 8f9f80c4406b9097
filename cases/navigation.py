"""This app's entries in the role-aware navigation (see accounts/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.navigation_types import NavItem

NAV_ITEMS: list[NavItem] = [
    NavItem(
        _("Referrals"),
        "cases:inbox",
        frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.CHARITY_STAFF, Role.ADMIN}),
    ),
    NavItem(_("Follow-up visits"), "cases:follow_up_list", frozenset({Role.STATION_WORKER, Role.CASEWORKER})),
    NavItem(
        _("Direct help"),
        "cases:direct_help_list",
        frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.CHARITY_STAFF, Role.SUPERVISOR}),
    ),
    NavItem(_("Work offline"), "cases:station_offline", frozenset({Role.STATION_WORKER})),
    NavItem(_("Happiness list"), "cases:happiness_list", frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.ADMIN})),
]
