"""Issue 14, finding 7: API tokens expire, end with a password change or reset and with a sign-out,
and a role that needs two-step sign-in can use only a token obtained with the code."""

from datetime import datetime, timedelta

import pyotp
import pytest
from django.utils import timezone

from accounts.models import ApiToken, TOTPDevice
from tests.factories import PASSWORD, make_person

TOKEN_URL = "/api/v1/auth/token/"
REQUIRED = ["caseworker", "station_worker", "supervisor", "admin"]


def obtain(api, username="caseworker", **extra):
    response = api.post(TOKEN_URL, {"username": username, "password": PASSWORD, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me(api, key):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get("/api/v1/me/")


def test_a_token_expires(api, caseworker, settings):
    settings.API_TOKEN_TTL_HOURS = 0
    response = me(api, obtain(api))
    assert response.status_code == 401
    assert "已过期" in response.json()["detail"]


def test_a_token_works_until_it_expires_and_says_when(api, caseworker, settings):
    settings.API_TOKEN_TTL_HOURS = 2
    body = api.post(TOKEN_URL, {"username": "caseworker", "password": PASSWORD}, format="json").json()
    expires = ApiToken.objects.get().expires_at
    assert datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")) == expires
    assert timedelta(hours=1, minutes=59) < expires - timezone.now() <= timedelta(hours=2)
    assert me(api, body["token"]).status_code == 200


def test_an_administrators_password_reset_ends_the_token(api, client, caseworker, admin_user):
    key = obtain(api)
    client.force_login(admin_user)
    response = client.post(
        f"/admin/accounts/user/{caseworker.pk}/password/",
        {"password1": "Xq7!new-Secret", "password2": "Xq7!new-Secret", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = me(api, key)
    assert response.status_code == 401
    assert "密码已更改" in response.json()["detail"]


def test_a_password_change_anywhere_ends_the_token(api, caseworker):
    key = obtain(api)
    caseworker.set_password("Another-Secret-9")
    caseworker.save()
    assert me(api, key).status_code == 401


def test_signing_out_of_the_site_ends_the_token(api, client, caseworker):
    key = obtain(api)
    client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    client.post("/accounts/logout/")
    assert me(api, key).status_code == 401


def test_the_api_sign_out_ends_the_token(api, caseworker):
    key = obtain(api)
    other_key = obtain(api)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert me(api, key).status_code == 401
    assert me(api, other_key).status_code == 200  # another integration's token stays


def test_the_api_sign_out_needs_a_sign_in(api, db):
    assert api.post("/api/v1/auth/logout/").status_code == 401


def test_the_key_is_not_stored(api, caseworker):
    key = obtain(api)
    assert not ApiToken.objects.filter(key_digest=key).exists()
    assert key not in str(list(ApiToken.objects.values_list()))


@pytest.mark.django_db
def test_a_token_from_before_two_step_was_required_does_not_reveal(api, caseworker, world, settings):
    person = make_person(world.our_village)
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    key = obtain(api)
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post(
        f"/api/v1/persons/{person.pk}/reveal/", {"field": "id_number", "reason": "核对低保申请材料"}, format="json"
    )
    assert response.status_code == 401
    assert "两步" in response.json()["detail"] or "验证码" in response.json()["detail"]
    assert person.id_number not in response.content.decode()


def test_a_token_obtained_with_the_code_reveals(api, caseworker, world, settings):
    person = make_person(world.our_village)
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED
    device = TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    key = obtain(api, otp=pyotp.TOTP(device.secret).at(timezone.now()))
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post(
        f"/api/v1/persons/{person.pk}/reveal/", {"field": "id_number", "reason": "核对低保申请材料"}, format="json"
    )
    assert response.status_code == 200


def test_a_disabled_account_token_is_refused(api, caseworker):
    key = obtain(api)
    caseworker.is_active = False
    caseworker.save()
    assert me(api, key).status_code == 401
