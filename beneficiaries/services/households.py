"""Households: creation and edits."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.models import (
    Household,
)
from beneficiaries.services.common import (
    money,
    writable_region_of,
)
from core.models import Region


# --- households ------------------------------------------------------------------
def household_create(
    *,
    by: User,
    region: Region | str,
    address: str,
    register_number: str = "",
    annual_income: Decimal | str | None = None,
    annual_essential_expenses: Decimal | str | None = None,
    annual_medical_expenses: Decimal | str | None = None,
    request: HttpRequest | None = None,
) -> Household:
    region = writable_region_of(by, region)
    if not address.strip():
        raise ValidationError({"address": _("Enter the household's address.")})
    number = register_number.strip() or f"H{region.code[:6]}{secrets.token_hex(5).upper()}"
    if Household.objects.filter(register_number=number).exists():
        raise ValidationError(
            {"register_number": _("Register number %(number)s is already used.") % {"number": number}}
        )
    with transaction.atomic():
        household = Household.objects.create(
            register_number=number,
            region=region,
            address=address.strip(),
            annual_income=money("annual_income", annual_income),
            annual_essential_expenses=money("annual_essential_expenses", annual_essential_expenses),
            annual_medical_expenses=money("annual_medical_expenses", annual_medical_expenses),
        )
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            target=household,
            changes={"fields": ["register_number", "region", "address", "income"]},
            request=request,
        )
    return household


def household_update(
    *, by: User, household: Household, request: HttpRequest | None = None, **changes: Any
) -> Household:
    allowed = {"address", "region", "annual_income", "annual_essential_expenses", "annual_medical_expenses"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    with transaction.atomic():
        household = Household.objects.select_for_update(no_key=True).get(pk=household.pk)
        changed: list[str] = []
        if "region" in changes:
            household.region = writable_region_of(by, changes["region"])
            changed.append("region")
        if "address" in changes:
            if not str(changes["address"]).strip():
                raise ValidationError({"address": _("Enter the household's address.")})
            household.address = str(changes["address"]).strip()
            changed.append("address")
        for name in ("annual_essential_expenses", "annual_medical_expenses"):
            if name in changes:
                setattr(household, name, money(name, changes[name]))
                changed.append(name)
        if "annual_income" in changes:
            new_income = money("annual_income", changes["annual_income"])
            if new_income != household.annual_income:
                # Kept for the income-loss warning rule.
                household.previous_annual_income = household.annual_income
                household.annual_income = new_income
                household.income_changed_at = timezone.now()
                changed.append("annual_income")
        household.save()
        audit_record(
            actor=by, action=AuditAction.CHANGE, target=household, changes={"fields": changed}, request=request
        )
    return household
