from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.models import (
    AssistanceRecord,
    Consent,
    Household,
    Need,
    OnlineApplication,
    Person,
    TextMessage,
    WarningRule,
)

# Admin lists show only masked values: the encrypted columns are never listed or searched.


class AuditedAdmin(admin.ModelAdmin):
    """Changes made in the admin are register changes too: they go to the audit log."""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=AuditAction.CHANGE if change else AuditAction.CREATE,
            target=obj,
            changes={"fields": sorted(form.changed_data), "via": "admin"},
            request=request,
        )


class PersonInline(admin.TabularInline[Person, Household]):
    model = Person
    fields = ["name", "relation", "gender", "birth_date", "id_number_masked"]
    readonly_fields = ["name", "relation", "gender", "birth_date", "id_number_masked"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    list_display = ["register_number", "address", "region", "updated_at"]
    list_filter = ["region__level"]
    search_fields = ["register_number", "address", "members__name"]
    autocomplete_fields = ["region"]
    list_select_related = ["region"]
    fields = ["register_number", "region", "address", "income_changed_at"]
    readonly_fields = ["income_changed_at"]
    inlines = [PersonInline]


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    """Sensitive fields are shown masked and edited through the register pages (audited)."""

    list_display = [
        "name",
        "id_number_masked",
        "phone_masked",
        "gender",
        "birth_date",
        "relation",
        "household",
        "region",
    ]
    list_filter = ["gender", "relation"]
    search_fields = ["name", "household__register_number"]
    autocomplete_fields = ["household", "region"]
    list_select_related = ["household", "region"]
    date_hierarchy = "birth_date"
    fields = [
        "household",
        "relation",
        "name",
        "id_number_masked",
        "phone_masked",
        "gender",
        "birth_date",
        "region",
        "address",
        "assistance_statuses",
        "vulnerabilities",
        "disability_grade",
    ]
    readonly_fields = ["id_number_masked", "phone_masked", "gender", "birth_date"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new people go through the register (ID check, duplicates, audit)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AssistanceRecord)
class AssistanceRecordAdmin(AuditedAdmin):
    list_display = ["person", "programme", "amount", "period_start", "period_end", "granting_organization", "source"]
    list_filter = ["programme", "source"]
    search_fields = ["person__name"]
    autocomplete_fields = ["person", "granting_organization"]
    list_select_related = ["person", "granting_organization"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin[Consent]):
    list_display = [
        "person",
        "recipient_scope",
        "recipient_organization",
        "method",
        "granted_at",
        "expires_at",
        "status",
    ]
    list_filter = ["status", "method", "recipient_scope"]
    search_fields = ["person__name"]
    list_select_related = ["person", "recipient_organization"]
    exclude = ["evidence"]  # served only through the permission-checked page

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # consent changes (revocation) are audited services

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Need)
class NeedAdmin(AuditedAdmin):
    list_display = ["person", "category", "urgency", "status", "source", "region", "created_at"]
    list_filter = ["status", "category", "urgency", "source"]
    search_fields = ["person__name", "description"]
    list_select_related = ["person", "region"]
    raw_id_fields = ["person", "warning_rule", "application"]
    autocomplete_fields = ["region"]


@admin.register(WarningRule)
class WarningRuleAdmin(admin.ModelAdmin[WarningRule]):
    list_display = ["name", "kind", "threshold", "category", "urgency", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["is_active"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the public form and the SMS outbox only; the admin reads (masked values)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OnlineApplication)
class OnlineApplicationAdmin(_ReadOnlyAdmin):
    list_display = ["reference", "region", "urgency", "phone_masked", "call_back_by", "called_back_at", "created_at"]
    list_filter = ["urgency", "applicant_kind"]
    search_fields = ["reference"]
    list_select_related = ["region"]
    exclude = ["phone", "phone_index", "what_happened"]


@admin.register(TextMessage)
class TextMessageAdmin(_ReadOnlyAdmin):
    """Each SMS with what the provider said: accepted, delivered or not, the error code."""

    list_display = ["created_at", "template", "phone_masked", "status", "attempts", "error_code", "delivered_at"]
    list_filter = ["status", "template"]
    search_fields = ["provider_id"]
    exclude = ["phone", "params", "text"]
