"""Periodic jobs of the referral state machine: reminders, expiry with escalation (each
referral through the service ``referral_expire``), the end of the after-close period, and
sampling follow-up visits (``follow_ups_sample``). The jobs are idempotent (a second run
finds nothing left to do)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from cases.models import Referral
from cases.services.follow_ups import follow_ups_sample
from cases.services.lifecycle import referral_expire
from cases.transitions import RECEIVER, Message, S, add_event, revoke_access, tell_side
from core.texts import text

__all__ = [
    "follow_ups_sample",
    "referral_expire",
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
