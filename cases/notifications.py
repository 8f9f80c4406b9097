"""The notification outbox: rows written with the change, delivered by Celery, swept if stuck.

1. ``notify`` writes one ``Notification`` row per recipient and channel inside the caller's
   transaction, and asks for delivery with ``transaction.on_commit``.
2. Queueing never fails the request: if the broker is down the error is logged and the
   rows wait.
3. ``notification_deliver`` claims a row with a conditional update (only one worker can win
   it), sends it outside any transaction, and records the result; failures are retried
   with backoff up to ``NOTIFICATION_MAX_ATTEMPTS`` and the error is saved on the row.
4. ``notifications_sweep`` (every minute) re-queues rows still waiting, and frees rows a
   dead worker left in ``sending``, so a Redis outage delays notifications but never loses one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import Need, Urgency
from beneficiaries.texting import text_send_now
from cases.models import Channel, DeliveryStatus, Notification, Referral
from core.texts import Text, render, text

logger = logging.getLogger(__name__)

# Kinds worth a text message even when the referral is not an emergency.
SMS_KINDS = frozenset({"expired", "reminder", "emergency_need", "emergency_late", "deadline_late"})
STUCK_AFTER = timedelta(minutes=10)


def _channels_for(user: User, *, kind: str, referral: Referral | None) -> list[str]:
    channels: list[str] = [Channel.IN_APP]
    if user.email:
        channels.append(Channel.EMAIL)
    urgent = referral is not None and referral.urgency == Urgency.EMERGENCY
    if user.phone and (urgent or kind in SMS_KINDS):
        channels.append(Channel.SMS)
    return channels


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: Text,
    body: Text = "",
    referral: Referral | None = None,
    need: Need | None = None,
) -> list[Notification]:
    """Write the outbox rows now (in the caller's transaction); deliver after commit.

    ``title`` and ``body`` are texts (core/texts.py: message keys and parameters), kept as such and
    said in each reader's language when read; the columns ``title``/``body`` keep them in the site's
    language for the admin and for anything reading the row directly."""
    texts = {"title": title, "body": body}
    stored_title = render(title, settings.LANGUAGE_CODE)[:200]
    stored_body = render(body, settings.LANGUAGE_CODE)
    rows = [
        Notification(
            recipient=user,
            channel=channel,
            kind=kind,
            referral=referral,
            need=need,
            title=stored_title,
            body=stored_body,
            texts=texts,
        )
        for user in {u.pk: u for u in recipients}.values()
        for channel in _channels_for(user, kind=kind, referral=referral)
    ]
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    ids = [row.pk for row in created if row.pk is not None]
    if not ids:  # databases that do not return ids from bulk inserts: the sweeper sends them
        return created
    transaction.on_commit(partial(enqueue_deliveries, ids))
    return created


# While the broker is unreachable, requests stop trying for a while instead of each
# waiting for a connection timeout; the rows wait in the outbox for the sweeper.
BROKER_BACKOFF_SECONDS = 30.0
_broker_down_until = 0.0


def enqueue_deliveries(ids: Iterable[int], *, force: bool = False) -> int:
    """Queue delivery tasks; a broker outage is logged, never raised (the sweeper catches up)."""
    global _broker_down_until
    from cases.tasks import deliver_notification

    ids = list(ids)
    if not force and time.monotonic() < _broker_down_until:
        logger.warning("Broker marked unreachable; %d notifications wait for the sweeper", len(ids))
        return 0
    queued = 0
    for position, notification_id in enumerate(ids):
        try:
            deliver_notification.apply_async(args=(notification_id,), retry=False, queue=settings.NOTIFICATION_QUEUE)
            queued += 1
        except Exception:
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
            logger.warning(
                "Could not queue notification %s (and %d more); the sweeper will retry them",
                notification_id,
                len(ids) - position - 1,
                exc_info=True,
            )
            break
    else:
        _broker_down_until = 0.0
    return queued


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def _send(notification: Notification) -> None:
    user = notification.recipient
    if notification.channel == Channel.IN_APP:
        return  # the row itself is the message; the notification centre shows it
    # No request here: the recipient's own language (accounts.User.language) says it.
    title, body = notification.title_in(user.reading_language), notification.body_in(user.reading_language)
    if notification.channel == Channel.EMAIL:
        send_mail(
            subject=title,
            message=body or title,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
        return
    if notification.channel == Channel.SMS:
        # One approved template for staff ("staff_notice"); the title carries no name (transitions.py),
        # said in the recipient's own language.
        text_send_now(
            phone=user.phone,
            template="staff_notice",
            params={"title": title[:35]},  # Aliyun's limit for one variable
            text=f"{title} {body}".strip()[:300],
        )
        return
    raise ValueError(f"unknown channel {notification.channel}")


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> str:
    """Deliver one row at most once: ``delivered``, ``retry``, ``failed`` or ``skipped``."""
    now = now or timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )
    if claimed != 1:
        return "skipped"  # delivered, taken by another worker, or not yet due
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        _send(notification)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            Notification.objects.filter(pk=notification_id).update(status=DeliveryStatus.FAILED, last_error=error)
            logger.error("Notification %s failed for good: %s", notification_id, error)
            return "failed"
        Notification.objects.filter(pk=notification_id).update(
            status=DeliveryStatus.PENDING, last_error=error, next_attempt_at=now + _backoff(notification.attempts)
        )
        return "retry"
    Notification.objects.filter(pk=notification_id, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), last_error=""
    )
    return "delivered"


def retry_delay(notification_id: int) -> int:
    notification = Notification.objects.filter(pk=notification_id).only("attempts").first()
    return int(_backoff(notification.attempts if notification else 1).total_seconds())


def notifications_sweep(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Re-queue rows still waiting (and rows a dead worker left in ``sending``)."""
    now = now or timezone.now()
    Notification.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=DeliveryStatus.PENDING
    )
    due = (
        Notification.objects.filter(status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    return enqueue_deliveries(list(due), force=True)


def notification_mark_read(*, notification: Notification, by: User) -> Notification:
    if notification.recipient_id != by.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, by: User) -> int:
    return Notification.objects.filter(recipient=by, channel=Channel.IN_APP, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def reveal_burst_notify(sender: object, *, by: User, person: object, count: int, **kwargs: object) -> None:
    """beneficiaries.signals.reveal_burst: tell the supervisors over the person's region and over the
    revealing user's jurisdiction. No name of the person, only the staff account and the count."""
    from django.utils.translation import gettext_noop as N_

    from accounts.models import Role
    from core.validators import ancestor_region_codes

    codes: set[str] = set()
    for code in (getattr(person, "region_id", None), by.jurisdiction_id):
        if code:
            codes.update([code, *ancestor_region_codes(code)])
    supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True, jurisdiction_id__in=codes)
    notify(
        recipients=supervisors,
        kind="reveal_burst",
        title=text(N_("Many full values seen by account %(username)s"), username=by.username),
        body=text(
            N_(
                "Account %(username)s has seen %(count)d full values (ID numbers, phones and the like) within an "
                "hour. The audit log lists each one with its reason."
            ),
            username=by.username,
            count=count,
        ),
    )
