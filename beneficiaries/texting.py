"""The text-message outbox: every SMS is a ``TextMessage`` row, sent through ``settings.SMS_BACKEND``
(core/sms.py), its delivery receipt recorded on the row.

- A message to a person in hardship (``text_person``) is written only when a consent in force has
  the purpose ``contact`` (SPEC rule 2: texting someone about their case uses their number) and is
  queued after commit; ``text_message_send`` (Celery, ``beneficiaries.tasks.send_text_message``)
  claims it with a conditional update, sends it outside any transaction and retries throttling and
  transport errors with backoff up to ``SMS_MAX_ATTEMPTS``; a refusal no retry fixes fails at once.
- A staff notification (cases/notifications.py) is sent at once by ``text_send_now``: the
  notification outbox already retries, so a failure is raised to it (and recorded here).
- ``text_receipts_poll`` (every 5 minutes) asks the provider what became of sent messages.

Log lines carry the masked number, the template and the provider's code with its meaning, never the text.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from beneficiaries.crypto import mask_phone
from beneficiaries.models import ConsentPurpose, Person, TextMessage, TextMessageStatus
from beneficiaries.selectors import consent_in_force
from core.sms import SmsError, SmsPermanentError, SmsTemporaryError, sms_backend

logger = logging.getLogger("beneficiaries.texting")
STUCK_AFTER = timedelta(minutes=10)
RECEIPTS_WITHIN = timedelta(days=3)  # the provider keeps receipts for a few days only


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def may_text(person: Person) -> bool:
    return consent_in_force(person=person, purpose=ConsentPurpose.CONTACT) is not None


def text_person(*, person: Person, phone: str, template: str, params: dict[str, str], text: str) -> TextMessage | None:
    """Queue a message to the person themselves, only where they consented to be contacted."""
    if not phone or not may_text(person):
        return None
    message = TextMessage.objects.create(
        phone=phone,
        phone_masked=mask_phone(phone),
        template=template,
        params=params,
        text=text[:300],
        person=person,
    )
    transaction.on_commit(partial(enqueue_text_messages, [message.pk]))
    return message


def enqueue_text_messages(ids: list[int]) -> int:
    """Queue the send tasks; a broker outage is logged, never raised (the poll job catches up)."""
    from beneficiaries.tasks import send_text_message

    queued = 0
    for message_id in ids:
        try:
            send_text_message.apply_async(args=(message_id,), retry=False, queue=settings.NOTIFICATION_QUEUE)
            queued += 1
        except Exception:
            logger.warning("Could not queue text message %s; the poll job will send it", message_id, exc_info=True)
            break
    return queued


def _record_failure(message: TextMessage, error: SmsError, *, now: datetime) -> str:
    permanent = isinstance(error, SmsPermanentError)
    last = permanent or message.attempts >= settings.SMS_MAX_ATTEMPTS
    fields = {"error_code": error.code[:64], "last_error": error.meaning[:500]}
    if last:
        TextMessage.objects.filter(pk=message.pk).update(status=TextMessageStatus.FAILED, **fields)
        logger.error(
            "SMS %s to %s (template %s) failed for good after %d attempt(s): %s — %s",
            message.pk,
            message.phone_masked,
            message.template,
            message.attempts,
            error.code,
            error.meaning,
        )
        return "failed"
    TextMessage.objects.filter(pk=message.pk).update(
        status=TextMessageStatus.QUEUED, next_attempt_at=now + _backoff(message.attempts), **fields
    )
    logger.warning(
        "SMS %s to %s (template %s) will be tried again (attempt %d): %s — %s",
        message.pk,
        message.phone_masked,
        message.template,
        message.attempts,
        error.code,
        error.meaning,
    )
    return "retry"


def _deliver(message: TextMessage) -> str:
    return sms_backend().send(phone=message.phone, template=message.template, params=message.params, text=message.text)


def text_message_send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one queued message at most once: ``sent``, ``retry``, ``failed`` or ``skipped``."""
    now = now or timezone.now()
    claimed = (
        TextMessage.objects.filter(pk=message_id, status=TextMessageStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=TextMessageStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    )
    if claimed != 1:
        return "skipped"  # sent, taken by another worker, or not yet due
    message = TextMessage.objects.get(pk=message_id)
    try:
        provider_id = _deliver(message)
    except SmsError as error:
        return _record_failure(message, error, now=now)
    except Exception as error:  # a backend bug or an unexpected transport error: retried, bounded
        return _record_failure(message, SmsTemporaryError("transport", f"{type(error).__name__}: {error}"), now=now)
    TextMessage.objects.filter(pk=message_id).update(
        status=TextMessageStatus.SENT,
        provider_id=provider_id[:64],
        sent_at=timezone.now(),
        error_code="",
        last_error="",
    )
    return "sent"


def retry_delay(message_id: int) -> int:
    message = TextMessage.objects.filter(pk=message_id).only("attempts").first()
    return int(_backoff(message.attempts if message else 1).total_seconds())


def text_send_now(*, phone: str, template: str, params: dict[str, str], text: str) -> TextMessage:
    """Send at once (a staff notification, whose outbox retries); raises the backend's error."""
    message = TextMessage.objects.create(
        phone=phone,
        phone_masked=mask_phone(phone),
        template=template,
        params=params,
        text=text[:300],
        status=TextMessageStatus.SENDING,
        attempts=1,
        claimed_at=timezone.now(),
    )
    try:
        provider_id = _deliver(message)
    except SmsError as error:
        TextMessage.objects.filter(pk=message.pk).update(
            status=TextMessageStatus.FAILED, error_code=error.code[:64], last_error=error.meaning[:500]
        )
        logger.warning(
            "SMS %s to %s (template %s) failed: %s — %s; the notification outbox tries again",
            message.pk,
            message.phone_masked,
            template,
            error.code,
            error.meaning,
        )
        raise
    TextMessage.objects.filter(pk=message.pk).update(
        status=TextMessageStatus.SENT, provider_id=provider_id[:64], sent_at=timezone.now()
    )
    return message


def text_receipts_poll(*, now: datetime | None = None, limit: int = 200) -> int:
    """Record the provider's receipts for sent messages; re-queue messages left waiting. Returns
    how many receipts were recorded."""
    now = now or timezone.now()
    TextMessage.objects.filter(status=TextMessageStatus.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=TextMessageStatus.QUEUED
    )
    due = list(
        TextMessage.objects.filter(status=TextMessageStatus.QUEUED, person__isnull=False)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("id", flat=True)[:limit]
    )
    if due:
        enqueue_text_messages(due)
    backend = sms_backend()
    receipts = getattr(backend, "receipts", None)
    if receipts is None:
        return 0
    waiting = list(
        TextMessage.objects.filter(status=TextMessageStatus.SENT, sent_at__gte=now - RECEIPTS_WITHIN)
        .exclude(provider_id="")
        .order_by("sent_at")[:limit]
    )
    if not waiting:
        return 0
    try:
        found = receipts(items=[(m.provider_id, m.phone, m.sent_at) for m in waiting])
    except SmsError as error:
        logger.warning("Could not read SMS delivery receipts: %s — %s", error.code, error.meaning)
        return 0
    by_id = {m.provider_id: m for m in waiting}
    recorded = 0
    for receipt in found:
        message = by_id.get(receipt.provider_id)
        if message is None or receipt.delivered is None:
            continue
        status = TextMessageStatus.DELIVERED if receipt.delivered else TextMessageStatus.UNDELIVERED
        TextMessage.objects.filter(pk=message.pk, status=TextMessageStatus.SENT).update(
            status=status, delivered_at=receipt.at or now, error_code=receipt.code[:64]
        )
        if not receipt.delivered:
            logger.warning(
                "SMS %s to %s was not delivered: receipt code %s", message.pk, message.phone_masked, receipt.code
            )
        recorded += 1
    return recorded
