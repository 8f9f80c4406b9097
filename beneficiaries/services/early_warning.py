"""Early warning (SPEC rule 13): rules raise monitoring-alert needs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import (
    OPEN_NEED_STATUSES,
    Need,
    NeedSource,
    Person,
    Relation,
    WarningRule,
    WarningRuleKind,
)
from beneficiaries.services.needs import need_log
from core.codes import Vulnerability


# --- early warning -------------------------------------------------------------------
def _rule_matches(rule: WarningRule, person: Person, now: datetime) -> bool:
    household = person.household
    if rule.kind == WarningRuleKind.MEDICAL_SHARE:
        income, medical = household.income, household.medical_expenses
        if medical is None or medical <= 0:
            return False
        return income is None or income <= 0 or medical > income * rule.threshold
    if rule.kind == WarningRuleKind.INCOME_LOSS:
        income, previous = household.income, household.previous_income
        if income is None or previous is None or previous <= 0 or household.income_changed_at is None:
            return False
        recent = household.income_changed_at >= now - timedelta(days=90)
        return recent and (previous - income) / previous >= rule.threshold
    if rule.kind == WarningRuleKind.NEW_ILLNESS_OR_DISABILITY:
        since = now - timedelta(days=int(rule.threshold))
        return bool(
            person.vulnerabilities_changed_at
            and person.vulnerabilities_changed_at >= since
            and ({Vulnerability.SERIOUS_ILLNESS, Vulnerability.DISABLED} & set(person.vulnerabilities))
        )
    return False


def _rule_candidates(rule: WarningRule, now: datetime) -> Iterable[Person]:
    persons = Person.objects.select_related("household")
    if rule.kind == WarningRuleKind.NEW_ILLNESS_OR_DISABILITY:
        since = now - timedelta(days=int(rule.threshold))
        return persons.filter(vulnerabilities_changed_at__gte=since).iterator(chunk_size=2000)
    if rule.kind == WarningRuleKind.INCOME_LOSS:
        return persons.filter(
            relation=Relation.HEAD, household__income_changed_at__gte=now - timedelta(days=90)
        ).iterator(chunk_size=2000)
    # Money is encrypted, so the medical-share test runs in Python over household heads.
    return (
        persons.filter(relation=Relation.HEAD).exclude(household__annual_medical_expenses="").iterator(chunk_size=2000)
    )


def warning_rule_evaluate(*, rule: WarningRule, now: datetime | None = None) -> int:
    """Raise a monitoring-alert need for every match that has no open alert of this rule yet."""
    now = now or timezone.now()
    created = 0
    for person in _rule_candidates(rule, now):
        if not _rule_matches(rule, person, now):
            continue
        if Need.objects.filter(person=person, warning_rule=rule, status__in=OPEN_NEED_STATUSES).exists():
            continue
        try:
            with transaction.atomic():
                need_log(
                    by=None,
                    person=person,
                    category=rule.category,
                    urgency=rule.urgency,
                    description=_("Early warning “%(rule)s”: please visit and check the household's situation.")
                    % {"rule": rule.name},
                    source=NeedSource.MONITORING_ALERT,
                    warning_rule=rule,
                )
        except IntegrityError:
            continue  # a concurrent run raised it first: the unique constraint keeps one
        created += 1
    return created
