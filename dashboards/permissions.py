"""Who may read the dashboards, and over which region."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import JURISDICTION_ROLES, User
from core.models import Region


def dashboard_region_for(user: User) -> Region | None:
    """The region a user's dashboard covers: the jurisdiction of a caseworker, station worker
    (its township) or supervisor; None (everywhere) for the admin.

    Charity staff are refused (403): these figures are about the people of a county, which a
    charity sees only through referrals to it; their own figures are on /supply/dashboard/."""
    if user.is_admin_role:
        return None
    if user.role in JURISDICTION_ROLES and user.jurisdiction is not None:
        return user.jurisdiction
    raise PermissionDenied
