"""Periodic jobs of the register: thin, idempotent, keyed by ids."""

from __future__ import annotations

from functools import partial
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction

from beneficiaries.models import WarningRule
from beneficiaries.services import consents_expire, warning_rule_evaluate
from beneficiaries.texting import retry_delay as texting_retry_delay
from beneficiaries.texting import text_message_send, text_receipts_poll


@shared_task(acks_late=True, max_retries=3)
def expire_consents() -> int:
    return consents_expire()


@shared_task(acks_late=True, max_retries=3)
def evaluate_warning_rule(rule_id: int) -> int:
    rule = WarningRule.objects.filter(pk=rule_id, is_active=True).first()
    if rule is None:  # removed or switched off since it was queued
        return 0
    return warning_rule_evaluate(rule=rule)


@shared_task(acks_late=True, max_retries=3)
def evaluate_warning_rules() -> int:
    """Fan out one task per active rule, so a slow rule does not hold the others."""
    rule_ids = list(WarningRule.objects.filter(is_active=True).values_list("id", flat=True))
    for rule_id in rule_ids:
        transaction.on_commit(partial(evaluate_warning_rule.delay, rule_id))
    return len(rule_ids)


@shared_task(bind=True, name="beneficiaries.tasks.send_text_message", max_retries=None, acks_late=True)
def send_text_message(self: Any, message_id: int) -> str:
    """Throttled by the provider or the network down: retried with backoff, bounded by the row's
    own attempt count (``SMS_MAX_ATTEMPTS``); the poll job re-queues what a lost task left."""
    result = text_message_send(message_id=message_id)
    if result == "retry" and not self.request.is_eager and self.request.retries < settings.SMS_MAX_ATTEMPTS:
        raise self.retry(countdown=texting_retry_delay(message_id))
    return result


@shared_task(name="beneficiaries.tasks.poll_text_receipts")
def poll_text_receipts() -> int:
    return text_receipts_poll()
