"""The referral's life after sending: accept, start, feedback, and every way it ends
(decline, withdraw, expire, close), each one service through ``TRANSITIONS``.

Every end goes through ``referral_end``: it gives back the places and money the referral
held, puts its needs where they belong (fulfilled when helped, open for matching again
otherwise) and ends the receiving organization's sight of the person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.models import User
from beneficiaries.models import NeedStatus
from beneficiaries.texting import text_person
from cases.models import Direction, Outcome, Referral
from cases.transitions import (
    RECEIVER,
    REFERRER,
    Message,
    ReferralError,
    S,
    check_transition,
    lock_referral,
    move,
    needs_to,
    revoke_access,
    tell_both_sides,
    tell_side,
)
from charities.models import DeliveredService, Resource
from charities.services import resource_record_delivery, resource_release_capacity, resource_reserve_capacity
from core.texts import text


# --- what a referral holds, and the one step that ends it ------------------------------
def _amount_to_reserve(referral: Referral, resource: Resource) -> Decimal | None:
    """Money an accepted referral holds: the per-person limit, or what its needs ask if less;
    with only a budget, what the needs ask. ``None`` when the resource counts no money."""
    if resource.per_person_limit is None and resource.capacity_amount is None:
        return None
    asked = [n.amount_requested for n in referral.needs.all() if n.amount_requested]
    requested = sum(asked, Decimal(0)) if asked else None
    if resource.per_person_limit is None:
        return requested
    return min(requested, resource.per_person_limit) if requested is not None else resource.per_person_limit


def _release(referral: Referral, by: User | None, note: str) -> None:
    """Give back the place and the money the referral still holds (nothing twice)."""
    if referral.resource is None or not (referral.capacity_reserved or referral.amount_reserved):
        return
    resource_release_capacity(
        resource=referral.resource,
        people=1 if referral.capacity_reserved else 0,
        amount=referral.amount_reserved,
        by=by,
        referral_id=referral.pk,
        note=note[:300],
    )
    referral.capacity_reserved, referral.amount_reserved = False, None


def _settle(referral: Referral, by: User | None, note: str) -> None:
    """Release what is held and put the needs where they belong: fulfilled when helped,
    open for matching again when not (declined, withdrawn, expired, not or partly helped)."""
    _release(referral, by, note)
    if referral.direction != Direction.TO_CHARITY:
        return
    if referral.outcome == Outcome.HELPED:
        needs_to(referral, NeedStatus.FULFILLED, by=by, note=referral.reference)
    else:
        needs_to(referral, NeedStatus.OPEN, by=by, note=note or referral.reference)


def referral_end(
    referral: Referral,
    *,
    action: str,
    by: User | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    extra: Sequence[str] = (),
    now: datetime | None = None,
) -> None:
    """The one step every end of a referral takes (on a row the caller has locked and checked)."""
    _settle(referral, by, reason)
    referral.ended_at = now or timezone.now()
    fields = ["ended_at", "capacity_reserved", "amount_reserved", *extra]
    move(referral, action=action, by=by, reason=reason, data=data, extra=fields)
    if referral.direction == Direction.TO_CHARITY and action != "close":
        revoke_access(referral)  # closed referrals stay readable for the after-close period


# --- the steps -------------------------------------------------------------------------
def _next_deadline(referral: Referral, step: str) -> list[str]:
    """The deadline after acceptance (SPEC state machine): accepted → help starts within
    ``REFERRAL_START_HOURS``; started → feedback within ``REFERRAL_FEEDBACK_DAYS``, each by
    urgency. The reminder and escalation flags start again for the new deadline. Returns the
    fields to save."""
    now = timezone.now()
    urgency = referral.urgency if referral.urgency in settings.REFERRAL_START_HOURS else "routine"
    if step == "accept":
        referral.start_by = now + timedelta(hours=settings.REFERRAL_START_HOURS[urgency])
    else:
        referral.feedback_by = now + timedelta(days=settings.REFERRAL_FEEDBACK_DAYS[urgency])
    referral.late_reminded_at = referral.late_escalated_at = None
    return ["start_by", "feedback_by", "late_reminded_at", "late_escalated_at"]


def referral_accept(*, referral: Referral, by: User, start: bool = False) -> Referral:
    """Take the case: one place and its money are reserved on the referral's resource."""
    with transaction.atomic():
        referral = lock_referral(referral)
        check_transition("accept", referral, by)
        if start and not referral.fast_track:
            raise ReferralError(
                _("Only fast-track referrals can be accepted and started in one step."), code="referral_not_fast_track"
            )
        if referral.resource is not None and referral.direction == Direction.TO_CHARITY:
            usage = resource_reserve_capacity(
                resource=referral.resource,
                people=1,
                amount=_amount_to_reserve(referral, referral.resource),
                up_to_left=True,
                by=by,
                referral_id=referral.pk,
                region=referral.region,
            )
            referral.capacity_reserved = True
            referral.amount_reserved = usage.amount if usage.amount else None
        deadlines = _next_deadline(referral, "start" if start else "accept")
        move(referral, action="accept", by=by, extra=["capacity_reserved", "amount_reserved", *deadlines])
        if start:
            move(referral, action="start", by=by, data={"fast_track": True})
        org = referral.to_organization.name
        tell_both_sides(
            referral,
            kind="accepted",
            referrer=Message(
                text(N_("accepted and started by %(org)s"), org=org)
                if start
                else text(N_("accepted by %(org)s"), org=org)
            ),
            receiver=Message(
                text(N_("accepted and started")) if start else text(N_("accepted")),
                text(N_("A colleague took the case.")),
            ),
            by=by,
        )
        _text_the_person_accepted(referral)
        return referral


