"""What the cases app asks the apps above it (core.hooks explains why hooks, not imports).

The supervision app (严防优亲厚友, SPEC rule 11) connects to all three in its ``AppConfig.ready``:

- ``referral_created(referral, by)``: flag a referral about a declared relative; when its maker
  declared the person, open the request for a second caseworker's approval.
- ``referral_before_send(referral, by)``: refuse sending when the sender declared the person and
  no other caseworker approved.
- ``referral_before_act(referral, by, action, person=None)``: refuse a receiver's step (accept,
  start, feedback, decide, link to the register) by someone who declared the person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.hooks import Hook

if TYPE_CHECKING:
    from accounts.models import User
    from beneficiaries.models import Person
    from cases.models import Referral

referral_created = Hook("cases.referral_created")
referral_before_send = Hook("cases.referral_before_send")
referral_before_act = Hook("cases.referral_before_act")


def referral_conflict_check_create(*, referral: Referral, by: User) -> None:
    referral_created(referral=referral, by=by)


def referral_conflict_check_send(*, referral: Referral, by: User) -> None:
    referral_before_send(referral=referral, by=by)


def referral_conflict_check_act(
    *, referral: Referral, by: User | None, action: str, person: Person | None = None
) -> None:
    if by is not None:
        referral_before_act(referral=referral, by=by, action=action, person=person)
