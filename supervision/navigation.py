"""This app's entries in the role-aware navigation (see accounts/navigation.py)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.navigation_types import NavItem

NAV_ITEMS: list[NavItem] = [
    NavItem(_("Audit log"), "supervision:audit_log", frozenset({Role.SUPERVISOR, Role.ADMIN})),
    NavItem(_("Complaint handling"), "supervision:complaint_list", frozenset({Role.SUPERVISOR, Role.ADMIN})),
    NavItem(_("Conflict alerts"), "supervision:conflict_list", frozenset({Role.SUPERVISOR, Role.ADMIN})),
    NavItem(_("Second approvals"), "supervision:approval_list", frozenset({Role.CASEWORKER})),
    NavItem(
        _("Declared relatives"),
        "supervision:declaration_list",
        frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.CHARITY_STAFF, Role.SUPERVISOR}),
    ),
]
