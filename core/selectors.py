"""Reads of regions and organizations, filtered by what the user may see.

Visibility rules (SPEC "Jurisdiction is a region subtree"):
- administrators see everything;
- caseworkers, station workers and supervisors see their jurisdiction subtree and
  the chain of regions above it (so names like 省/市 can be shown);
- charity staff see the subtrees their organization is located in or serves, and
  the regions above them.

Organizations:
- jurisdiction roles see organizations located in their subtree, and those whose
  service regions reach into it (including ones serving a whole province or a
  designated county from elsewhere, 以强带弱);
- charity staff see their own organization and the government offices and
  stations of the regions they serve; never another charity's internals here.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from accounts.models import JURISDICTION_ROLES, Role, User
from core.models import GOVERNMENT_KINDS, Organization, Region, RegionLevel


def _staff_regions(user: User) -> list[Region]:
    """The roots of the region subtrees this user works in."""
    if user.role in JURISDICTION_ROLES:
        return [user.jurisdiction] if user.jurisdiction is not None else []
    org = user.organization
    if user.role == Role.CHARITY_STAFF and org is not None:
        return [org.region, *org.service_regions.all()]
    return []


def _region_q(roots: list[Region], field: str) -> Q:
    """Regions in any root's subtree or above any root."""
    ancestors = {code for root in roots for code in root.ancestor_codes()}
    conditions = [root.subtree_q(field) for root in roots]
    if ancestors:
        conditions.append(Q(**{f"{field}__in": sorted(ancestors)}))
    return reduce(or_, conditions)


def regions_visible_to(user: User) -> QuerySet[Region]:
    regions = Region.objects.all()
    if not user.is_authenticated or not user.is_active:
        return regions.none()
    if user.is_admin_role:
        return regions
    roots = _staff_regions(user)
    if not roots:
        return regions.none()
    return regions.filter(_region_q(roots, "code"))


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    organizations = Organization.objects.select_related("region")
    if not user.is_authenticated or not user.is_active:
        return organizations.none()
    if user.is_admin_role:
        return organizations
    if user.role in JURISDICTION_ROLES:
        roots = _staff_regions(user)
        if not roots:
            return organizations.none()
        root = roots[0]
        serving_here = Q(
            service_regions__in=Region.objects.filter(root.subtree_q() | Q(code__in=root.ancestor_codes()))
        )
        ids = Organization.objects.filter(root.subtree_q("region__code") | serving_here).values("id")
        return organizations.filter(id__in=ids)
    if user.role == Role.CHARITY_STAFF and user.organization_id:
        roots = _staff_regions(user)
        offices = Q(kind__in=GOVERNMENT_KINDS) & _region_q(roots, "region__code")
        return organizations.filter(Q(id=user.organization_id) | offices)
    return organizations.none()


# ---------------------------------------------------------------------------------------------
# Region pickers: what a person may choose, searched by name, shown with its path.
# ---------------------------------------------------------------------------------------------
PATH_SEPARATOR = " › "


def regions_pickable_by(user: User) -> QuerySet[Region]:
    """Regions a user may choose in a form or a filter: the subtrees they work in (their
    jurisdiction; a charity's own and served regions), never the regions above them."""
    regions = Region.objects.all()
    if not user.is_authenticated or not user.is_active:
        return regions.none()
    if user.is_admin_role:
        return regions
    roots = _staff_regions(user)
    if not roots:
        return regions.none()
    return regions.filter(reduce(or_, [root.subtree_q() for root in roots]))


def public_regions() -> QuerySet[Region]:
    """What anyone, signed in or not, may pick (the public transparency page): provinces, cities
    and counties, whose names are public; never a township or village."""
    return Region.objects.filter(level__lte=RegionLevel.COUNTY)


def application_regions() -> QuerySet[Region]:
    """Where the public may apply online: the townships and villages of the counties this system
    serves (a county with an active civil-affairs office), so an application always reaches a station."""
    counties = {
        code[:6]
        for code in Organization.objects.filter(is_active=True, kind__in=GOVERNMENT_KINDS).values_list(
            "region_id", flat=True
        )
        if code
    }
    if not counties:
        return Region.objects.none()
    served = reduce(or_, [Q(code__startswith=prefix) for prefix in sorted(counties)])
    return Region.objects.filter(served, level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])


def region_paths(regions: list[Region]) -> dict[str, str]:
    """Each region's path from its province (陕西省 › 延安市 › 延川县 › 永坪镇), one query for all."""
    ancestors = {code for region in regions for code in region.ancestor_codes()}
    names = dict(Region.objects.filter(code__in=ancestors).values_list("code", "name")) if ancestors else {}
    return {
        region.code: PATH_SEPARATOR.join([*(names[c] for c in region.ancestor_codes() if c in names), region.name])
        for region in regions
    }


def regions_search(
    user: User | AnonymousUser,
    query: str,
    *,
    levels: list[int] | None = None,
    public: bool = False,
    scope: str = "",
    limit: int = 20,
) -> list[tuple[Region, str]]:
    """Up to ``limit`` regions the user may pick whose name contains ``query`` (or whose code
    starts with it), higher levels first, each with its path. ``public`` adds the counties and
    above of the whole country (public names), as the public pages and a charity's designated
    counties need; anyone not signed in gets only those."""
    query = query.strip()
    if not query:
        return []
    if scope == "apply":  # the online application: anyone, townships and villages of the served counties
        regions = application_regions()
    elif not user.is_authenticated:
        regions = public_regions()
    elif public and not user.is_admin_role:
        regions = regions_pickable_by(user) | public_regions()
    else:
        regions = regions_pickable_by(user)
    if levels:
        regions = regions.filter(level__in=levels)
    if query.isdigit():
        found = list(regions.filter(code__startswith=query).order_by("level", "code")[:limit])
    else:
        # Counties and townships first (40,000 rows, read through the level index), then villages
        # in code order until the page is full: a common word never sorts 600,000 villages.
        named = regions.filter(name__contains=query)
        found = list(named.filter(level__lt=RegionLevel.VILLAGE).order_by("level", "code")[:limit])
        if len(found) < limit and (not levels or RegionLevel.VILLAGE in levels):
            found += list(named.filter(level=RegionLevel.VILLAGE).order_by("code")[: limit - len(found)])
    paths = region_paths(found)
    return [(region, paths[region.code]) for region in found]


class RegionPaths:
    """Paths of many regions for an export: each region's ancestors are read once and kept, so a
    county's 100,000 people cost a query per distinct region at most, not one per row."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def __call__(self, region: Region) -> str:
        missing = [code for code in region.ancestor_codes() if code not in self._names]
        if missing:
            found = dict(Region.objects.filter(code__in=missing).values_list("code", "name"))
            self._names.update({code: found.get(code, "") for code in missing})
        names = [self._names[code] for code in region.ancestor_codes() if self._names[code]]
        return PATH_SEPARATOR.join([*names, region.name])
