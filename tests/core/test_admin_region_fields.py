"""No admin page renders every region in a <select>: each region field of each registered model
is an autocomplete (search as you type), a raw id, read-only or not on the form."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from core.models import Region


def region_fields(model):
    return [
        field.name
        for field in model._meta.get_fields()
        if (field.many_to_one or field.many_to_many) and not field.auto_created and field.related_model is Region
    ]


def read_only(model_admin):
    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    return not model_admin.has_add_permission(request) and not model_admin.has_change_permission(request)


def test_every_region_field_in_the_admin_is_searched_not_listed():
    listed = []
    for model, model_admin in admin.site._registry.items():
        if read_only(model_admin):  # shown as text, never as a form field
            continue
        handled = {*model_admin.autocomplete_fields, *model_admin.raw_id_fields, *model_admin.readonly_fields}
        handled |= set(model_admin.exclude or [])
        for name in region_fields(model):
            fields = model_admin.fields
            if fields is not None and name not in {
                f for group in fields for f in ([group] if isinstance(group, str) else group)
            }:
                continue
            if name not in handled:
                listed.append(f"{model._meta.label}.{name}")
        for inline in model_admin.inlines:
            inline_handled = {*inline.autocomplete_fields, *inline.raw_id_fields, *inline.readonly_fields}
            for name in region_fields(inline.model):
                if inline.fields is not None and name not in inline.fields:
                    continue
                if name not in inline_handled:
                    listed.append(f"{inline.model._meta.label}.{name} (inline of {model._meta.label})")
    assert listed == [], listed


@pytest.mark.django_db
def test_the_add_pages_render_no_region_options(admin_client, world):
    for model in admin.site._registry:
        if not region_fields(model):
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        response = admin_client.get(url)
        if response.status_code != 200:
            continue
        html = response.content.decode()
        assert "永坪村</option>" not in html, model._meta.label
