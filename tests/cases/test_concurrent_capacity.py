"""The capacity and money locks under real concurrent API requests on PostgreSQL: acceptances
racing for the last places, and feedback racing for the last of the budget (SPEC rule 15)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection, connections

from accounts.models import User
from cases.models import Referral, ReferralStatus
from charities.models import Resource
from tests.conftest import World, api_as
from tests.factories import ResourceFactory, make_consent, make_need, make_person
from tests.factories.cases import make_referral

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _referrals(world: World, resource: Resource, count: int, status: str) -> list[Referral]:
    referrals = []
    for n in range(count):
        person = make_person(world.our_village, name=f"测试人员{n}")
        referrals.append(
            make_referral(
                person=person,
                from_organization=world.bureau,
                to_organization=world.charity,
                consent=make_consent(person, fields=["name"]),
                needs=[make_need(person)],
                resource=resource,
                status=status,
                capacity_reserved=status == ReferralStatus.IN_PROGRESS,
            )
        )
    return referrals


def _race(calls: list[Callable[[], int]]) -> list[int]:
    """Run the calls at once, each in its own thread and database connection; their status codes."""
    barrier = threading.Barrier(len(calls))
    codes: list[int] = []
    lock = threading.Lock()

    def run(call: Callable[[], int]) -> None:
        code = 0
        try:
            barrier.wait(timeout=10)
            code = call()
        finally:
            connections.close_all()
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(codes)


def test_eight_acceptances_race_for_two_places_and_two_win(world: World, charity_staff: User) -> None:
    assert connection.vendor == "postgresql"
    resource = ResourceFactory.create(organization=world.charity, capacity_people=2, capacity_amount=None)
    referrals = _referrals(world, resource, 8, ReferralStatus.SENT)
    api = api_as(charity_staff)

    def accept(referral: Referral) -> int:
        return api.post(f"/api/v1/referrals/{referral.pk}/accept/").status_code

    codes = _race([partial(accept, r) for r in referrals])
    assert codes == [200, 200, *[409] * 6]
    resource.refresh_from_db()
    assert resource.people_left == 0
    assert Referral.objects.filter(status=ReferralStatus.ACCEPTED).count() == 2


def test_feedback_racing_for_the_budget_never_spends_more_than_it_has(world: World, charity_staff: User) -> None:
    assert connection.vendor == "postgresql"
    resource = ResourceFactory.create(
        organization=world.charity, capacity_people=10, capacity_amount=Decimal("1000"), per_person_limit=None
    )
    referrals = _referrals(world, resource, 5, ReferralStatus.IN_PROGRESS)
    api = api_as(charity_staff)

    def feedback(referral: Referral) -> int:
        body = {"outcome": "helped", "amount": "400"}
        return api.post(f"/api/v1/referrals/{referral.pk}/feedback/", body, format="json").status_code

    codes = _race([partial(feedback, r) for r in referrals])
    assert codes == [200, 200, 400, 400, 400]
    resource.refresh_from_db()
    assert resource.amount_delivered == Decimal("800") and resource.amount_left == Decimal("200")
