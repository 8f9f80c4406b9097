"""Checks shared by the services: code lists and region codes."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.models import Region, RegionLevel
from core.validators import normalize_region_code


def unknown_codes(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed_set = set(allowed)
    return sorted({value for value in values if value not in allowed_set})


class RegionTable:
    """Regions by code, read in batches and kept for one check of many rows (an import): each
    code is read once, whatever the number of rows that name it. A code not in the table is
    remembered as missing. Use one table for one file; the region table changes too rarely to
    matter within it."""

    BATCH = 2000

    def __init__(self) -> None:
        self._known: dict[str, Region | None] = {}

    def load(self, codes: Iterable[str]) -> None:
        wanted = sorted({code for code in codes if code not in self._known})
        for start in range(0, len(wanted), self.BATCH):
            chunk = wanted[start : start + self.BATCH]
            found = {region.code: region for region in Region.objects.filter(code__in=chunk)}
            self._known.update({code: found.get(code) for code in chunk})

    def found(self, codes: Iterable[str]) -> dict[str, Region]:
        codes = list(codes)
        self.load(codes)
        return {code: region for code in codes if (region := self._known.get(code)) is not None}


def region_code_or_raw(raw: str) -> str:
    """The 12-digit code of a 6-, 9- or 12-digit code; the text itself when it is none (the check names it)."""
    try:
        return normalize_region_code(str(raw))
    except ValidationError:
        return str(raw)


def resolve_region_codes(
    codes: list[str],
    *,
    field_name: str,
    errors: dict[str, list[str]],
    county_only: bool = False,
    table: RegionTable | None = None,
) -> list[Region]:
    normalized: list[str] = []
    for raw in codes:
        try:
            normalized.append(normalize_region_code(str(raw)))
        except ValidationError:
            errors.setdefault(field_name, []).append(
                _("“%(code)s” is not a region code: use the 6-, 9- or 12-digit statistical code.") % {"code": raw}
            )
    if table is not None:
        found = table.found(normalized)
    else:
        found = {r.code: r for r in Region.objects.filter(code__in=normalized)}
    missing = [code for code in dict.fromkeys(normalized) if code not in found]
    if missing:
        errors.setdefault(field_name, []).append(
            _(
                "These region codes do not exist in the region table: %(codes)s. Check the codes or ask an administrator to import the regions."
            )
            % {"codes": "、".join(missing)}
        )
    if county_only:
        not_counties = [r for r in found.values() if r.level != RegionLevel.COUNTY]
        if not_counties:
            errors.setdefault(field_name, []).append(
                _("A designated county must be a county; these are not: %(names)s.")
                % {"names": "、".join(f"{r.name}（{r.code}）" for r in not_counties)}
            )
    return [found[code] for code in dict.fromkeys(normalized) if code in found]
