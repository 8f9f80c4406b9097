"""Factories for the register. People get valid ID numbers that match their birth date and gender."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from beneficiaries.crypto import blind_index, mask_id_number, mask_phone
from beneficiaries.models import (
    AssistanceRecord,
    Consent,
    ConsentMethod,
    Household,
    Need,
    Person,
    RecipientScope,
)
from beneficiaries.validators import make_id_number
from core.models import Organization, Region

_serial = itertools.count(1)


def valid_id_number(born: date = date(1980, 5, 17), *, male: bool = True, region6: str = "610622") -> str:
    return make_id_number(region6, born, next(_serial), male=male)


def make_household(region: Region, **kwargs: Any) -> Household:
    number = kwargs.pop("register_number", f"T{next(_serial):07d}")
    return Household.objects.create(
        register_number=number, region=region, address=kwargs.pop("address", "测试地址1号"), **kwargs
    )


def make_person(
    region: Region,
    *,
    household: Household | None = None,
    name: str = "王秀英",
    born: date = date(1980, 5, 17),
    male: bool = False,
    phone: str = "13812345678",
    relation: str = "head",
    id_number: str | None = None,
    **kwargs: Any,
) -> Person:
    number = id_number or valid_id_number(born, male=male)
    household = household or make_household(region)
    return Person.objects.create(
        household=household,
        relation=relation,
        name=name,
        id_number=number,
        id_number_index=blind_index(number),
        id_number_masked=mask_id_number(number),
        gender="male" if male else "female",
        birth_date=born,
        phone=phone,
        phone_masked=mask_phone(phone),
        region=region,
        address=household.address,
        **kwargs,
    )


def make_need(person: Person, **kwargs: Any) -> Need:
    defaults: dict[str, Any] = {
        "category": "medical",
        "urgency": "routine",
        "description": "住院自付费用高",
        "source": "visit",
        "status": "open",
    }
    defaults.update(kwargs)
    return Need.objects.create(person=person, region_id=person.region_id, **defaults)


def make_consent(
    person: Person,
    *,
    organization: Organization | None = None,
    purposes: list[str] | None = None,
    fields: list[str] | None = None,
    granted_at: datetime | None = None,
    days: int = 365,
    **kwargs: Any,
) -> Consent:
    granted = granted_at or timezone.now() - timedelta(days=1)
    return Consent.objects.create(
        person=person,
        # The whole loop by default: a test about one purpose names it.
        purposes=purposes or ["charity_referral", "government_referral", "matching", "follow_up"],
        recipient_scope=RecipientScope.ORGANIZATION if organization else RecipientScope.NETWORK,
        recipient_organization=organization,
        fields=fields or ["name", "phone", "address"],
        method=kwargs.pop("method", ConsentMethod.VERBAL_WITNESSED),
        witness_name=kwargs.pop("witness_name", "张建军"),
        granted_at=granted,
        expires_at=granted + timedelta(days=days),
        **kwargs,
    )


def make_assistance_record(person: Person, organization: Organization, **kwargs: Any) -> AssistanceRecord:
    defaults: dict[str, Any] = {
        "programme": "dibao",
        "amount": "620.00",
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 6, 30),
    }
    defaults.update(kwargs)
    return AssistanceRecord.objects.create(person=person, granting_organization=organization, **defaults)
