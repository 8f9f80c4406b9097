"""consent_allows: the single answer to "may organisation X see field F of person P for purpose U now?"."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from beneficiaries.selectors import consent_allowed_fields, consent_allows
from beneficiaries.services import consent_revoke
from tests.factories import make_consent, make_person


def _asks(world, person, field="phone", purpose="charity_referral", organization=None, at=None):
    return consent_allows(
        organization=organization or world.charity, person=person, field=field, purpose=purpose, at=at
    )


def test_without_consent_the_answer_is_no(world, people):
    assert not _asks(world, people.in_township)


def test_a_consent_to_one_organization_covers_it_and_not_another(world, people):
    make_consent(people.in_township, organization=world.charity)
    assert _asks(world, people.in_township)
    assert not _asks(world, people.in_township, organization=world.other_charity)


def test_a_network_consent_covers_every_organization(world, people):
    make_consent(people.in_township)
    assert _asks(world, people.in_township, organization=world.other_charity)


def test_only_the_fields_consented_to(world, people):
    make_consent(people.in_township, organization=world.charity, fields=["name", "address"])
    assert _asks(world, people.in_township, field="address")
    assert not _asks(world, people.in_township, field="phone")
    assert not _asks(world, people.in_township, field="health")
    assert consent_allowed_fields(
        organization=world.charity, person=people.in_township, purpose="charity_referral"
    ) == {
        "name",
        "address",
    }


def test_only_the_purposes_consented_to(world, people):
    make_consent(people.in_township, organization=world.charity, purposes=["matching"])
    assert _asks(world, people.in_township, purpose="matching")
    assert not _asks(world, people.in_township, purpose="charity_referral")


def test_not_before_granted_and_not_after_expiry(world, people):
    granted = timezone.now() - timedelta(days=10)
    make_consent(people.in_township, organization=world.charity, granted_at=granted, days=5)
    assert _asks(world, people.in_township, at=granted + timedelta(days=1))
    assert not _asks(world, people.in_township, at=granted - timedelta(minutes=1))
    assert not _asks(world, people.in_township)  # expired 5 days ago, even before the job marks it


def test_revocation_takes_effect_at_once(world, people, caseworker):
    consent = make_consent(people.in_township, organization=world.charity)
    before = timezone.now()
    consent_revoke(by=caseworker, consent=consent, reason="本人撤回同意")
    assert not _asks(world, people.in_township)
    # What was allowed before the revocation stays a historical fact.
    assert _asks(world, people.in_township, at=before)


def test_fields_of_several_consents_add_up_while_each_is_in_force(world, people, caseworker):
    first = make_consent(people.in_township, organization=world.charity, fields=["name"])
    make_consent(people.in_township, fields=["address"])
    assert consent_allowed_fields(
        organization=world.charity, person=people.in_township, purpose="charity_referral"
    ) == {
        "name",
        "address",
    }
    consent_revoke(by=caseworker, consent=first, reason="撤回")
    assert consent_allowed_fields(
        organization=world.charity, person=people.in_township, purpose="charity_referral"
    ) == {"address"}


@pytest.fixture
def child(world):
    return make_person(world.our_village, name="王梓涵", born=timezone.localdate() - timedelta(days=365 * 9), phone="")


def test_a_child_under_14_needs_a_guardians_consent(world, child):
    make_consent(child, organization=world.charity)
    assert not _asks(world, child)


def test_a_guardians_consent_counts_for_a_child(world, child):
    make_consent(child, organization=world.charity, guardian_name="王建军", guardian_relation="父亲")
    assert _asks(world, child)


def test_a_fourteen_year_old_consents_alone(world):
    today = timezone.localdate()
    teen = make_person(world.our_village, name="王浩然", born=date(today.year - 14, 1, 1) - timedelta(days=1), phone="")
    make_consent(teen, organization=world.charity)
    assert _asks(world, teen)
