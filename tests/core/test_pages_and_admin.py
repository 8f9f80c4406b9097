"""HTML pages and the Django admin, as the roles meet them."""

import pytest

from accounts.models import User
from beneficiaries.models import Household
from core.models import Organization, Region


def test_organization_page_is_scoped_like_the_api(client, caseworker, world):
    client.force_login(caseworker)
    html = client.get("/organizations/").content.decode()
    assert "延川县慈善协会" in html and "延长县阳光助困基金会" not in html


def test_organization_page_for_the_other_charity(client, other_charity_staff, world):
    client.force_login(other_charity_staff)
    html = client.get("/organizations/").content.decode()
    assert "延长县阳光助困基金会" in html and "延川县慈善协会" not in html


def test_organization_page_filters_and_says_when_empty(client, caseworker, world):
    client.force_login(caseworker)
    html = client.get("/organizations/?q=不存在的名字").content.decode()
    assert "没有符合条件的机构" in html


def test_organization_page_needs_sign_in(client, world):
    assert client.get("/organizations/").status_code == 302


def test_staff_roles_cannot_open_the_admin(client, caseworker, supervisor, charity_staff):
    for user in (caseworker, supervisor, charity_staff):
        client.force_login(user)
        assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("model", [Region, Organization, User, Household])
def test_admin_lists_search_and_filter(client, admin_user, world, model):
    client.force_login(admin_user)
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert client.get(url).status_code == 200
    assert client.get(url + "?q=延川").status_code == 200


def test_admin_add_forms_open(client, admin_user, world):
    client.force_login(admin_user)
    for url in ("/admin/core/organization/add/", "/admin/accounts/user/add/", "/admin/core/region/add/"):
        assert client.get(url).status_code == 200, url


def test_admin_organization_page_lists_its_staff(client, admin_user, caseworker, world):
    client.force_login(admin_user)
    html = client.get(f"/admin/core/organization/{world.bureau.pk}/change/").content.decode()
    assert "caseworker" in html


def test_api_schema_and_docs_are_served(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    body = schema.content.decode()
    for path in ("/api/v1/auth/token/", "/api/v1/me/", "/api/v1/regions/", "/api/v1/organizations/"):
        assert path in body
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "swagger" in docs.content.decode().lower()


def test_admin_says_xiugai_not_genghuan(client, admin_user, world):
    """The admin's "Change" is Django's 修改; 更换 is only the need form's "pick another person" link."""
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    assert "修改" in html and "更换" not in html


def test_admin_user_pages_are_in_chinese_without_internal_groups(client, admin_user, caseworker, world):
    """Permissions are named in words (可增加需求), Django 5's newer admin texts are translated, and the
    per-organization grant groups the referral steps use (organization:5) are not offered."""
    from django.contrib.auth.models import Group

    Group.objects.create(name=f"organization:{world.charity.pk}")
    Group.objects.create(name="县民政局经办")
    client.force_login(admin_user)
    add = client.get("/admin/accounts/user/add/").content.decode()
    assert "创建用户之后" in add and "After you" not in add
    change = client.get(f"/admin/accounts/user/{caseworker.pk}/change/").content.decode()
    assert "可增加需求" in change and "Can add" not in change and "object permission" not in change
    assert "县民政局经办" in change and f"organization:{world.charity.pk}" not in change
    groups = client.get("/admin/auth/group/").content.decode()
    assert "县民政局经办" in groups and "organization:" not in groups
    script = client.get("/admin/jsi18n/").content.decode()
    assert "\\u9009\\u4e2d\\u8981\\u6dfb\\u52a0" in script or "选中要添加" in script
