"""Role-aware navigation. Each app lists its own entries in ``<app>/navigation.py``;
this module puts them in order for the signed-in user and sorts them into a few groups,
so that a caseworker's fourteen entries read as five short menus (and one short list on a phone)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.navigation_types import NavItem
from accounts.permissions import effective_role
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

# Menu groups in the order they appear; an entry whose URL name is not listed goes to "More".
GROUPS: list[tuple[str, Any, tuple[str, ...]]] = [
    (
        "people",
        _("People and needs"),
        (
            "beneficiaries:person_list",
            "beneficiaries:household_list",
            "beneficiaries:need_list",
            "beneficiaries:need_create",
            "beneficiaries:emergency_board",
        ),
    ),
    (
        "referrals",
        _("Referrals and help"),
        (
            "cases:inbox",
            "matching:run_list",
            "matching:nightly",
            "supervision:approval_list",
            "cases:follow_up_list",
            "cases:direct_help_list",
            "cases:station_offline",
            "cases:happiness_list",
        ),
    ),
    (
        "supply",
        _("Supply and organizations"),
        ("charities:resource_list", "charities:dashboard", "core:organization_list"),
    ),
    ("reports", _("Statistics"), ("dashboards:county", "dashboards:evaluation")),
    (
        "supervision",
        _("Supervision"),
        (
            "supervision:complaint_list",
            "supervision:audit_log",
            "supervision:conflict_list",
            "supervision:declaration_list",
            "admin:index",
        ),
    ),
]
OTHER_GROUP = "more"

# Pages that belong to another entry than their URL suggests: the ledger is opened from a person or
# a household, so the menu marks the register, not the referrals.
SECTION_OF_PATH = {"/cases/ledger/": "beneficiaries:person_list"}


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


def _entries_for(user: User) -> list[tuple[str, str, str]]:
    """(URL name, label, URL) of each entry the user may open, in menu order."""
    role = effective_role(user)
    entries = [
        (item.url_name, str(item.label), reverse(item.url_name))
        for item in nav_items()
        if role in item.roles and (item.shown_to is None or item.shown_to(user))
    ]
    if user.is_staff:
        entries.append(("admin:index", str(_("Administration")), reverse("admin:index")))
    return entries


def _current_url(urls: list[str], path: str) -> str | None:
    """The entry the page belongs to: the longest entry URL that starts the path (home only exactly)."""
    matches = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    return max(matches, key=len) if matches else None


def items_for(user: User, path: str = "") -> list[dict[str, Any]]:
    if not user.is_authenticated:
        return []
    entries = _entries_for(user)
    for prefix, url_name in SECTION_OF_PATH.items():
        if path.startswith(prefix):
            path = reverse(url_name)
    current = _current_url([url for _name, _label, url in entries], path)
    return [{"name": name, "label": label, "url": url, "current": url == current} for name, label, url in entries]


def groups_for(user: User, path: str = "") -> list[dict[str, Any]]:
    """The user's entries by group, home first and on its own; empty groups are left out."""
    items = items_for(user, path)
    by_name = {item["name"]: item for item in items}
    groups: list[dict[str, Any]] = []
    placed = {"home"}
    if "home" in by_name:
        groups.append({"key": "home", "label": by_name["home"]["label"], "items": [by_name["home"]]})
    for key, label, names in GROUPS:
        members = [by_name[name] for name in names if name in by_name]
        placed.update(names)
        if members:
            groups.append({"key": key, "label": str(label), "items": members})
    rest = [item for item in items if item["name"] not in placed]
    if rest:
        groups.append({"key": OTHER_GROUP, "label": str(_("More")), "items": rest})
    for group in groups:
        group["current"] = any(item["current"] for item in group["items"])
    return groups
