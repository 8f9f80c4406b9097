from django.contrib import admin
from django.http import HttpRequest

from cases.models import DirectHelp, FollowUp, Notification, Referral, ReferralEvent


class ReferralEventInline(admin.TabularInline[ReferralEvent, Referral]):
    model = ReferralEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "from_status", "to_status", "actor", "actor_organization", "reason", "data"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin[Referral]):
    """Read-mostly: states change only through the services (the pages and the API)."""

    list_display = [
        "reference",
        "direction",
        "status",
        "urgency",
        "fast_track",
        "from_organization",
        "to_organization",
        "respond_by",
        "updated_at",
    ]
    list_filter = ["direction", "status", "urgency", "fast_track"]
    search_fields = ["id"]
    raw_id_fields = [
        "person",
        "consent",
        "resource",
        "previous",
        "region",
        "from_organization",
        "to_organization",
        "created_by",
    ]
    readonly_fields = [
        "status",
        "sent_at",
        "ended_at",
        "visible_until",
        "capacity_reserved",
        "created_at",
        "updated_at",
    ]
    filter_horizontal = ["needs"]
    inlines = [ReferralEventInline]
    list_select_related = ["from_organization", "to_organization"]

    # Changes go through the services (grants, events, notifications); the admin only reads.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Referral | None = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["title", "recipient", "channel", "status", "attempts", "created_at", "delivered_at", "read_at"]
    list_filter = ["channel", "status", "kind"]
    raw_id_fields = ["recipient", "referral"]
    readonly_fields = ["attempts", "claimed_at", "last_error", "delivered_at", "created_at"]
    list_select_related = ["recipient"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin[FollowUp]):
    list_display = ["referral", "region", "station", "due_on", "status", "satisfaction", "need_met"]
    list_filter = ["status", "need_met"]
    raw_id_fields = ["referral", "region", "station", "visited_by"]


@admin.register(DirectHelp)
class DirectHelpAdmin(admin.ModelAdmin[DirectHelp]):
    """Read only: help is recorded through the page or the API, where the person is found by exact
    ID number, the consent is checked and the entry is audited."""

    list_display = ["given_on", "giver", "organization", "kind", "category", "amount"]
    list_filter = ["giver", "kind", "category"]
    raw_id_fields = ["person", "organization", "created_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DirectHelp | None = None) -> bool:
        return False
