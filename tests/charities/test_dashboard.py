"""The organization dashboard for charity staff."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from charities.models import Resource
from tests.factories import DeliveryFactory, ResourceFactory


def test_charity_staff_see_their_figures(client, charity_staff, world):
    resource = ResourceFactory.create(organization=world.charity, capacity_people=10, capacity_amount=Decimal("5000"))
    Resource.objects.filter(pk=resource.pk).update(people_left=6, amount_left=Decimal("3000"))
    DeliveryFactory.create_batch(2, resource=resource, amount=Decimal("500"))
    DeliveryFactory.create(resource=resource, occurred_at=timezone.now() - timedelta(days=70))
    DeliveryFactory.create(resource=ResourceFactory.create(organization=world.other_charity))
    client.force_login(charity_staff)
    response = client.get("/supply/dashboard/")
    assert response.status_code == 200
    figures = response.context["figures"]
    # 2000 held by accepted referrals, and the 1500 delivered (SPEC rule 15: delivery spends budget).
    assert figures.places_used == 4 and figures.budget_used == Decimal("3500")
    assert figures.people_helped_this_month == 2 and figures.amount_delivered_this_month == Decimal("1000")
    assert [r.name for r in response.context["resources"]] == [resource.name]


def test_referrals_waiting_are_counted(client, charity_staff, world):
    from cases.models import ReferralStatus
    from tests.factories import make_household, make_person
    from tests.factories.cases import make_referral

    person = make_person(world.our_village, household=make_household(world.our_village))
    for status in (ReferralStatus.SENT, ReferralStatus.SENT, ReferralStatus.ACCEPTED):
        make_referral(person=person, from_organization=world.bureau, to_organization=world.charity, status=status)
    make_referral(person=person, from_organization=world.bureau, to_organization=world.other_charity)
    client.force_login(charity_staff)
    assert client.get("/supply/dashboard/").context["figures"].referrals_waiting == 2


def test_only_charity_staff_have_a_dashboard(client, caseworker, supervisor, world):
    for user in (caseworker, supervisor):
        client.force_login(user)
        assert client.get("/supply/dashboard/").status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    assert client.get("/supply/dashboard/").status_code == 302
