"""What the register's write services share: the error type, code and region checks, money."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from beneficiaries.selectors import writable_regions
from core.errors import ReferralHubError
from core.models import Region

EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png"}
EVIDENCE_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


class RegisterError(ReferralHubError):
    code = "register_conflict"


def check_codes(field: str, values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    values = list(dict.fromkeys(values))
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValidationError({field: _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)}})
    return values


def writable_region_of(user: User, region: Region | str, field: str = "region") -> Region:
    code = region.code if isinstance(region, Region) else str(region).strip().ljust(12, "0")
    found = Region.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({field: _("Unknown region code “%(code)s”.") % {"code": code}})
    if not writable_regions(user).filter(code=found.code).exists():
        raise ValidationError({field: _("%(region)s is outside your jurisdiction.") % {"region": found.name}})
    return found


def money(field: str, value: Decimal | str | None) -> str:
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({field: _("Enter an amount in yuan, e.g. 1200 or 1200.50.")}) from None
    if amount < 0 or not amount.is_finite():
        raise ValidationError({field: _("The amount cannot be negative.")})
    return str(amount.quantize(Decimal("0.01")))
