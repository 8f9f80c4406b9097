from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from charities.models import ComplaintEvent
from supervision.models import ConflictFlag, Declaration, ReferralApproval


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Supervision records change only through the services (each change is audited)."""

    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "from_status", "to_status", "by", "at"]
    list_select_related = ["complaint", "by"]


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ["name", "id_number_masked", "relationship", "declarant", "declared_at", "ended_at"]
    list_filter = ["relationship"]
    search_fields = ["name", "declarant__username"]
    list_select_related = ["declarant"]
    exclude = ["id_number_index"]


@admin.register(ConflictFlag)
class ConflictFlagAdmin(ReadOnlyAdmin):
    list_display = ["kind", "object_id", "person", "declaration", "by", "by_declarant", "flagged_at"]
    list_filter = ["kind", "by_declarant"]
    list_select_related = ["person", "declaration", "by"]


@admin.register(ReferralApproval)
class ReferralApprovalAdmin(ReadOnlyAdmin):
    list_display = ["referral", "status", "requested_by", "requested_at", "approved_by", "approved_at"]
    list_filter = ["status"]
    list_select_related = ["referral", "requested_by", "approved_by"]
