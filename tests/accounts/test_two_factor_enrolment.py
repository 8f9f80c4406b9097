"""Issue 14, finding 9: wrong codes lock the account even with the right password typed between
them, and the authenticator secret is new for each enrolment attempt and shown once."""

import pyotp
import pytest
from django.utils import timezone

from accounts.models import TOTPDevice
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["caseworker", "station_worker", "supervisor", "admin"]


def sign_in(client):
    return client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})


def test_twelve_wrong_codes_lock_even_with_the_right_password_between_them(client, caseworker):
    device = TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    for _ in range(3):
        sign_in(client)
        for _ in range(4):
            client.post("/accounts/two-factor/", {"code": "000000"})
    sign_in(client)
    response = client.post("/accounts/two-factor/", {"code": pyotp.TOTP(device.secret).at(timezone.now())})
    assert "_auth_user_id" not in client.session
    assert "登录失败次数过多" in response.content.decode()


def test_a_right_password_then_a_right_code_clears_the_count(client, caseworker):
    device = TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    sign_in(client)
    for _ in range(3):
        client.post("/accounts/two-factor/", {"code": "000000"})
    client.post("/accounts/two-factor/", {"code": pyotp.TOTP(device.secret).at(timezone.now())})
    assert "_auth_user_id" in client.session
    client.logout()
    sign_in(client)
    for _ in range(4):
        client.post("/accounts/two-factor/", {"code": "000000"})
    assert "_auth_user_id" not in client.session
    assert "登录失败次数过多" not in client.post("/accounts/two-factor/", {"code": "000000"}).content.decode()


def test_the_secret_is_shown_once_per_attempt(client, caseworker):
    sign_in(client)
    secret = TOTPDevice.objects.get(user=caseworker).secret
    assert secret in client.get("/accounts/two-factor/").content.decode()
    again = client.get("/accounts/two-factor/").content.decode()
    assert secret not in again and "<svg" not in again
    assert "只显示一次" in again
    assert secret not in client.post("/accounts/two-factor/", {"code": "000000"}).content.decode()


def test_each_enrolment_attempt_gets_a_fresh_secret(client, caseworker):
    sign_in(client)
    seen_by_the_first = TOTPDevice.objects.get(user=caseworker).secret
    intruder = client.__class__()
    sign_in(intruder)
    page = intruder.get("/accounts/two-factor/").content.decode()
    assert seen_by_the_first not in page
    # The secret an earlier attempt saw no longer confirms anything.
    code = pyotp.TOTP(seen_by_the_first).at(timezone.now())
    client.post("/accounts/two-factor/", {"code": code})
    assert "_auth_user_id" not in client.session


def test_a_confirmed_device_keeps_its_secret(client, caseworker):
    device = TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    sign_in(client)
    page = client.get("/accounts/two-factor/").content.decode()
    assert device.secret not in page
    assert TOTPDevice.objects.get(user=caseworker).secret == device.secret
