"""The six demo accounts of API.md, and a second caseworker (the colleague who grants or refuses a
conflict-of-interest second approval, 复核审批)."""

from __future__ import annotations

from accounts.models import Role, User
from core.demo import DEMO_COUNTY, DEMO_TOWNSHIP
from core.models import Organization

# username, full name, role, organization key, jurisdiction
ACCOUNTS: list[tuple[str, str, str, str | None, str | None]] = [
    ("admin", "系统管理员", Role.ADMIN, None, None),
    ("caseworker", "王建华", Role.CASEWORKER, "bureau", DEMO_COUNTY),
    ("station", "李秀梅", Role.STATION_WORKER, "yongping_station", DEMO_TOWNSHIP),
    ("charity", "张志强", Role.CHARITY_STAFF, "charity", None),
    ("charity2", "刘晓燕", Role.CHARITY_STAFF, "other_charity", None),
    ("supervisor", "赵国庆", Role.SUPERVISOR, "bureau", DEMO_COUNTY),
    ("caseworker2", "陈丽娟", Role.CASEWORKER, "bureau", DEMO_COUNTY),
]


def seed_accounts(organizations: dict[str, Organization], password: str) -> dict[str, User]:
    users: dict[str, User] = {}
    for username, full_name, role, org_key, jurisdiction in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "role": role,
                "organization": organizations[org_key] if org_key else None,
                "jurisdiction_id": jurisdiction,
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        # Re-running with the same password changes nothing; a new password is applied.
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        users[username] = user
    return users
