"""Factories for the supply list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from charities.models import Complaint, Resource, ResourceStatus, ResourceUsage, UsageKind
from charities.services import resource_record_delivery
from core.models import Organization, Region
from tests.factories.core import OrganizationFactory, region


class ResourceFactory(factory.django.DjangoModelFactory[Resource]):
    """An open resource of a charity in 延川县, serving its own region unless told otherwise."""

    class Meta:
        model = Resource
        skip_postgeneration_save = True

    organization: Organization = factory.SubFactory(OrganizationFactory)  # type: ignore[assignment]
    name = factory.Sequence(lambda n: f"测试帮扶项目{n}")
    purpose = "为困难群众提供帮扶。"
    kind = "project"
    form = "money"
    categories = factory.LazyFunction(lambda: ["medical"])
    capacity_people = 10
    people_left = factory.LazyAttribute(lambda o: o.capacity_people)
    capacity_amount = Decimal("10000.00")
    amount_left = factory.LazyAttribute(lambda o: o.capacity_amount)
    status = ResourceStatus.OPEN

    @factory.post_generation
    def service_regions(self, create: bool, extracted: list[Region] | None, **kwargs: object) -> None:
        if create:
            self.service_regions.set(extracted if extracted is not None else [self.organization.region])

    @factory.post_generation
    def designated_counties(self, create: bool, extracted: list[Region] | None, **kwargs: object) -> None:
        if create and extracted:
            self.designated_counties.set(extracted)


class DeliveryFactory(factory.django.DjangoModelFactory[ResourceUsage]):
    """Help delivered, recorded through the service so the resource's running totals follow."""

    class Meta:
        model = ResourceUsage

    resource: Resource = factory.SubFactory(ResourceFactory)  # type: ignore[assignment]
    kind = UsageKind.DELIVERY
    people = 1
    amount = Decimal("500.00")
    occurred_at = factory.LazyFunction(timezone.now)
    region: Region = factory.LazyFunction(lambda: region("610622100201", "永坪村"))  # type: ignore[assignment]

    @classmethod
    def _create(cls, model_class: type[ResourceUsage], *args: Any, **kwargs: Any) -> ResourceUsage:
        kwargs.pop("kind", None)
        return resource_record_delivery(by=None, amount=Decimal(kwargs.pop("amount")), **kwargs)


class ComplaintFactory(factory.django.DjangoModelFactory[Complaint]):
    class Meta:
        model = Complaint

    reference = factory.Sequence(lambda n: f"TS20261122{n:06d}")
    content = "项目名额分配不公开，请核查。"
    region: Region = factory.LazyFunction(lambda: region("610622000000", "延川县"))  # type: ignore[assignment]
