"""Periodic jobs of the referral state machine: reminders, expiry with escalation (each
referral through the service ``referral_expire``), the deadlines after acceptance (help started,
feedback due: a reminder before, an escalation after), emergencies nobody picked up
(``cases.alerts.emergencies_escalate``), the end of the after-close period, and
sampling follow-up visits (``follow_ups_sample``). The jobs are idempotent (a second run
finds nothing left to do)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from accounts.models import Role
from cases.alerts import covering, emergencies_escalate
from cases.models import Referral
from cases.notifications import notify
from cases.services.follow_ups import follow_ups_sample
from cases.services.lifecycle import referral_expire
from cases.transitions import RECEIVER, REFERRER, Message, S, add_event, revoke_access, tell_side
from core.texts import text

__all__ = [
    "emergencies_escalate",
    "follow_ups_sample",
    "referral_expire",
    "referrals_deadlines_after_accept",
    "referrals_end_access_after_close",
    "referrals_expire_overdue",
    "referrals_send_reminders",
]


# --- periodic jobs -----------------------------------------------------------------------
def referrals_expire_overdue(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    ids = list(Referral.objects.filter(status=S.SENT, respond_by__lt=now).values_list("id", flat=True)[:5000])
    return sum(referral_expire(referral_id=pk, now=now) for pk in ids)


def referrals_send_reminders(*, now: datetime | None = None) -> int:
    """A reminder to the receiving side before ``respond_by`` (once per referral)."""
    now = now or timezone.now()
    window = timedelta(hours=settings.REFERRAL_REMINDER_HOURS_BEFORE)
    sent = 0
    ids = Referral.objects.filter(
        status=S.SENT, reminded_at__isnull=True, respond_by__gt=now, respond_by__lte=now + window
    ).values_list("id", flat=True)[:5000]
    for pk in list(ids):
        with transaction.atomic():
            if not Referral.objects.filter(pk=pk, status=S.SENT, reminded_at__isnull=True).update(reminded_at=now):
                continue
            referral = Referral.objects.select_related("to_organization", "from_organization").get(pk=pk)
            add_event(referral, action="remind", by=None, from_status=referral.status)
            when = timezone.localtime(referral.respond_by or now).strftime("%m-%d %H:%M")
            tell_side(
                referral,
                side=RECEIVER,
                kind="reminder",
                message=Message(text(N_("please answer by %(when)s"), when=when)),
                by=None,
            )
            sent += 1
    return sent


def referrals_end_access_after_close(*, now: datetime | None = None) -> int:
    """Remove the grants of referrals whose after-close period is over (the selectors
    already hide them live; this keeps the permission tables small)."""
    now = now or timezone.now()
    ended = 0
    for referral in Referral.objects.filter(
        status=S.CLOSED, visible_until__lte=now, referralgroupobjectpermission__isnull=False
    ).distinct()[:5000]:
        revoke_access(referral)
        ended += 1
    return ended


def _current_deadline(referral: Referral) -> datetime | None:
    return referral.start_by if referral.status == S.ACCEPTED else referral.feedback_by


def referrals_deadlines_after_accept(*, now: datetime | None = None) -> int:
    """Accepted referrals must start (``start_by``) and started ones report back (``feedback_by``):
    a reminder to the receiving side before the deadline (once), and after it an escalation (once)
    to the referring side and the supervisors of the person's area. Returns the messages sent."""
    now = now or timezone.now()
    window = timedelta(hours=settings.REFERRAL_REMINDER_HOURS_BEFORE)
    sent = 0
    due = Referral.objects.filter(
        Q(status=S.ACCEPTED, start_by__isnull=False, start_by__lte=now + window)
        | Q(status=S.IN_PROGRESS, feedback_by__isnull=False, feedback_by__lte=now + window)
    ).filter(late_escalated_at__isnull=True)
    for pk in list(due.values_list("id", flat=True)[:5000]):
        with transaction.atomic():
            referral = (
                Referral.objects.select_for_update(no_key=True)
                .select_related("to_organization", "from_organization")
                .filter(pk=pk, status__in=[S.ACCEPTED, S.IN_PROGRESS], late_escalated_at__isnull=True)
                .first()
            )
            deadline = _current_deadline(referral) if referral else None
            if referral is None or deadline is None:
                continue
            when = timezone.localtime(deadline).strftime("%m-%d %H:%M")
            started = referral.status == S.IN_PROGRESS
            if deadline > now:
                if referral.late_reminded_at is not None:
                    continue
                referral.late_reminded_at = now
                referral.save(update_fields=["late_reminded_at"])
                add_event(referral, action="remind", by=None, from_status=referral.status)
                message = (
                    text(N_("feedback is due by %(when)s"), when=when)
                    if started
                    else text(N_("help should start by %(when)s"), when=when)
                )
                tell_side(referral, side=RECEIVER, kind="reminder", message=Message(message), by=None)
            else:
                referral.late_escalated_at = now
                referral.save(update_fields=["late_escalated_at"])
                add_event(referral, action="escalate", by=None, from_status=referral.status)
                late = (
                    text(N_("no feedback from %(org)s by %(when)s"), org=referral.to_organization.name, when=when)
                    if started
                    else text(
                        N_("%(org)s has not started helping by %(when)s"), org=referral.to_organization.name, when=when
                    )
                )
                tell_side(referral, side=REFERRER, kind="deadline_late", message=Message(late), by=None)
                notify(
                    recipients=covering(Role.SUPERVISOR, [referral.region_id]),
                    kind="deadline_late",
                    title=text(N_("Referral %(ref)s is past its deadline"), ref=referral.reference),
                    body=late,
                    referral=referral,
                )
            sent += 1
    return sent
