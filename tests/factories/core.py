"""Factories for every model the tests build. One place, so a model change is one edit."""

from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import Role, User
from core.models import Organization, OrganizationKind, Region
from core.validators import credit_code_check_char, parent_region_code, region_level_from_code

PASSWORD = "correct-horse-battery-staple"


def region(code: str, name: str | None = None) -> Region:
    """Get or create a region by code, with its ancestors (named after their codes)."""
    parent_code = parent_region_code(code)
    parent = region(parent_code) if parent_code else None
    obj, _ = Region.objects.get_or_create(
        code=code,
        defaults={"name": name or f"区划{code}", "level": region_level_from_code(code), "parent": parent},
    )
    if name and obj.name != name:
        obj.name = name
        obj.save(update_fields=["name"])
    return obj


def make_credit_code(serial: int, region_code: str = "610622") -> str:
    body = f"51{region_code}MJ{serial:07d}"
    return body + credit_code_check_char(body)


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    kind = OrganizationKind.CHARITY
    name = factory.Sequence(lambda n: f"测试慈善组织{n}")
    credit_code = factory.Sequence(lambda n: make_credit_code(n + 1))
    region: Region = factory.LazyFunction(lambda: region("610622000000", "延川县"))  # type: ignore[assignment]

    @factory.post_generation
    def service_regions(self, create: bool, extracted: list[Region] | None, **kwargs: object) -> None:
        if create:
            self.service_regions.set(extracted if extracted is not None else [self.region])


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    role = Role.CASEWORKER
    password = factory.LazyFunction(lambda: make_password(PASSWORD))
