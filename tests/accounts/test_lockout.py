"""Repeated failed sign-ins lock the account (and the address); an administrator unlocks."""

import pytest

from accounts.models import FailedLogin
from accounts.services import user_unlock
from tests.factories import PASSWORD


def fail(client, username="caseworker", times=1, address="10.0.0.1"):
    for _ in range(times):
        client.post("/accounts/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address)


def test_five_failures_lock_the_account_even_for_the_right_password(client, caseworker):
    fail(client, times=5)
    response = client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_then_success_clears_the_count(client, caseworker):
    fail(client, times=4)
    response = client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    assert response.status_code == 302
    assert not FailedLogin.objects.filter(username="caseworker").exists()


def test_an_administrator_unlocks(client, caseworker):
    fail(client, times=5)
    user_unlock(user=caseworker)
    response = client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    assert response.status_code == 302


def test_the_admin_unlock_action(client, admin_user, caseworker):
    fail(client, times=5)
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/", {"action": "unlock", "_selected_action": [caseworker.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not FailedLogin.objects.filter(username="caseworker").exists()


def test_many_failures_from_one_address_lock_that_address(client, caseworker, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    for index in range(6):
        fail(client, username=f"guess{index}", address="10.9.9.9")
    response = client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert "这台电脑" in response.content.decode()
    other = client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert other.status_code == 302


def test_failures_expire_after_the_lockout_window(client, caseworker, settings):
    fail(client, times=5)
    settings.LOGIN_LOCKOUT_MINUTES = 0
    response = client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_token_endpoint_shares_the_lockout(api, caseworker):
    for _ in range(5):
        assert (
            api.post("/api/v1/auth/token/", {"username": "caseworker", "password": "x"}, format="json").status_code
            == 400
        )
    response = api.post("/api/v1/auth/token/", {"username": "caseworker", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert "登录失败次数过多" in response.json()["non_field_errors"][0]
