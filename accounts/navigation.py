"""Role-aware navigation. Each app lists its own entries in ``<app>/navigation.py``;
this module puts them in order for the signed-in user."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.navigation_types import NavItem
from beneficiaries.navigation import NAV_ITEMS as REGISTER_ITEMS
from cases.navigation import NAV_ITEMS as CASE_ITEMS
from charities.navigation import NAV_ITEMS as CHARITY_ITEMS
from dashboards.navigation import NAV_ITEMS as DASHBOARD_ITEMS
from matching.navigation import NAV_ITEMS as MATCHING_ITEMS
from supervision.navigation import NAV_ITEMS as SUPERVISION_ITEMS

ALL_ROLES = frozenset(Role.values)

CORE_ITEMS: list[NavItem] = [
    NavItem(
        _("Organizations"),
        "core:organization_list",
        frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.CHARITY_STAFF, Role.ADMIN}),
    ),
]


def nav_items() -> list[NavItem]:
    return [
        NavItem(_("Home"), "home", ALL_ROLES),
        *REGISTER_ITEMS,
        *CASE_ITEMS,
        *MATCHING_ITEMS,
        *CHARITY_ITEMS,
        *DASHBOARD_ITEMS,
        *SUPERVISION_ITEMS,
        *CORE_ITEMS,
    ]


def items_for(user: User) -> list[dict[str, str]]:
    if not user.is_authenticated:
        return []
    role = Role.ADMIN if user.is_superuser else user.role
    items = [{"label": str(item.label), "url": reverse(item.url_name)} for item in nav_items() if role in item.roles]
    if user.is_staff:
        items.append({"label": str(_("Administration")), "url": reverse("admin:index")})
    return items
