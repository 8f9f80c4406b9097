from django.contrib import admin
from django.http import HttpRequest

from charities.models import Complaint, Resource, ResourceUsage


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin[Resource]):
    list_display = ["name", "organization", "kind", "form", "status", "capacity_people", "people_left", "ends_on"]
    list_filter = ["status", "kind", "form"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization", "service_regions", "designated_counties"]
    # Capacity left moves only through charities.services (row lock); admins see it, never type it.
    readonly_fields = ["people_left", "amount_left", "created_by", "created_at", "updated_at"]


@admin.register(ResourceUsage)
class ResourceUsageAdmin(admin.ModelAdmin[ResourceUsage]):
    list_display = ["resource", "kind", "people", "amount", "region", "occurred_at", "referral_id"]
    list_filter = ["kind"]
    search_fields = ["resource__name"]
    list_select_related = ["resource", "region"]

    # Usage rows are the record every public figure comes from: never edited by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin[Complaint]):
    list_display = ["reference", "received_at", "about_organization", "region", "status"]
    list_filter = ["status"]
    search_fields = ["reference", "content"]
    list_select_related = ["about_organization", "region"]
    autocomplete_fields = ["about_organization", "region"]
    readonly_fields = ["reference", "content", "contact", "received_at", "updated_at"]
