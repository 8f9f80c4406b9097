"""Who may see and do what with a referral.

Seeing (404 otherwise, the same answer as for a missing referral):
- caseworkers, station workers and supervisors: referrals of people in their jurisdiction;
- charity staff: referrals sent to their organization (a django-guardian grant, while
  the referral is active and for a while after it closes) and referrals to government
  their organization sent;
- administrators: everything.

Doing (403 otherwise): the referring side sends, withdraws, closes and refers again; the
receiving side accepts, declines, starts, reports feedback (to a charity) or decides (to
government). For ``to_charity`` the referring side is a caseworker whose jurisdiction holds
the person and the receiving side the charity's staff; for ``to_government`` it is the other
way round. Station workers and supervisors only read.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import effective_role
from cases.models import Direction, FollowUp, Referral
from cases.selectors import follow_ups_visible_to, referrals_visible_to
from core.permissions import int_or_404

REFERRER = "referrer"
RECEIVER = "receiver"


def role_of(user: Any) -> str:
    return effective_role(user)


def _in_jurisdiction(user: User, region_code: str) -> bool:
    return user.jurisdiction is not None and region_code.startswith(user.jurisdiction.subtree_prefix)


def is_on_side(user: User, referral: Referral, side: str) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    role = role_of(user)
    government_side = (REFERRER if referral.direction == Direction.TO_CHARITY else RECEIVER) == side
    if government_side:
        return role == Role.CASEWORKER and _in_jurisdiction(user, referral.region_id)
    organization_id = (
        referral.to_organization_id if referral.direction == Direction.TO_CHARITY else referral.from_organization_id
    )
    return role == Role.CHARITY_STAFF and user.organization_id == organization_id


def require_side(user: User, referral: Referral, side: str) -> None:
    if not is_on_side(user, referral, side):
        if side == REFERRER:
            raise PermissionDenied(_("Only the organization that made this referral may do this."))
        raise PermissionDenied(_("Only the organization this referral was sent to may do this."))


def can_create_to_charity(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and role_of(user) == Role.CASEWORKER)


def can_create_to_government(user: Any) -> bool:
    return bool(
        user.is_authenticated and user.is_active and role_of(user) == Role.CHARITY_STAFF and user.organization_id
    )


def referral_for_user(user: User, pk: Any) -> Referral:
    """The referral if this user may see it; 404 for missing and forbidden alike."""
    message = _("No such referral.")
    referral = (
        referrals_visible_to(user)
        # Only what every caller reads. The person, household, consent, resource, previous referral
        # and creator load when a page reads them (one small query each, as a prefetch would cost):
        # joining all eleven tables cost PostgreSQL ~20 ms of planning (its join-order search) for
        # this one-row lookup, on every referral page and action (bench/load.py), and an action
        # reads none of them.
        .select_related("region", "from_organization", "to_organization")
        .filter(pk=int_or_404(pk, message))
        .first()
    )
    if referral is None:
        raise Http404(message)
    return referral


def follow_up_for_user(user: User, pk: Any) -> FollowUp:
    message = _("No such follow-up visit.")
    follow_up = (
        follow_ups_visible_to(user)
        .select_related("referral__person", "referral__to_organization", "region")
        .filter(pk=int_or_404(pk, message))
        .first()
    )
    if follow_up is None:
        raise Http404(message)
    return follow_up


def can_record_follow_up(user: User, follow_up: FollowUp) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and role_of(user) in (Role.STATION_WORKER, Role.CASEWORKER)
        and _in_jurisdiction(user, follow_up.region_id)
    )
