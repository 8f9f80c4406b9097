"""People in and out of our personas' jurisdictions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from beneficiaries.models import Person
from tests.conftest import World
from tests.factories import make_person, region

FULL_PHONE = "13812345678"


@dataclass
class People:
    in_township: Person  # 永坪镇 永坪村: our station worker's township
    other_township: Person  # 文安驿镇: our county, not the station's township
    other_county: Person  # 延长县


@pytest.fixture
def people(world: World) -> People:
    return People(
        in_township=make_person(world.our_village, name="王秀英", born=date(1952, 3, 12), phone=FULL_PHONE),
        other_township=make_person(region("610622102201", "文安驿村"), name="李建国", born=date(1960, 1, 2), male=True),
        other_county=make_person(region("610621001000", "七里村街道"), name="张桂兰", born=date(1970, 7, 8)),
    )


@pytest.fixture(autouse=True)
def _eager_tasks(tasks_in_process):
    """These tests check what the tasks do inside the test's transaction, not the queue."""
