import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from tests.factories import UserFactory


def build(**kwargs):
    user = UserFactory.build(username="new", **kwargs)
    user.clean()
    return user


def test_a_caseworker_needs_a_jurisdiction(world):
    with pytest.raises(ValidationError) as error:
        build(role=Role.CASEWORKER, organization=world.bureau)
    assert "jurisdiction" in error.value.message_dict


def test_a_caseworker_cannot_belong_to_a_charity(world):
    with pytest.raises(ValidationError) as error:
        build(role=Role.CASEWORKER, organization=world.charity, jurisdiction=world.our_county)
    assert "organization" in error.value.message_dict


def test_a_station_worker_works_at_township_level(world):
    with pytest.raises(ValidationError) as error:
        build(role=Role.STATION_WORKER, organization=world.station, jurisdiction=world.our_county)
    assert "乡镇" in error.value.message_dict["jurisdiction"][0]


def test_charity_staff_cannot_belong_to_a_government_office(world):
    with pytest.raises(ValidationError):
        build(role=Role.CHARITY_STAFF, organization=world.bureau)


def test_the_jurisdiction_must_be_where_the_organization_works(world):
    with pytest.raises(ValidationError) as error:
        build(role=Role.CASEWORKER, organization=world.bureau, jurisdiction=world.other_county)
    assert "jurisdiction" in error.value.message_dict


def test_valid_combinations_pass(world):
    build(role=Role.CASEWORKER, organization=world.bureau, jurisdiction=world.our_county)
    build(role=Role.STATION_WORKER, organization=world.station, jurisdiction=world.our_township)
    build(role=Role.CHARITY_STAFF, organization=world.charity)
    build(role=Role.ADMIN)
