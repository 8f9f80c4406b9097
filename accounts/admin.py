from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


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
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("Role"), {"fields": ("full_name", "role", "organization", "jurisdiction")}),
    )
