"""A declared relative in our village, and a second caseworker of our county."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from accounts.models import Role, User
from beneficiaries.models import Person
from supervision.models import Declaration
from supervision.services import declaration_create
from tests.conftest import World
from tests.factories import UserFactory, make_consent, make_person, valid_id_number


@pytest.fixture
def second_caseworker(world: World) -> User:
    return UserFactory.create(
        username="caseworker2", role=Role.CASEWORKER, organization=world.bureau, jurisdiction=world.our_county
    )


@dataclass
class Relative:
    person: Person
    declaration: Declaration
    id_number: str


@pytest.fixture
def relative(world: World, caseworker: User) -> Relative:
    number = valid_id_number(date(1960, 2, 3))
    person = make_person(world.our_village, name="李桂兰", born=date(1960, 2, 3), id_number=number)
    make_consent(person, fields=["name", "phone", "address"])
    declaration = declaration_create(by=caseworker, name="李桂兰", id_number=number, relationship="parent")
    return Relative(person=person, declaration=declaration, id_number=number)
