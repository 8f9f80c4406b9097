"""Emergencies (救急难, SPEC rule 9) and early-warning alerts (rule 13) tell the caseworkers whose
jurisdiction holds the person; supervisors hear of a new complaint (rule 11). No name in a title."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import User
from beneficiaries.models import WarningRule
from beneficiaries.services import household_update, warning_rule_evaluate
from cases.models import Notification
from tests.cases.conftest import Case
from tests.conftest import World, api_as


def _log_need(user: User, case: Case, urgency: str):
    body = {
        "person": case.person.pk,
        "category": "medical",
        "urgency": urgency,
        "description": "突发重病住院，无力支付",
    }
    return api_as(user).post("/api/v1/needs/", body, format="json")


def test_an_emergency_need_tells_the_caseworkers_of_the_county(
    world: World, case: Case, station_worker: User, caseworker: User, other_county_caseworker: User
) -> None:
    answer = _log_need(station_worker, case, "emergency")
    assert answer.status_code == 201, answer.content
    told = Notification.objects.filter(recipient=caseworker, kind="emergency_need")
    assert told.exists()
    assert all(case.person.name not in n.title for n in told)
    assert not Notification.objects.filter(recipient=other_county_caseworker).exists()
    assert not Notification.objects.filter(recipient=station_worker).exists()  # not told of their own entry


def test_a_routine_need_tells_nobody(world: World, case: Case, station_worker: User, caseworker: User) -> None:
    assert _log_need(station_worker, case, "routine").status_code == 201
    assert not Notification.objects.exists()


def test_an_early_warning_alert_tells_the_caseworkers(
    world: World, case: Case, caseworker: User, other_county_caseworker: User
) -> None:
    rule = WarningRule.objects.create(
        name="医疗支出超过收入一半", kind="medical_share", threshold=Decimal("0.5"), category="medical"
    )
    household_update(
        by=caseworker, household=case.person.household, annual_income="20000", annual_medical_expenses="15000"
    )
    assert warning_rule_evaluate(rule=rule) == 1
    told = Notification.objects.get(recipient=caseworker, kind="early_warning", channel="in_app")
    assert world.our_village.name in told.title and case.person.name not in told.title
    assert not Notification.objects.filter(recipient=other_county_caseworker).exists()


def test_supervisors_hear_of_a_new_complaint(api, world: World, supervisor: User, caseworker: User) -> None:
    answer = api.post(
        "/api/v1/complaints/",
        {"content": "助学金名额给了村干部亲戚，请核查。", "about_organization": world.charity.pk},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    told = Notification.objects.get(recipient=supervisor, kind="complaint", channel="in_app")
    assert answer.json()["reference"] in told.title
    assert not Notification.objects.filter(recipient=caseworker).exists()
