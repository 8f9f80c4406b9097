"""A small county to match: three people with needs in our township, two charity resources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from beneficiaries.models import Need, Person
from charities.models import Resource
from tests.conftest import World
from tests.factories import ResourceFactory, make_consent, make_need, make_person


@dataclass
class County:
    elderly: Person  # 78, unable to care for themselves: wins the scarce place
    child: Person
    adult: Person
    elderly_need: Need
    child_need: Need
    adult_need: Need
    medical_fund: Resource  # one place, medical, our county
    school_aid: Resource  # education, 0–17 years


@pytest.fixture
def county(world: World) -> County:
    elderly = make_person(
        world.our_village, name="李桂兰", born=date(1948, 2, 1), vulnerabilities=["elderly_no_self_care"]
    )
    child = make_person(world.our_village, name="张小明", born=date(2015, 9, 1), male=True, vulnerabilities=["minor"])
    adult = make_person(world.our_township, name="刘建国", born=date(1980, 1, 1), male=True)
    make_consent(elderly, organization=world.charity)
    medical_fund = ResourceFactory.create(
        organization=world.charity, name="大病救助金", categories=["medical"], capacity_people=1, people_left=1
    )
    school_aid = ResourceFactory.create(
        organization=world.charity, name="助学金", categories=["education"], max_age=17, capacity_people=5
    )
    return County(
        elderly=elderly,
        child=child,
        adult=adult,
        elderly_need=make_need(elderly, category="medical"),
        child_need=make_need(child, category="education"),
        adult_need=make_need(adult, category="medical"),
        medical_fund=medical_fund,
        school_aid=school_aid,
    )


@pytest.fixture
def done_run(county: County, world: World, caseworker):
    """A finished run for our county (two proposals: the elderly person's medical need, the child's school aid)."""
    from matching.services import run_execute, run_start

    run = run_start(region=world.our_county, by=caseworker)
    run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run
