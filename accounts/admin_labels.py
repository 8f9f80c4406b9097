"""Admin labels in the reader's language.

Django stores a permission's name in English when the table is migrated ("Can add need"), and
the admin shows it as stored. `permission_label` says it in the current language from the
codename and the model's verbose name (可增加 需求); a custom permission's name goes through
gettext; the object-grant tables' own permissions are not offered. django-guardian's per-organization groups (``organization:5``) hold object grants made by
the referral steps: nobody assigns them by hand, so the admin never offers them.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

INTERNAL_GROUP_PREFIX = "organization:"

ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    content_type = permission.content_type
    model = content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is not None and action in ACTIONS and model_name == model._meta.model_name:
        text = str(ACTIONS[action]) % {"model": model._meta.verbose_name}
        app = str(model._meta.app_config.verbose_name)
    else:
        text = gettext(permission.name)
        app = _app_name(content_type.app_label)
    return f"{app} | {text}"


def _app_name(app_label: str) -> str:
    """The app's name in words (核心数据, not ``core``), its label if it is gone."""
    try:
        return str(apps.get_app_config(app_label).verbose_name)
    except LookupError:
        return app_label


def assignable_groups() -> QuerySet[Group]:
    return Group.objects.exclude(name__startswith=INTERNAL_GROUP_PREFIX).order_by("name")


def labelled_permissions() -> QuerySet[Permission]:
    """Every permission but those on the object-grant tables (django-guardian's and ours), which
    the referral steps write and no one assigns."""
    return (
        Permission.objects.select_related("content_type")
        .exclude(content_type__app_label="guardian")
        .exclude(content_type__model__endswith="objectpermission")
        .order_by("content_type__app_label", "codename")
    )
