"""Issue 14, finding 1 and acceptance 4: the Django admin signs in under the site's rules.

The attacker posted a locked account's password to ``/admin/login/`` and was in the admin.
"""

import pyotp
import pytest
from django.utils import timezone

from accounts.models import TOTPDevice
from audit.models import AuditAction, AuditEntry
from tests.factories import PASSWORD

ADMIN_LOGIN = "/admin/login/"


def admin_form_post(client, password=PASSWORD, username="admin"):
    return client.post(f"{ADMIN_LOGIN}?next=/admin/", {"username": username, "password": password, "next": "/admin/"})


def in_the_admin(client):
    return client.get("/admin/").status_code == 200


def lock(client, username="admin"):
    for _ in range(5):
        client.post("/accounts/login/", {"username": username, "password": "wrong"})


@pytest.fixture
def two_factor_required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["caseworker", "station_worker", "supervisor", "admin"]


def test_a_locked_account_cannot_sign_into_the_admin(client, admin_user):
    lock(client)
    admin_form_post(client)
    assert not in_the_admin(client)
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_page_is_the_site_sign_in(client, admin_user):
    response = client.get(f"{ADMIN_LOGIN}?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/accounts/user/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_password_posted_to_the_admin_sign_in_signs_nobody_in(client, admin_user):
    assert admin_form_post(client).status_code == 302
    assert not in_the_admin(client)


def test_admin_sign_in_is_audited_like_the_site(client, admin_user):
    response = client.post(
        "/accounts/login/?next=/admin/", {"username": "admin", "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"] == "/admin/"
    assert in_the_admin(client)
    assert AuditEntry.objects.filter(actor=admin_user, action=AuditAction.LOGIN).count() == 1


def test_an_offsite_next_is_not_followed(client, admin_user):
    response = client.get(f"{ADMIN_LOGIN}?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_a_signed_in_non_staff_account_is_refused_not_looped(client, caseworker):
    client.force_login(caseworker)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_with_two_steps_required_the_admin_needs_the_code(client, admin_user, two_factor_required):
    device = TOTPDevice.objects.create(user=admin_user, secret=pyotp.random_base32(), confirmed=True)
    admin_form_post(client)
    assert not in_the_admin(client)
    response = client.post(
        "/accounts/login/?next=/admin/", {"username": "admin", "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"] == "/accounts/two-factor/"
    assert not in_the_admin(client)  # the password alone is not enough
    response = client.post("/accounts/two-factor/", {"code": pyotp.TOTP(device.secret).at(timezone.now())})
    assert response["Location"] == "/admin/"
    assert in_the_admin(client)


def test_with_two_steps_required_a_locked_admin_stays_out(client, admin_user, two_factor_required):
    device = TOTPDevice.objects.create(user=admin_user, secret=pyotp.random_base32(), confirmed=True)
    lock(client)
    admin_form_post(client)
    client.post("/accounts/login/?next=/admin/", {"username": "admin", "password": PASSWORD, "next": "/admin/"})
    client.post("/accounts/two-factor/", {"code": pyotp.TOTP(device.secret).at(timezone.now())})
    assert not in_the_admin(client)


def test_the_admin_sign_out_is_the_audited_site_sign_out(client, admin_user):
    client.force_login(admin_user)
    client.post("/admin/logout/")
    assert not in_the_admin(client)
    assert AuditEntry.objects.filter(actor=admin_user, action=AuditAction.LOGOUT).exists()


def test_a_signed_in_administrator_on_the_admin_sign_in_page_goes_on(client, admin_user):
    client.force_login(admin_user)
    assert client.get(f"{ADMIN_LOGIN}?next=/admin/accounts/user/")["Location"] == "/admin/accounts/user/"


def test_the_admin_change_password_link_is_the_site_page(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/password_change/")["Location"] == "/accounts/password/"


def test_production_requires_two_steps_of_the_admin_and_routes_its_sign_in(tmp_path):
    from tests.core.test_settings import PRODUCTION_KEYS, run

    probe = (
        "import django; from django.conf import settings; django.setup(); import referral_hub.urls; "
        "from django.contrib import admin; print('admin' in settings.TWO_FACTOR_REQUIRED_ROLES, "
        "admin.site.login.__module__)"
    )
    result = run(probe, tmp_path, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 20 + "y" * 20 + "z" * 20, **PRODUCTION_KEYS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True accounts.views"
