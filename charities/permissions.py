"""Access helpers for resources, organization profiles and complaints.

Each fetches *and* authorises. Something the user may not see is 404, whether it
exists or not; something they may see but not change is 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Role, User
from charities.models import Complaint, Resource
from charities.selectors import complaints_visible_to, resources_visible_to
from core.models import Organization
from core.permissions import int_or_404, organization_for_user


def resource_for_user(user: User, pk: int | str) -> Resource:
    """A resource the user may read (404 otherwise)."""
    resource = resources_visible_to(user).filter(pk=int_or_404(pk, _("No such resource."))).first()
    if resource is None:
        raise Http404(_("No such resource."))
    return resource


def can_edit_resources_of(user: User, organization: Organization) -> bool:
    """Staff of a supplying organization keep its resources; administrators may too."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_admin_role:
        return True
    return user.role == Role.CHARITY_STAFF and user.organization_id == organization.pk


def resource_for_editor(user: User, pk: int | str) -> Resource:
    """A resource the user may change: 404 if they cannot see it, 403 if they can only read it."""
    resource = resource_for_user(user, pk)
    if not can_edit_resources_of(user, resource.organization):
        raise PermissionDenied(_("Only the organization's own staff change its resources."))
    return resource


def supplier_organization_for(user: User) -> Organization:
    """The organization whose supply list this user keeps (charity staff only; 403 otherwise)."""
    if user.is_authenticated and user.role == Role.CHARITY_STAFF and user.organization is not None:
        return user.organization
    raise PermissionDenied(_("Only staff of a supplying organization keep a supply list."))


def can_manage_organization(user: User, organization: Organization) -> bool:
    """System administrators, and the organization's own administrators (``manage_staff``)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_admin_role:
        return True
    return user.organization_id == organization.pk and user.has_perm("core.manage_staff", organization)


def organization_for_manager(user: User, pk: int | str) -> Organization:
    """An organization whose profile and staff the user may change (404 unseen, 403 read-only)."""
    organization = organization_for_user(user, pk)
    if not can_manage_organization(user, organization):
        raise PermissionDenied(_("Only the organization's administrators change its profile and staff."))
    return organization


def can_read_complaints(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_admin_role or user.role == Role.SUPERVISOR))


def complaint_for_user(user: User, pk: int | str) -> Complaint:
    complaint = complaints_visible_to(user).filter(pk=int_or_404(pk, _("No such complaint."))).first()
    if complaint is None:
        raise Http404(_("No such complaint."))
    return complaint
