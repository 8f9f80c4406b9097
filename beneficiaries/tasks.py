"""Periodic jobs of the register: thin, idempotent, keyed by ids."""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.db import transaction

from beneficiaries.models import WarningRule
from beneficiaries.services import consents_expire, warning_rule_evaluate


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
