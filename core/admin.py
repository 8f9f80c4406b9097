from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from accounts.models import User
from core.models import Organization, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    """660,000 rows with the national table: the list joins the parent, never counts the whole
    table, and searches a code by prefix (the code index) and a name as written (no UPPER())."""

    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    search_help_text = _("A code (its first digits) or part of a name.")
    show_full_result_count = False
    autocomplete_fields = ["parent"]
    ordering = ["code"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Region], search_term: str
    ) -> tuple[QuerySet[Region], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(code__startswith=term), False
        return queryset.filter(name__contains=term), False


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
