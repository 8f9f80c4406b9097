"""This app's entries in the role-aware navigation (see accounts/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.navigation_types import NavItem

REGISTER_ROLES = frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.ADMIN})

NAV_ITEMS: list[NavItem] = [
    NavItem(_("Register"), "beneficiaries:person_list", REGISTER_ROLES),
    NavItem(_("Households"), "beneficiaries:household_list", REGISTER_ROLES),
    NavItem(_("Need list"), "beneficiaries:need_list", REGISTER_ROLES),
    NavItem(_("Log a need"), "beneficiaries:need_create", frozenset({Role.STATION_WORKER, Role.CASEWORKER})),
    NavItem(
        _("Emergencies"),
        "beneficiaries:emergency_board",
        frozenset({Role.STATION_WORKER, Role.CASEWORKER, Role.SUPERVISOR}),
    ),
]
