"""Role-aware navigation. Each entry names the roles that see it; later
features add entries here rather than in templates."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User

ALL_ROLES = frozenset(Role.values)


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str]


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home", ALL_ROLES),
    NavItem(
        _("Organizations"),
        "core:organization_list",
        frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.CHARITY_STAFF, Role.ADMIN}),
    ),
]


def items_for(user: User) -> list[dict[str, str]]:
    if not user.is_authenticated:
        return []
    role = Role.ADMIN if user.is_superuser else user.role
    items = [{"label": str(item.label), "url": reverse(item.url_name)} for item in NAV_ITEMS if role in item.roles]
    if user.is_staff:
        items.append({"label": str(_("Administration")), "url": reverse("admin:index")})
    return items
