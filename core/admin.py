from django.contrib import admin
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from accounts.models import User
from core.models import Organization, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    ordering = ["code"]


class StaffInline(admin.TabularInline[User, Organization]):
    model = User
    fields = ["username", "full_name", "role", "jurisdiction", "is_active"]
    readonly_fields = ["username", "full_name", "role", "jurisdiction", "is_active"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(GuardedModelAdmin):
    list_display = ["name", "kind", "group_type", "credit_code", "region", "is_active"]
    list_filter = ["kind", "group_type", "is_active", "region__level"]
    search_fields = ["name", "credit_code", "region__name"]
    autocomplete_fields = ["region", "service_regions"]
    list_select_related = ["region"]
    inlines = [StaffInline]
