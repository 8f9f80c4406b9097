"""Supply-list fixtures: resources of our charity, the other county's charity, and Guangzhou's
point-to-point (以强带弱) fund for our county."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import Role, User
from charities.models import Resource, ResourceStatus
from core.models import Organization
from tests.conftest import World
from tests.factories import OrganizationFactory, ResourceFactory, UserFactory, region


@dataclass
class Supply:
    ours: Resource
    township_only: Resource
    other_county: Resource
    guangzhou: Resource
    draft: Resource
    guangzhou_charity: Organization


@pytest.fixture
def supply(world: World) -> Supply:
    guangzhou = region("440100000000", "广州市")
    gz_charity = OrganizationFactory.create(name="广州市慈善会", region=guangzhou, service_regions=[guangzhou])
    return Supply(
        ours=ResourceFactory.create(organization=world.charity, name="大病医疗救助专项基金"),
        township_only=ResourceFactory.create(
            organization=world.charity, name="永坪镇取暖煤", form="goods", service_regions=[world.our_township]
        ),
        other_county=ResourceFactory.create(organization=world.other_charity, name="延长县临时救助金"),
        guangzhou=ResourceFactory.create(
            organization=gz_charity,
            name="以强带弱儿童大病救助",
            service_regions=[],
            designated_counties=[world.our_county],
        ),
        draft=ResourceFactory.create(organization=world.charity, name="秋季助学金筹备", status=ResourceStatus.DRAFT),
        guangzhou_charity=gz_charity,
    )


@pytest.fixture
def other_county_supervisor(world: World) -> User:
    return UserFactory.create(
        username="other_supervisor",
        role=Role.SUPERVISOR,
        organization=world.other_bureau,
        jurisdiction=world.other_county,
    )


@pytest.fixture
def other_township_station_worker(world: World) -> User:
    station = OrganizationFactory.create(
        kind="service_station", name="文安驿镇民政服务站", credit_code="", region=world.other_township
    )
    return UserFactory.create(
        username="station2", role=Role.STATION_WORKER, organization=station, jurisdiction=world.other_township
    )
