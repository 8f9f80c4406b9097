"""Who may run matching and decide proposals; access helpers that fetch *and* authorise.

- caseworkers start runs for their jurisdiction (or a region inside it) and confirm or reject
  proposals there;
- station workers read proposals in their township; supervisors read their county;
- charity staff and other counties see nothing (404 for objects, 403 for starting a run);
- administrators may do everything.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import JURISDICTION_ROLES, Role, User
from accounts.permissions import effective_role
from core.models import Region, RegionLevel
from core.permissions import int_or_404
from matching.models import MatchingRun, MatchProposal
from matching.selectors import proposals_visible_to, runs_visible_to

READ_ROLES = frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.ADMIN})
DECIDE_ROLES = frozenset({Role.CASEWORKER, Role.ADMIN})


def role_of(user: Any) -> str:
    return effective_role(user)


def can_read(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and role_of(user) in READ_ROLES)


def can_run(user: Any) -> bool:
    """Start runs and decide proposals: a caseworker with a jurisdiction, or an administrator."""
    if not (user.is_authenticated and user.is_active):
        return False
    role = role_of(user)
    return role == Role.ADMIN or (role == Role.CASEWORKER and user.jurisdiction is not None)


def require_run(user: User) -> None:
    if not can_run(user):
        raise PermissionDenied(_("Only civil affairs caseworkers run matching and decide its proposals."))


def region_for_run(user: User, code: str | None) -> Region:
    """The region a run covers: the caseworker's jurisdiction by default, or a region inside it."""
    require_run(user)
    if not code:
        if user.jurisdiction is None:
            raise PermissionDenied(_("Choose the region to match."))
        return user.jurisdiction
    region = Region.objects.filter(code=str(code)).first()
    if region is None or (not user.is_admin_role and not (user.jurisdiction and user.jurisdiction.contains(region))):
        raise PermissionDenied(_("You can run matching only for your own jurisdiction or a region inside it."))
    return region


def run_for_user(user: User, pk: Any) -> MatchingRun:
    message = _("No such matching run.")
    run = runs_visible_to(user).filter(pk=int_or_404(pk, message)).first()
    if run is None:
        raise Http404(message)
    return run


def proposal_for_user(user: User, pk: Any, *, decide: bool = False) -> MatchProposal:
    """The proposal if this user may see it (404 otherwise); with ``decide`` also that they may act (403)."""
    message = _("No such proposal.")
    proposal = proposals_visible_to(user).filter(pk=int_or_404(pk, message)).first()
    if proposal is None:
        raise Http404(message)
    if decide:
        require_run(user)
    return proposal


def can_watch_nightly(user: Any) -> bool:
    """The nightly matching county by county is for administrators and staff of a city or a province."""
    if not (user.is_authenticated and user.is_active):
        return False
    if role_of(user) == Role.ADMIN:
        return True
    region = user.jurisdiction
    return role_of(user) in JURISDICTION_ROLES and region is not None and region.level < RegionLevel.COUNTY


def nightly_region_for(user: User) -> Region | None:
    """The city or province whose counties' nightly runs this user watches; None (everywhere) for
    the administrator; 403 for anyone at a county or below."""
    if not can_watch_nightly(user):
        raise PermissionDenied(_("The nightly matching of every county is for city and province levels."))
    return None if role_of(user) == Role.ADMIN else user.jurisdiction
