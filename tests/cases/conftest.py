"""A person in our township with a consent and a need, and organizations to refer to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from beneficiaries.models import Consent, Need, Person
from cases.models import Referral
from core.models import Organization, OrganizationKind
from tests.conftest import World
from tests.factories import OrganizationFactory, make_consent, make_need, make_person
from tests.factories.cases import make_referral


@dataclass
class Case:
    person: Person
    consent: Consent
    need: Need
    third_charity: Organization  # another charity in our county, for referring again
    township_office: Organization


@pytest.fixture
def case(world: World) -> Case:
    person = make_person(
        world.our_village, name="王秀英", born=date(1952, 3, 12), phone="13812345678", assistance_statuses=["dibao"]
    )
    person.health = "慢性肾病，需定期透析"
    person.save(update_fields=["health"])
    return Case(
        person=person,
        consent=make_consent(person, fields=["name", "phone", "address"]),
        need=make_need(person, category="medical", urgency="urgent"),
        third_charity=OrganizationFactory.create(
            kind=OrganizationKind.CHARITY, name="延川县红十字会", region=world.our_county
        ),
        township_office=OrganizationFactory.create(
            kind=OrganizationKind.TOWNSHIP_OFFICE, name="永坪镇人民政府", credit_code="", region=world.our_township
        ),
    )


def referral_to_our_charity(world: World, case: Case, **kwargs: Any) -> Referral:
    """A referral of the case's person from the bureau to our charity under the case's consent; the
    other arguments (status, needs, urgency…, or ``consent=None`` for none named) go to ``make_referral``."""
    kwargs.setdefault("consent", case.consent)
    return make_referral(person=case.person, from_organization=world.bureau, to_organization=world.charity, **kwargs)
