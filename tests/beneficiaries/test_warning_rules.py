"""Early warning (SPEC rule 13): configurable rules raise monitoring-alert needs, once per open alert."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from beneficiaries.models import Need, WarningRule
from beneficiaries.services import household_update, need_set_status, person_update, warning_rule_evaluate
from beneficiaries.tasks import evaluate_warning_rules


@pytest.fixture
def medical_rule(db):
    return WarningRule.objects.create(
        name="医疗支出超过收入一半", kind="medical_share", threshold=Decimal("0.5"), category="medical"
    )


def test_medical_spending_past_half_the_income_raises_an_alert(people, medical_rule, caseworker):
    household_update(
        by=caseworker, household=people.in_township.household, annual_income="20000", annual_medical_expenses="15000"
    )
    assert warning_rule_evaluate(rule=medical_rule) == 1
    need = Need.objects.get()
    assert need.source == "monitoring_alert" and need.person == people.in_township
    assert need.category == "medical" and need.urgency == "urgent" and need.warning_rule == medical_rule


def test_no_duplicate_alert_while_one_is_open_but_a_new_one_after_closing(people, medical_rule, caseworker):
    household_update(
        by=caseworker, household=people.in_township.household, annual_income="20000", annual_medical_expenses="15000"
    )
    warning_rule_evaluate(rule=medical_rule)
    assert warning_rule_evaluate(rule=medical_rule) == 0
    need_set_status(by=caseworker, need=Need.objects.get(), status="closed")
    assert warning_rule_evaluate(rule=medical_rule) == 1
    assert Need.objects.count() == 2


def test_spending_below_the_share_raises_nothing(people, medical_rule, caseworker):
    household_update(
        by=caseworker, household=people.in_township.household, annual_income="20000", annual_medical_expenses="5000"
    )
    assert warning_rule_evaluate(rule=medical_rule) == 0


def test_a_new_serious_illness_raises_an_alert(people, caseworker):
    rule = WarningRule.objects.create(
        name="新发重病", kind="new_illness_or_disability", threshold=Decimal("30"), category="medical"
    )
    assert warning_rule_evaluate(rule=rule) == 0
    person_update(by=caseworker, person=people.in_township, vulnerabilities=["serious_illness"])
    assert warning_rule_evaluate(rule=rule) == 1
    assert warning_rule_evaluate(rule=rule, now=timezone.now() + timedelta(days=40)) == 0


def test_loss_of_income_raises_an_alert(people, caseworker):
    rule = WarningRule.objects.create(name="收入下降", kind="income_loss", threshold=Decimal("0.3"), category="living")
    household = people.in_township.household
    household_update(by=caseworker, household=household, annual_income="30000")
    household_update(by=caseworker, household=household, annual_income="12000")
    assert warning_rule_evaluate(rule=rule) == 1


def test_the_periodic_job_is_declared_and_runs_every_active_rule(
    settings, people, medical_rule, caseworker, django_capture_on_commit_callbacks
):
    assert (
        settings.CELERY_BEAT_SCHEDULE["evaluate-warning-rules"]["task"] == "beneficiaries.tasks.evaluate_warning_rules"
    )
    assert settings.CELERY_BEAT_SCHEDULE["expire-consents"]["task"] == "beneficiaries.tasks.expire_consents"
    WarningRule.objects.create(
        name="停用", kind="medical_share", threshold=Decimal("0.1"), category="medical", is_active=False
    )
    household_update(
        by=caseworker, household=people.in_township.household, annual_income="10000", annual_medical_expenses="9000"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_warning_rules.apply().get() == 1
    assert Need.objects.filter(source="monitoring_alert").count() == 1
