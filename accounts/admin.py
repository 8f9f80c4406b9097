from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from accounts.models import FailedLogin, User
from accounts.passwords import password_set_by_administrator
from accounts.services import user_deactivate, user_unlock
from accounts.two_factor import device_reset


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


@admin.register(FailedLogin)
class FailedLoginAdmin(admin.ModelAdmin[FailedLogin]):
    list_display = ["username", "ip_address", "attempted_at"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempted_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
