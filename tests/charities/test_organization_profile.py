"""An organization's own administrator keeps its profile and staff; registration facts stay with admins."""

import pytest
from guardian.shortcuts import assign_perm

from accounts.models import Role, User
from tests.conftest import api_as
from tests.factories import UserFactory


@pytest.fixture
def org_admin(charity_staff, world):
    assign_perm("core.manage_staff", charity_staff, world.charity)
    return charity_staff


@pytest.fixture
def plain_staff(world):
    return UserFactory.create(username="plain", role=Role.CHARITY_STAFF, organization=world.charity)


def test_org_admin_edits_the_profile(org_admin, world):
    response = api_as(org_admin).patch(
        f"/api/v1/organizations/{world.charity.pk}/",
        {"contact_person": "张志强", "focus_groups": ["minor", "low_income"], "disclosures": "2025年报已公开。"},
        format="json",
    )
    assert response.status_code == 200, response.content
    world.charity.refresh_from_db()
    assert world.charity.focus_groups == ["minor", "low_income"]
    assert response.json()["disclosures"] == "2025年报已公开。"


def test_org_admin_cannot_change_registration_facts(org_admin, world):
    for change in ({"credit_code": "91110000600037341L"}, {"rating": "5A"}, {"name": "改名"}, {"kind": "enterprise"}):
        response = api_as(org_admin).patch(f"/api/v1/organizations/{world.charity.pk}/", change, format="json")
        assert response.status_code == 403, change
        assert "只能由系统管理员修改" in response.json()["detail"]
    world.charity.refresh_from_db()
    assert world.charity.name == "延川县慈善协会" and world.charity.rating == ""


def test_a_full_put_repeating_the_facts_is_fine(org_admin, world):
    client = api_as(org_admin)
    current = client.get(f"/api/v1/organizations/{world.charity.pk}/").json()
    response = client.put(
        f"/api/v1/organizations/{world.charity.pk}/", {**current, "contact_phone": "0911-1234567"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_unknown_focus_group_is_400(org_admin, world):
    response = api_as(org_admin).patch(
        f"/api/v1/organizations/{world.charity.pk}/", {"focus_groups": ["aliens"]}, format="json"
    )
    assert response.status_code == 400 and "aliens" in response.json()["focus_groups"][0]


def test_staff_who_are_not_admins_and_other_roles_get_403(plain_staff, caseworker, world):
    for user in (plain_staff, caseworker):
        response = api_as(user).patch(
            f"/api/v1/organizations/{world.charity.pk}/", {"contact_person": "某人"}, format="json"
        )
        assert response.status_code == 403


def test_another_charity_gets_404(other_charity_staff, world):
    assign_perm("core.manage_staff", other_charity_staff, world.other_charity)
    response = api_as(other_charity_staff).patch(
        f"/api/v1/organizations/{world.charity.pk}/", {"contact_person": "某人"}, format="json"
    )
    assert response.status_code == 404


def test_admin_gets_a_clear_message_for_a_bad_credit_code(admin_user, world):
    response = api_as(admin_user).patch(
        f"/api/v1/organizations/{world.charity.pk}/", {"credit_code": "51610622MJ000000X"}, format="json"
    )
    assert response.status_code == 400
    assert "统一社会信用代码" in response.json()["credit_code"][0]
    world.charity.refresh_from_db()
    assert world.charity.credit_code != "51610622MJ000000X"


def test_org_admin_invites_and_removes_staff(org_admin, plain_staff, world):
    client = api_as(org_admin)
    response = client.post(
        f"/api/v1/organizations/{world.charity.pk}/staff/", {"username": "newbie", "full_name": "新同事"}, format="json"
    )
    assert response.status_code == 201, response.content
    newbie = User.objects.get(username="newbie")
    assert newbie.organization == world.charity and newbie.role == Role.CHARITY_STAFF
    assert "initial_password" not in response.json() and not newbie.has_usable_password()
    assert "/accounts/invite/" in response.json()["invite_url"]
    assert {m["username"] for m in client.get(f"/api/v1/organizations/{world.charity.pk}/staff/").json()} >= {
        "newbie",
        "plain",
    }
    assert client.post(f"/api/v1/organizations/{world.charity.pk}/staff/{plain_staff.pk}/remove/").status_code == 204
    plain_staff.refresh_from_db()
    assert not plain_staff.is_active


def test_org_admin_cannot_remove_another_organizations_staff(org_admin, other_charity_staff, world):
    response = api_as(org_admin).post(
        f"/api/v1/organizations/{world.charity.pk}/staff/{other_charity_staff.pk}/remove/"
    )
    assert response.status_code == 404
    other_charity_staff.refresh_from_db()
    assert other_charity_staff.is_active


def test_plain_staff_cannot_invite(plain_staff, world):
    response = api_as(plain_staff).post(
        f"/api/v1/organizations/{world.charity.pk}/staff/", {"username": "x", "full_name": "某"}, format="json"
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="x").exists()


def test_profile_page(client, org_admin, plain_staff, caseworker, world):
    client.force_login(org_admin)
    response = client.post(
        "/supply/organization/",
        {"contact_person": "张志强", "focus_groups": ["minor"], "service_regions": "610622", "disclosures": "年报"},
    )
    assert response.status_code == 302
    world.charity.refresh_from_db()
    assert world.charity.disclosures == "年报"
    client.force_login(plain_staff)
    assert client.get("/supply/organization/").status_code == 200
    assert client.post("/supply/organization/", {"disclosures": "改"}).status_code == 403
    client.force_login(caseworker)
    assert client.get("/supply/organization/").status_code == 403


def test_profile_page_invites_staff(client, org_admin, world):
    client.force_login(org_admin)
    response = client.post(
        "/supply/organization/staff/invite/", {"username": "zhang2", "full_name": "张二"}, follow=True
    )
    assert User.objects.get(username="zhang2").organization == world.charity
    assert "zhang2" in response.content.decode()
