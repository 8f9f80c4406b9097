"""This app's entries in the role-aware navigation (see accounts/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.navigation_types import NavItem

DASHBOARD_ROLES = frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.ADMIN})

NAV_ITEMS: list[NavItem] = [
    NavItem(_("Dashboard"), "dashboards:county", DASHBOARD_ROLES),
    NavItem(_("Evaluation"), "dashboards:evaluation", DASHBOARD_ROLES),
]
