"""Issue 14, finding 10: people choose their own passwords.

The attacker was the charity administrator who invited a colleague: the initial password was shown
to them and stayed known to them. And nobody could change their own password."""

import re

import pytest
from guardian.shortcuts import assign_perm

from accounts.models import ApiToken, User
from accounts.tokens import api_token_issue
from audit.models import AuditAction, AuditEntry
from tests.conftest import api_as
from tests.factories import PASSWORD

NEW = "Ch0sen-by-me!"


@pytest.fixture
def org_admin(charity_staff, world):
    assign_perm("core.manage_staff", charity_staff, world.charity)
    return charity_staff


def invite_link(response_text):
    found = re.search(r"https?://[^\s<\"]+/accounts/invite/[^\s<\"]+", response_text)
    assert found is not None, "the page shows no invite link"
    return found.group(0)


def test_an_invited_member_chooses_a_password_the_inviter_never_sees(client, org_admin, world):
    client.force_login(org_admin)
    page = client.post(
        "/supply/organization/staff/invite/", {"username": "zhang2", "full_name": "张二"}, follow=True
    ).content.decode()
    newbie = User.objects.get(username="zhang2")
    assert not newbie.has_usable_password()  # there is no password for the inviter to know
    assert "初始密码" not in page
    link = invite_link(page)
    member = client.__class__()
    form = member.get(link, follow=True)
    assert "选择您的密码" in form.content.decode()
    done = member.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert member.post("/accounts/login/", {"username": "zhang2", "password": NEW}).status_code == 302
    assert member.get("/").status_code == 200


def test_an_invite_link_works_once(client, org_admin, world):
    body = (
        api_as(org_admin)
        .post(
            f"/api/v1/organizations/{world.charity.pk}/staff/", {"username": "li3", "full_name": "李三"}, format="json"
        )
        .json()
    )
    link = body["invite_url"]
    first = client.get(link, follow=True)
    client.post(first.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    again = client.__class__().get(link, follow=True).content.decode()
    assert "已使用或已过期" in again


def test_an_invite_link_with_a_changed_token_is_refused(client, org_admin, world):
    body = (
        api_as(org_admin)
        .post(
            f"/api/v1/organizations/{world.charity.pk}/staff/", {"username": "li4", "full_name": "李四"}, format="json"
        )
        .json()
    )
    forged = body["invite_url"].rstrip("/")[:-3] + "abc/"
    assert "已使用或已过期" in client.get(forged, follow=True).content.decode()


def test_a_person_changes_their_own_password(client, caseworker):
    client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    key = f"Token {api_token_issue(user=caseworker, with_second_step=True).key}"
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # still signed in here
    caseworker.refresh_from_db()
    assert caseworker.check_password(NEW)
    assert AuditEntry.objects.filter(actor=caseworker, action=AuditAction.CHANGE, target_id=str(caseworker.pk)).exists()
    api = api_as(caseworker)
    api.credentials(HTTP_AUTHORIZATION=key)
    assert api.get("/api/v1/me/").status_code == 401  # the old token ended with the change


def test_a_weak_new_password_is_refused_in_chinese(client, caseworker):
    client.force_login(caseworker)
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    caseworker.refresh_from_db()
    assert caseworker.check_password(PASSWORD)


def test_an_account_an_administrator_created_must_change_its_password_first(client, admin_user, world):
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newcase",
            "password1": "Admin-Chose-1",
            "password2": "Admin-Chose-1",
            "usable_password": "true",
            "full_name": "新经办",
            "role": "caseworker",
            "organization": world.bureau.pk,
            "jurisdiction": world.our_county.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = client.__class__()
    person.post("/accounts/login/", {"username": "newcase", "password": "Admin-Chose-1"})
    assert person.get("/")["Location"] == "/accounts/password/"
    assert person.get("/register/persons/")["Location"] == "/accounts/password/"
    assert person.get("/api/v1/me/").status_code == 403
    token = person.post("/api/v1/auth/token/", {"username": "newcase", "password": "Admin-Chose-1"})
    assert token.status_code == 403 and not ApiToken.objects.exists()
    person.post("/accounts/password/", {"old_password": "Admin-Chose-1", "new_password1": NEW, "new_password2": NEW})
    assert person.get("/").status_code == 200


def test_an_administrators_reset_forces_a_change(client, admin_user, caseworker):
    client.force_login(admin_user)
    client.post(
        f"/admin/accounts/user/{caseworker.pk}/password/",
        {"password1": "Admin-Chose-2", "password2": "Admin-Chose-2", "usable_password": "true"},
    )
    person = client.__class__()
    person.post("/accounts/login/", {"username": "caseworker", "password": "Admin-Chose-2"})
    assert person.get("/")["Location"] == "/accounts/password/"


def test_the_password_page_needs_a_sign_in(client, db):
    assert client.get("/accounts/password/")["Location"].startswith("/accounts/login/")
