"""Access helpers: fetch and authorise; outside the user's scope is 404 like missing."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import effective_role
from core.permissions import int_or_404
from supervision.models import Declaration, ReferralApproval
from supervision.selectors import approvals_visible_to, declarations_of

DECLARING_ROLES = frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.CHARITY_STAFF, Role.SUPERVISOR})


def can_declare(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and effective_role(user) in DECLARING_ROLES)


def can_approve(user: User) -> bool:
    return bool(
        user.is_authenticated and user.is_active and effective_role(user) == Role.CASEWORKER and user.jurisdiction_id
    )


def can_read_conflicts(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and effective_role(user) in (Role.ADMIN, Role.SUPERVISOR, Role.CASEWORKER)
    )


def approval_for_user(user: User, pk: int | str) -> ReferralApproval:
    message = _("No such approval.")
    approval = approvals_visible_to(user).filter(pk=int_or_404(pk, message)).first()
    if approval is None:
        raise Http404(message)
    return approval


def declaration_for_user(user: User, pk: int | str) -> Declaration:
    message = _("No such declaration.")
    declaration = declarations_of(user).filter(pk=int_or_404(pk, message)).first()
    if declaration is None:
        raise Http404(message)
    return declaration