def _text_the_person_accepted(referral: Referral) -> None:
    """The person hears that a charity took their case, only where they consented to text messages
    (``beneficiaries.texting.text_person`` checks); the text names the referral number, not the charity."""
    person = referral.person
    if referral.direction != Direction.TO_CHARITY or person is None:
        return
    application = person.applications.order_by("-created_at").first()
    phone = person.phone or (application.phone if application is not None else "")
    text_person(
        person=person,
        phone=phone,
        template="referral_accepted",
        params={"reference": referral.reference},
        text=_("Your case %(reference)s was accepted by an organization that helps. It will contact you.")
        % {"reference": referral.reference},
    )


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason


def referral_decline(*, referral: Referral, by: User, reason: str) -> Referral:
    with transaction.atomic():
        reason = _reason(reason, _("Say why the referral is declined, so the office can refer the person elsewhere."))
        referral = lock_referral(referral)
        check_transition("decline", referral, by)
        referral_end(referral, action="decline", by=by, reason=reason)
        tell_both_sides(
            referral,
            kind="declined",
            referrer=Message(
                text(N_("declined by %(org)s — refer the person elsewhere"), org=referral.to_organization.name), reason
            ),
            receiver=Message(text(N_("declined")), reason),
            by=by,
        )
        return referral


def referral_start(*, referral: Referral, by: User) -> Referral:
    with transaction.atomic():
        referral = lock_referral(referral)
        check_transition("start", referral, by)
        move(referral, action="start", by=by, extra=_next_deadline(referral, "start"))
        tell_both_sides(
            referral,
            kind="started",
            referrer=Message(text(N_("%(org)s has started helping"), org=referral.to_organization.name)),
            receiver=Message(text(N_("help has started"))),
            by=by,
        )
        return referral


@dataclass
class Feedback:
    outcome: str
    amount: Decimal | None = None
    items: str = ""
    services: Sequence[str] = ()
    note: str = ""
    helped_on: date | None = None


def _clean_feedback(feedback: Feedback) -> Feedback:
    errors: dict[str, Any] = {}
    if feedback.outcome not in Outcome.values:
        errors["outcome"] = _("Choose helped, partially helped or not helped.")
    amount = feedback.amount
    if amount is not None:
        try:
            amount = Decimal(str(amount))
        except (InvalidOperation, ValueError):
            errors["amount"] = _("Enter the amount in yuan, e.g. 500 or 500.50.")
        else:
            if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
                errors["amount"] = _("Enter the amount in yuan, e.g. 500 or 500.50.")
    services = list(dict.fromkeys(feedback.services or []))
    if bad := [s for s in services if s not in DeliveredService.values]:
        errors["services"] = _("Unknown services: %(codes)s.") % {"codes": ", ".join(bad)}
    if feedback.helped_on and feedback.helped_on > timezone.localdate():
        errors["helped_on"] = _("The date help was given cannot be in the future.")
    if feedback.outcome in (Outcome.HELPED, Outcome.PARTIALLY_HELPED) and not (
        amount or feedback.items.strip() or services
    ):
        errors["outcome"] = _("Say what was given: an amount, goods or services.")
    if feedback.outcome == Outcome.NOT_HELPED and not feedback.note.strip():
        errors["note"] = _("Say why the person could not be helped.")
    if errors:
        raise ValidationError(errors)
    return Feedback(
        outcome=feedback.outcome,
        amount=amount,
        items=feedback.items.strip(),
        services=services,
        note=feedback.note.strip(),
        helped_on=feedback.helped_on or timezone.localdate(),
    )


