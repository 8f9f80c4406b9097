"""Capacity left changes only through the locking service (acceptance 2)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from charities.models import Resource, ResourceStatus, ResourceUsage, UsageKind
from charities.services import resource_release_capacity, resource_reserve_capacity
from core.errors import ReferralHubError
from tests.factories import OrganizationFactory, ResourceFactory


def test_reserving_takes_a_place_and_records_it(charity_staff, supply):
    usage = resource_reserve_capacity(resource=supply.ours, people=1, amount=Decimal("800"), by=charity_staff)
    supply.ours.refresh_from_db()
    assert supply.ours.people_left == 9 and supply.ours.amount_left == Decimal("9200.00")
    assert usage.kind == UsageKind.RESERVATION


def test_the_last_place_makes_it_full_and_the_next_is_refused(charity_staff, world):
    resource = ResourceFactory.create(organization=world.charity, capacity_people=1, capacity_amount=None)
    resource_reserve_capacity(resource=resource, by=charity_staff)
    resource.refresh_from_db()
    assert resource.people_left == 0 and resource.status == ResourceStatus.FULL
    with pytest.raises(ReferralHubError) as refused:
        resource_reserve_capacity(resource=resource, by=charity_staff)
    assert refused.value.code == "resource_full"


def test_budget_and_per_person_limit_are_enforced(charity_staff, world):
    resource = ResourceFactory.create(
        organization=world.charity, capacity_amount=Decimal("1000"), per_person_limit=Decimal("600")
    )
    with pytest.raises(ReferralHubError):
        resource_reserve_capacity(resource=resource, amount=Decimal("700"), by=charity_staff)
    resource_reserve_capacity(resource=resource, amount=Decimal("600"), by=charity_staff)
    with pytest.raises(ReferralHubError):
        resource_reserve_capacity(resource=resource, amount=Decimal("500"), by=charity_staff)
    resource.refresh_from_db()
    assert resource.amount_left == Decimal("400.00")


def test_a_paused_resource_takes_no_new_cases(charity_staff, world):
    resource = ResourceFactory.create(organization=world.charity, status=ResourceStatus.PAUSED)
    with pytest.raises(ReferralHubError) as refused:
        resource_reserve_capacity(resource=resource, by=charity_staff)
    assert refused.value.code == "resource_not_open"


def test_releasing_reopens_a_full_resource(charity_staff, world):
    resource = ResourceFactory.create(organization=world.charity, capacity_people=1, capacity_amount=None)
    resource_reserve_capacity(resource=resource, by=charity_staff)
    resource_release_capacity(resource=resource, by=charity_staff, note="转介撤回")
    resource.refresh_from_db()
    assert resource.people_left == 1 and resource.status == ResourceStatus.OPEN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_threads_against_capacity_three_give_exactly_three():
    """Twelve acceptances race for three places on real PostgreSQL: the row lock lets exactly three win."""
    assert connection.vendor == "postgresql"
    organization = OrganizationFactory.create()
    resource = ResourceFactory.create(organization=organization, capacity_people=3, capacity_amount=None)
    barrier = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept() -> None:
        result = "error"
        try:
            barrier.wait(timeout=10)
            resource_reserve_capacity(resource=resource, people=1, by=None)
            result = "accepted"
        except ReferralHubError:
            result = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    resource.refresh_from_db()
    assert outcomes.count("accepted") == 3
    assert outcomes.count("refused") == 9
    assert resource.people_left == 0 and resource.status == ResourceStatus.FULL
    assert ResourceUsage.objects.filter(resource=resource, kind=UsageKind.RESERVATION).count() == 3
    assert Resource.objects.get(pk=resource.pk).people_left == 0


def test_delivery_totals_follow_the_records_and_a_recount_agrees(world):
    from charities.services import resource_recount_help
    from tests.factories import DeliveryFactory

    resource = ResourceFactory.create(organization=world.charity)
    DeliveryFactory.create_batch(3, resource=resource, amount=Decimal("250"))
    resource.refresh_from_db()
    assert (resource.people_helped, resource.amount_delivered, resource.deliveries) == (3, Decimal("750.00"), 3)
    Resource.objects.filter(pk=resource.pk).update(people_helped=0, amount_delivered=0, deliveries=0)
    resource_recount_help(resource_ids=[resource.pk])
    resource.refresh_from_db()
    assert (resource.people_helped, resource.amount_delivered, resource.deliveries) == (3, Decimal("750.00"), 3)


def test_nothing_is_reserved_outside_the_resource_period(charity_staff, world):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    later = ResourceFactory.create(organization=world.charity, starts_on=today + timedelta(days=3))
    ended = ResourceFactory.create(organization=world.charity, ends_on=today - timedelta(days=1))
    for resource, code in ((later, "resource_not_started"), (ended, "resource_ended")):
        with pytest.raises(ReferralHubError) as refused:
            resource_reserve_capacity(resource=resource, by=charity_staff)
        assert refused.value.code == code
        resource.refresh_from_db()
        assert resource.people_left == 10
