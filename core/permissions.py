"""Access helpers: fetch an object *and* authorise it, answering 404 either way."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from core.models import Organization, Region
from core.selectors import organizations_visible_to, regions_visible_to


def region_for_user(user: User, code: str) -> Region:
    region = regions_visible_to(user).filter(code=code).first()
    if region is None:
        raise Http404(_("No such region."))
    return region


def organization_for_user(user: User, pk: int | str) -> Organization:
    try:
        organization = organizations_visible_to(user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        organization = None
    if organization is None:
        raise Http404(_("No such organization."))
    return organization


def can_edit_directory(user: User) -> bool:
    """Regions and organizations are reference data kept by administrators."""
    return bool(user.is_authenticated and user.is_active and user.is_admin_role)


def int_or_404(pk: Any, message: str) -> int:
    """A primary key from a URL or a body: anything that is not an integer is "not found"."""
    try:
        return int(pk)
    except (TypeError, ValueError, OverflowError):
        raise Http404(message) from None
