"""Writes for the supply list, organization profiles and complaints.

Every function is keyword-only and typed. Invalid input raises Django's
``ValidationError`` with field → message (the API answers 400, pages show it by
the field); an action that does not fit the current state raises
``ReferralHubError`` (the API answers 409).
"""

from charities.services.checks import RegionTable
from charities.services.complaints import (
    COMPLAINT_STEPS,
    ComplaintError,
    can_handle_complaints,
    complaint_move,
    complaint_next_step,
    complaint_submit,
)
from charities.services.organizations import (
    PROFILE_FIELDS,
    Invitation,
    organization_admins,
    organization_invite_staff,
    organization_remove_staff,
    organization_update_profile,
)
from charities.services.resources import (
    STATUS_MOVES,
    ResourceData,
    resource_check,
    resource_create,
    resource_record_delivery,
    resource_recount_help,
    resource_region_codes,
    resource_release_capacity,
    resource_reserve_capacity,
    resource_set_status,
    resource_update,
    resources_create_many,
)

__all__ = [
    "COMPLAINT_STEPS",
    "PROFILE_FIELDS",
    "STATUS_MOVES",
    "ComplaintError",
    "Invitation",
    "RegionTable",
    "ResourceData",
    "can_handle_complaints",
    "complaint_move",
    "complaint_next_step",
    "complaint_submit",
    "organization_admins",
    "organization_invite_staff",
    "organization_remove_staff",
    "organization_update_profile",
    "resource_check",
    "resource_create",
    "resource_record_delivery",
    "resource_recount_help",
    "resource_region_codes",
    "resource_release_capacity",
    "resource_reserve_capacity",
    "resource_set_status",
    "resource_update",
    "resources_create_many",
]