def referral_feedback(*, referral: Referral, by: User, feedback: Feedback) -> Referral:
    """帮扶结果反馈: what was given. It enters the ledger and the resource's totals, within
    the per-person limit and the budget (SPEC rule 15); the needs become fulfilled if helped,
    and a referral that could not help gives its place, its money and its needs back at once."""
    with transaction.atomic():
        clean = _clean_feedback(feedback)
        referral = lock_referral(referral)
        check_transition("feedback", referral, by)
        referral.outcome, referral.amount, referral.items = clean.outcome, clean.amount, clean.items
        referral.services, referral.feedback_note, referral.helped_on = (
            list(clean.services),
            clean.note,
            clean.helped_on,
        )
        if referral.resource is not None and clean.outcome != Outcome.NOT_HELPED:
            resource_record_delivery(
                resource=referral.resource,
                people=1,
                amount=clean.amount,
                reserved_amount=referral.amount_reserved,
                services=list(clean.services),
                region=referral.region,
                by=by,
                referral_id=referral.pk,
                note=clean.items[:300],
            )
            referral.capacity_reserved, referral.amount_reserved = False, None  # used, not held
        if clean.outcome == Outcome.NOT_HELPED:
            _settle(referral, by, clean.note)
        elif clean.outcome == Outcome.HELPED:
            needs_to(referral, NeedStatus.FULFILLED, by=by, note=referral.reference)
        fields = ["outcome", "amount", "items", "services", "feedback_note", "helped_on"]
        move(
            referral,
            action="feedback",
            by=by,
            reason=clean.note,
            extra=[*fields, "capacity_reserved", "amount_reserved"],
            data={"outcome": clean.outcome, "amount": str(clean.amount or "")},
        )
        outcome = Outcome(clean.outcome)
        tell_both_sides(
            referral,
            kind="feedback",
            referrer=Message(
                text(N_("%(org)s reported: %(outcome)s"), org=referral.to_organization.name, outcome=outcome),
                clean.note,
            ),
            receiver=Message(text(N_("feedback: %(outcome)s"), outcome=outcome), clean.note),
            by=by,
        )
        return referral


def referral_close(*, referral: Referral, by: User) -> Referral:
    with transaction.atomic():
        referral = lock_referral(referral)
        check_transition("close", referral, by)
        now = timezone.now()
        referral.visible_until = now + timedelta(days=settings.REFERRAL_VISIBLE_AFTER_CLOSE_DAYS)
        referral_end(referral, action="close", by=by, extra=["visible_until"], now=now)
        tell_both_sides(
            referral,
            kind="closed",
            referrer=Message(text(N_("closed"))),
            receiver=Message(text(N_("closed by the office"))),
            by=by,
        )
        return referral


def withdraw_locked(referral: Referral, *, by: User | None, reason: str, data: dict[str, Any] | None = None) -> None:
    """Withdraw a referral whose row the caller holds (also used when consent is revoked)."""
    referral_end(referral, action="withdraw", by=by, reason=reason, data=data)
    tell_both_sides(
        referral,
        kind="withdrawn",
        referrer=Message(text(N_("withdrawn")), reason),
        receiver=Message(
            text(N_("withdrawn by %(org)s"), org=referral.from_organization.name),
            text(N_("The referral was withdrawn; its details are no longer shown to you.")),
        ),
        by=by,
    )


def referral_withdraw(*, referral: Referral, by: User, reason: str) -> Referral:
    with transaction.atomic():
        reason = _reason(reason, _("Say why the referral is withdrawn."))
        referral = lock_referral(referral)
        check_transition("withdraw", referral, by)
        withdraw_locked(referral, by=by, reason=reason)
        return referral


def referral_expire(*, referral_id: int, now: datetime | None = None) -> bool:
    """No answer within the deadline: expired (the needs open again), and escalated to the
    referring office. The deadline job's step; idempotent (False when nothing was due)."""
    now = now or timezone.now()
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update(no_key=True)
            .select_related("to_organization", "from_organization")
            .filter(pk=referral_id, status=S.SENT, respond_by__lt=now)
            .first()
        )
        if referral is None:
            return False  # answered meanwhile, or already expired
        check_transition("expire", referral, None)
        referral_end(referral, action="expire", by=None, now=now)
        tell_side(
            referral,
            side=REFERRER,
            kind="expired",
            message=Message(
                text(
                    N_("no answer from %(org)s in time — refer the person elsewhere"), org=referral.to_organization.name
                ),
                text(
                    N_("The deadline was %(when)s."),
                    when=timezone.localtime(referral.respond_by or now).strftime("%Y-%m-%d %H:%M"),
                ),
            ),
            by=None,
        )
        tell_side(
            referral, side=RECEIVER, kind="expired", message=Message(text(N_("expired without an answer"))), by=None
        )
    return True
