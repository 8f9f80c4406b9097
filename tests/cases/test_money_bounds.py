"""Money is bounded (SPEC rule 15): help reported against a resource never exceeds its per-person
limit or its budget, accepting holds money as well as a place, and the transparency figures can
never show more given than the project had."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client

from accounts.models import User
from cases.models import Referral, ReferralStatus
from charities.models import Resource
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import PASSWORD, ResourceFactory, make_consent, make_need, make_person
from tests.factories.cases import make_referral


def _resource(world: World, *, budget: str = "10000", limit: str | None = "10000") -> Resource:
    return ResourceFactory.create(
        organization=world.charity,
        capacity_people=10,
        capacity_amount=Decimal(budget),
        per_person_limit=Decimal(limit) if limit else None,
    )


def _in_progress(world: World, case: Case, resource: Resource, charity_staff: User, person=None) -> Referral:
    person = person or case.person
    referral = make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent if person == case.person else make_consent(person, fields=["name"]),
        needs=[case.need] if person == case.person else [make_need(person)],
        resource=resource,
    )
    api = api_as(charity_staff)
    assert api.post(f"/api/v1/referrals/{referral.pk}/accept/").status_code == 200
    assert api.post(f"/api/v1/referrals/{referral.pk}/start/").status_code == 200
    return referral


def _feedback(charity_staff: User, referral: Referral, amount: str):
    return api_as(charity_staff).post(
        f"/api/v1/referrals/{referral.pk}/feedback/", {"outcome": "helped", "amount": amount}, format="json"
    )


def test_feedback_above_the_per_person_limit_is_refused(world: World, case: Case, charity_staff: User) -> None:
    resource = _resource(world, budget="200000", limit="10000")
    referral = _in_progress(world, case, resource, charity_staff)
    answer = _feedback(charity_staff, referral, "100001")
    assert answer.status_code == 400
    assert "每人的限额" in answer.json()["amount"][0]
    referral.refresh_from_db()
    resource.refresh_from_db()
    assert referral.status == ReferralStatus.IN_PROGRESS and resource.amount_delivered == 0


def test_the_feedback_page_shows_the_limit_error(world: World, case: Case, charity_staff: User) -> None:
    resource = _resource(world, budget="200000", limit="10000")
    referral = _in_progress(world, case, resource, charity_staff)
    client = Client()
    assert client.login(username=charity_staff.username, password=PASSWORD)
    page = client.post(
        f"/cases/{referral.pk}/feedback/", {"outcome": "helped", "amount": "100001", "note": ""}, follow=True
    )
    assert "每人的限额" in page.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.IN_PROGRESS


def test_accepting_holds_the_money_as_well_as_the_place(world: World, case: Case, charity_staff: User) -> None:
    resource = _resource(world, budget="10000", limit="3000")
    _in_progress(world, case, resource, charity_staff)
    resource.refresh_from_db()
    assert resource.people_left == 9 and resource.amount_left == Decimal("7000")


def test_the_amount_delivered_never_passes_the_budget(world: World, case: Case, charity_staff: User) -> None:
    resource = _resource(world, budget="1000", limit="800")
    first = _in_progress(world, case, resource, charity_staff)
    second_person = make_person(world.our_village, name="李建国")
    second = _in_progress(world, case, resource, charity_staff, person=second_person)
    assert _feedback(charity_staff, first, "800").status_code == 200
    over = _feedback(charity_staff, second, "800")  # only 200 is left for the second person
    assert over.status_code == 400
    assert "余额" in over.json()["amount"][0]
    assert _feedback(charity_staff, second, "200").status_code == 200
    resource.refresh_from_db()
    assert resource.capacity_amount is not None
    assert resource.amount_delivered == Decimal("1000") <= resource.capacity_amount
    assert resource.amount_left == 0
