"""Every sign-in, failed sign-in and sign-out is in the audit log (issue #8)."""

import pyotp
from django.utils import timezone

from accounts.models import TOTPDevice
from audit.models import AuditEntry
from tests.factories import PASSWORD


def actions(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id").values_list("action", flat=True))


def test_a_sign_in_and_a_sign_out_are_audited(client, caseworker):
    client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD}, REMOTE_ADDR="10.2.3.4")
    client.post("/accounts/logout/")
    assert actions(actor=caseworker) == ["login", "logout"]
    assert AuditEntry.objects.filter(actor=caseworker, action="login").get().ip_address == "10.2.3.4"


def test_a_failed_sign_in_is_audited_with_the_name_tried(client, caseworker):
    client.post("/accounts/login/", {"username": "caseworker", "password": "wrong"})
    client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    failed = AuditEntry.objects.filter(action="login_failed").order_by("id")
    assert [entry.changes["username"] for entry in failed] == ["caseworker", "nobody"]
    assert failed[0].target_id == str(caseworker.pk)


def test_with_two_steps_the_sign_in_is_audited_once_after_the_code(client, caseworker, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["caseworker"]
    device = TOTPDevice.objects.create(user=caseworker, secret=pyotp.random_base32(), confirmed=True)
    client.post("/accounts/login/", {"username": "caseworker", "password": PASSWORD})
    assert actions(actor=caseworker) == []
    client.post("/accounts/two-factor/", {"code": pyotp.TOTP(device.secret).at(timezone.now())})
    assert actions(actor=caseworker) == ["login"]


def test_a_token_request_is_audited(api, caseworker):
    api.post("/api/v1/auth/token/", {"username": "caseworker", "password": "wrong"}, format="json")
    api.post("/api/v1/auth/token/", {"username": "caseworker", "password": PASSWORD}, format="json")
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == ["login_failed", "login"]
