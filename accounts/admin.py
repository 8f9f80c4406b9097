from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import ManyToManyField, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from accounts.admin_labels import INTERNAL_GROUP_PREFIX, assignable_groups, labelled_permissions, permission_label
from accounts.models import FailedLogin, OnCallDuty, ResponseTeamMember, User
from accounts.passwords import password_set_by_administrator
from accounts.services import user_deactivate, user_unlock
from accounts.two_factor import device_reset


def _labelled_many_to_many(db_field: ManyToManyField, field: forms.Field | None) -> forms.Field | None:
    """Permissions named in the reader's language; the internal per-organization groups left out."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        if db_field.name in ("user_permissions", "permissions"):
            field.queryset = labelled_permissions()
            field.label_from_instance = permission_label  # type: ignore[method-assign,assignment]
        elif db_field.name == "groups":
            field.queryset = assignable_groups()
    return field


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "organization", "jurisdiction", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "organization__kind"]
    search_fields = ["username", "full_name", "phone", "organization__name", "jurisdiction__name"]
    autocomplete_fields = ["organization", "jurisdiction"]
    list_select_related = ["organization", "jurisdiction"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "phone", "email")}),
        (_("Role"), {"fields": ("role", "organization", "jurisdiction")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    actions = ["unlock", "deactivate", "reset_two_factor"]

    @admin.action(description=_("Reset the authenticator app (lost phone)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            device_reset(user=user)
        self.message_user(request, _("Reset %(count)d authenticator(s).") % {"count": queryset.count()})

    @admin.action(description=_("Unlock sign-in (clear failed attempts)"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            user_unlock(user=user)
        self.message_user(request, _("Unlocked %(count)d account(s).") % {"count": queryset.count()})

    @admin.action(description=_("Disable and sign out everywhere"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            user_deactivate(user=user)
        self.message_user(request, _("Disabled %(count)d account(s).") % {"count": queryset.count()})

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # the administrator chose this password: the person picks their own at sign-in
            password_set_by_administrator(user=obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            if user is not None and user.pk != getattr(request.user, "pk", None):
                password_set_by_administrator(user=user)
        return response

    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("Role"), {"fields": ("full_name", "role", "organization", "jurisdiction")}),
    )

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        return _labelled_many_to_many(db_field, super().formfield_for_manytomany(db_field, request, **kwargs))  # type: ignore[return-value]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Django's group admin without the per-organization grant groups (``organization:5``)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Group]:
        return super().get_queryset(request).exclude(name__startswith=INTERNAL_GROUP_PREFIX)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        return _labelled_many_to_many(db_field, super().formfield_for_manytomany(db_field, request, **kwargs))  # type: ignore[return-value]


@admin.register(FailedLogin)
class FailedLoginAdmin(admin.ModelAdmin[FailedLogin]):
    list_display = ["username", "ip_address", "attempted_at"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempted_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ResponseTeamMember)
class ResponseTeamMemberAdmin(admin.ModelAdmin[ResponseTeamMember]):
    """快速响应服务队: who is told at once of an emergency in a village or township."""

    list_display = ["region", "user", "active"]
    list_filter = ["active"]
    raw_id_fields = ["user", "region"]
    search_fields = ["user__username", "user__full_name", "region__name"]


@admin.register(OnCallDuty)
class OnCallDutyAdmin(admin.ModelAdmin[OnCallDuty]):
    """值班: the county's on-call caseworker, told at once of an emergency."""

    list_display = ["region", "user", "starts_at", "ends_at"]
    raw_id_fields = ["user", "region"]
    date_hierarchy = "starts_at"
