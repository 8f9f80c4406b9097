"""Who may read and write the register, and the access helpers that fetch *and* authorise.

- station workers read and write their township (their jurisdiction subtree);
- caseworkers read and write their county;
- supervisors read their county and write nothing (403);
- charity staff see no one here (they see referred persons through referrals);
- administrators see everything.

Objects outside what a user may see answer 404, exactly like missing ones.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.permissions import effective_role
from beneficiaries.models import AssistanceRecord, Consent, Household, Need, Person
from beneficiaries.selectors import (
    assistance_records_visible_to,
    consents_visible_to,
    households_visible_to,
    needs_visible_to,
    persons_visible_to,
)
from core.permissions import int_or_404

READ_ROLES = frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.ADMIN})
WRITE_ROLES = frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.ADMIN})
REVEAL_ROLES = frozenset({Role.CASEWORKER, Role.STATION_WORKER, Role.SUPERVISOR, Role.ADMIN})


def can_read_register(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and effective_role(user) in READ_ROLES)


def can_write_register(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and effective_role(user) in WRITE_ROLES)


def can_refer(user: Any) -> bool:
    """Who sees the 转介 button on a person's or a need's page: the roles that may refer to a charity
    (the same rule as ``cases.permissions.can_create_to_charity``, which the referral form enforces)."""
    return bool(user.is_authenticated and user.is_active and effective_role(user) == Role.CASEWORKER)


def can_reveal(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and effective_role(user) in REVEAL_ROLES)


def require_write(user: User) -> None:
    if not can_write_register(user):
        raise PermissionDenied(_("Your role may read the register but not change it."))


M = TypeVar("M", bound=Model)


def _get(queryset: QuerySet[M], pk: Any, message: str) -> M:
    obj = queryset.filter(pk=int_or_404(pk, message)).first()
    if obj is None:
        raise Http404(message)
    return obj


def person_for_user(user: User, pk: Any, *, write: bool = False) -> Person:
    person = _get(persons_visible_to(user), pk, _("No such person."))
    if write:
        require_write(user)
    return person


def household_for_user(user: User, pk: Any, *, write: bool = False) -> Household:
    household = _get(households_visible_to(user), pk, _("No such household."))
    if write:
        require_write(user)
    return household


def need_for_user(user: User, pk: Any, *, write: bool = False) -> Need:
    need = _get(needs_visible_to(user), pk, _("No such need."))
    if write:
        require_write(user)
    return need


def consent_for_user(user: User, pk: Any, *, write: bool = False) -> Consent:
    consent = _get(consents_visible_to(user), pk, _("No such consent record."))
    if write:
        require_write(user)
    return consent


def assistance_record_for_user(user: User, pk: Any) -> AssistanceRecord:
    return _get(assistance_records_visible_to(user), pk, _("No such assistance record."))
