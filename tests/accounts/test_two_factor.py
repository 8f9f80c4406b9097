"""Two-step sign-in (authenticator app) for the roles that can reveal sensitive data."""

import pyotp
import pytest
from django.utils import timezone

from accounts.models import TOTPDevice
from accounts.two_factor import device_reset
from tests.factories import PASSWORD

REQUIRED = ["caseworker", "station_worker", "supervisor", "admin"]


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED


def code_for(device, offset_steps=0):
    totp = pyotp.TOTP(device.secret)
    return totp.at(timezone.now().timestamp() + offset_steps * totp.interval)


def sign_in(client, username="caseworker"):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_a_caseworker_sets_up_the_app_at_first_sign_in(client, caseworker, required):
    response = sign_in(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"
    assert "_auth_user_id" not in client.session  # not signed in yet
    assert client.get("/").status_code == 302
    page = client.get("/accounts/two-factor/").content.decode()
    assert "<svg" in page and "身份验证器" in page
    device = TOTPDevice.objects.get(user=caseworker)
    assert device.secret in page and device.confirmed is False
    response = client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True


def test_the_secret_is_encrypted_at_rest(caseworker):
    from django.db import connection

    device = TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32())
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice WHERE id = %s", [device.pk])
        stored = cursor.fetchone()[0]
    assert device.secret not in stored


def test_a_wrong_code_is_refused_in_chinese(client, caseworker, required):
    TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    sign_in(client)
    response = client.post("/accounts/two-factor/", {"code": "000000"})
    assert "验证码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_used_code_cannot_be_replayed(client, caseworker, required):
    device = TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    code = code_for(device)
    sign_in(client)
    assert client.post("/accounts/two-factor/", {"code": code}).status_code == 302
    other = client.__class__()
    sign_in(other)
    response = other.post("/accounts/two-factor/", {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in other.session


def test_a_code_from_the_previous_step_is_accepted_for_clock_drift(client, caseworker, required):
    device = TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    sign_in(client)
    assert client.post("/accounts/two-factor/", {"code": code_for(device, -1)}).status_code == 302


def test_wrong_codes_count_towards_the_lockout(client, caseworker, required):
    device = TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    sign_in(client)
    for _ in range(5):
        client.post("/accounts/two-factor/", {"code": "000000"})
    response = client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_second_step_without_a_password_goes_back_to_sign_in(client, db):
    assert client.get("/accounts/two-factor/")["Location"] == "/accounts/login/"


def test_charity_staff_sign_in_with_a_password_alone(client, charity_staff, required):
    assert sign_in(client, "charity")["Location"] == "/"


def test_charity_staff_who_set_up_an_app_must_use_it(client, charity_staff, required):
    TOTPDevice.objects.create(user=charity_staff, secret=pyotp.random_base32(), confirmed=True)
    assert sign_in(client, "charity")["Location"] == "/accounts/two-factor/"


def test_the_token_api_asks_for_the_code(api, caseworker, required):
    body = {"username": "caseworker", "password": PASSWORD}
    assert api.post("/api/v1/auth/token/", body, format="json").status_code == 403  # set up on the web first
    device = TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    response = api.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400 and "otp" in response.json()
    response = api.post("/api/v1/auth/token/", {**body, "otp": code_for(device)}, format="json")
    assert response.status_code == 200 and response.json()["token"]


def test_an_administrator_resets_a_lost_authenticator(client, caseworker, required):
    TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    device_reset(user=caseworker)
    sign_in(client)
    page = client.get("/accounts/two-factor/").content.decode()
    assert "<svg" in page  # set up again
