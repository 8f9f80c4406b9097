"""Writes of an organization's own profile and staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.passwords import invite_path
from charities.services.checks import resolve_region_codes, unknown_codes
from core.errors import ReferralHubError
from core.models import FocusGroup, Organization, Region

# --- organization profile and staff ----------------------------------------------

# What an organization's own administrator may change; registration facts
# (name, kind, credit code, region, authority, rating) stay with system administrators.
PROFILE_FIELDS = (
    "contact_person",
    "contact_phone",
    "address",
    "introduction",
    "website",
    "disclosures",
    "focus_groups",
)


@transaction.atomic
def organization_update_profile(
    *, organization: Organization, by: User, changes: dict[str, Any], service_region_codes: list[str] | None = None
) -> Organization:
    """Change the parts of a profile an organization keeps itself."""
    locked = Organization.objects.select_for_update(no_key=True).get(pk=organization.pk)
    errors: dict[str, list[str]] = {}
    not_allowed = sorted(set(changes) - set(PROFILE_FIELDS))
    if not_allowed:
        raise ValidationError(
            {name: [_("Only system administrators change this; ask them if it is wrong.")] for name in not_allowed}
        )
    if "focus_groups" in changes:
        groups = list(dict.fromkeys(changes["focus_groups"] or []))
        if bad := unknown_codes(groups, FocusGroup.values):
            errors["focus_groups"] = [_("Unknown focus groups: %(codes)s.") % {"codes": ", ".join(bad)}]
        changes["focus_groups"] = groups
    regions: list[Region] = []
    if service_region_codes is not None:
        regions = resolve_region_codes(service_region_codes, field_name="service_regions", errors=errors)
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.full_clean(exclude=["service_regions"])
    locked.save()
    if service_region_codes is not None:
        locked.service_regions.set(regions)
    return locked


def organization_admins(organization: Organization) -> list[User]:
    from guardian.shortcuts import get_users_with_perms

    users = get_users_with_perms(organization, only_with_perms_in=["manage_staff"], with_superusers=False)
    return sorted(users, key=lambda u: u.username)


@dataclass
class Invitation:
    user: User
    invite_path: str  # a one-time link with which the new member chooses a password (accounts.passwords)


@transaction.atomic
def organization_invite_staff(
    *, organization: Organization, by: User, username: str, full_name: str, phone: str = ""
) -> Invitation:
    """Create a staff account for the organization, with no password yet, and its one-time invite link.

    The new member chooses the password with the link, so the inviting administrator never knows it
    (an initial password handed over stayed known to whoever handed it over)."""
    username = username.strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("Give the new member a username.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("The username “%(name)s” is taken; choose another.") % {"name": username}]
    if not full_name.strip():
        errors["full_name"] = [_("Give the new member's full name.")]
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username,
        full_name=full_name.strip(),
        phone=phone.strip(),
        role=Role.CHARITY_STAFF,
        organization=organization,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return Invitation(user=user, invite_path=invite_path(user))


@transaction.atomic
def organization_remove_staff(*, organization: Organization, by: User, member: User) -> User:
    """Take a member's access away. The account stays (inactive) so history keeps its author."""
    locked = User.objects.select_for_update(no_key=True).get(pk=member.pk)
    if locked.organization_id != organization.pk:
        raise ValidationError(_("This person is not a member of the organization."))
    if locked.pk == by.pk:
        raise ReferralHubError(
            _("You cannot remove yourself; ask another administrator of the organization."), code="remove_self"
        )
    from guardian.shortcuts import remove_perm

    locked.is_active = False
    locked.save(update_fields=["is_active"])
    remove_perm("core.manage_staff", locked, organization)
    return locked
