"""Sign-ins end: when idle, after an absolute limit, and everywhere when an account is disabled."""

import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.middleware import SIGNED_IN_AT
from accounts.models import ApiToken
from accounts.services import user_deactivate
from tests.conftest import api_as
from tests.factories import PASSWORD


def test_the_idle_timeout_renews_on_every_request():
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is True
    assert django_settings.SESSION_COOKIE_AGE <= 3600


def test_a_sign_in_ends_after_the_absolute_limit(client, caseworker, settings):
    client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    assert client.get("/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_disabling_an_account_ends_its_sessions_and_tokens(client, caseworker):
    client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    api = api_as(caseworker)
    assert api.get("/api/v1/me/").status_code == 200
    user_deactivate(user=caseworker)
    assert client.get("/").status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(user=caseworker).exists()


def test_the_admin_can_disable_an_account(client, admin_user, caseworker):
    other = client.__class__()
    other.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    client.force_login(admin_user)
    client.post("/admin/accounts/user/", {"action": "deactivate", "_selected_action": [caseworker.pk]})
    caseworker.refresh_from_db()
    assert caseworker.is_active is False
    assert other.get("/").status_code == 302


@pytest.mark.parametrize("password", ["short1A!", "alllowercaseletters", "1234567890123", "demo12345"])
def test_weak_passwords_are_refused(password, caseworker):
    with pytest.raises(ValidationError):
        validate_password(password, caseworker)


def test_a_strong_password_passes(caseworker):
    validate_password("Huang-He-2026-river", caseworker)
