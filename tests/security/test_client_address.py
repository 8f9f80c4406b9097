"""Issue 14, finding 5: one client address for the audit log, the lockout and every rate limit.

The attacker sent ``X-Forwarded-For`` straight to the app: forged audit addresses, a new value each
time to slip past the token throttle, and a value that is not an address at all.
"""

import pytest

from accounts.models import FailedLogin
from audit.models import AuditAction, AuditEntry
from core.client_address import client_address
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


def failed_token_request(api, **headers):
    return api.post(TOKEN_URL, {"username": "caseworker", "password": "wrong"}, format="json", **headers)


def test_an_untrusted_forwarded_address_does_not_reach_the_audit_log(api, caseworker):
    response = failed_token_request(api, HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 400
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).latest("pk")
    assert entry.ip_address == "198.51.100.7"
    assert FailedLogin.objects.get().ip_address == "198.51.100.7"


def test_a_new_forged_header_each_time_does_not_escape_the_token_throttle(api, caseworker, settings):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 1000
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 1000
    statuses = [failed_token_request(api, HTTP_X_FORWARDED_FOR=f"10.0.{i}.1").status_code for i in range(25)]
    assert 429 in statuses


@pytest.mark.parametrize("trusted", [False, True])
@pytest.mark.parametrize("value", ["not-an-address", "<script>", "999.1.1.1, x", ",,,", "a" * 500])
def test_a_forwarded_value_that_is_no_address_is_no_500(api, caseworker, settings, trusted, value):
    settings.TRUST_X_FORWARDED_FOR = trusted
    response = failed_token_request(api, HTTP_X_FORWARDED_FOR=value, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 400
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).latest("pk").ip_address == "198.51.100.7"


def test_behind_trusted_proxies_the_address_they_saw_is_used(api, caseworker, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    settings.TRUSTED_PROXY_COUNT = 2
    # The client claims 1.1.1.1; the outer proxy saw 203.0.113.5; the inner one (10.0.0.2) saw the outer.
    failed_token_request(api, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5, 10.0.0.2", REMOTE_ADDR="10.0.0.3")
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).latest("pk").ip_address == "203.0.113.5"
    assert FailedLogin.objects.get().ip_address == "203.0.113.5"


def test_the_address_lockout_follows_the_trusted_address(client, caseworker, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    for index in range(3):
        client.post(
            "/accounts/login/",
            {"username": f"guess{index}", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"9.9.9.{index}, 203.0.113.5",
        )
    locked = client.post(
        "/accounts/login/", {"username": "caseworker", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert "这台电脑" in locked.content.decode()
    other = client.post(
        "/accounts/login/", {"username": "caseworker", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.6"
    )
    assert other.status_code == 302


def test_the_public_complaint_form_limit_counts_the_trusted_address(rf, settings):
    from charities.views import _complaint_throttled

    settings.TRUST_X_FORWARDED_FOR = True
    settings.COMPLAINT_FORM_RATE_PER_HOUR = 2
    first = [_complaint_throttled(rf.post("/", HTTP_X_FORWARDED_FOR="203.0.113.1")) for _ in range(3)]
    other = _complaint_throttled(rf.post("/", HTTP_X_FORWARDED_FOR="203.0.113.2"))
    assert first == [False, False, True] and other is False


def test_the_address_of_a_request_with_a_port_or_brackets(rf, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    assert client_address(rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.1:4431")) == "203.0.113.1"
    assert client_address(rf.get("/", HTTP_X_FORWARDED_FOR="[2001:db8::1]:443")) == "2001:db8::1"
    assert client_address(rf.get("/", REMOTE_ADDR="")) is None
