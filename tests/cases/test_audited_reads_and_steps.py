"""Every read of a referred person's sensitive fields is audited, whichever interface reads it
(issue 13, issue 14 finding 8), and referral steps and supply-list edits are hash-chained
audit-log entries that ``verify_audit_log`` checks."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from audit.models import AuditEntry
from cases.models import ReferralStatus
from tests.audit.test_hash_chain import _sql, tampering
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import PASSWORD, ResourceFactory
from tests.factories.cases import make_referral


def _reveals(case: Case) -> list[dict]:
    return list(
        AuditEntry.objects.filter(action="reveal", target_type="beneficiaries.person", target_id=str(case.person.pk))
        .order_by("id")
        .values_list("changes", flat=True)
    )


@pytest.fixture
def sent(world: World, case: Case):
    return make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )


def test_the_api_read_of_a_referred_persons_phone_is_audited(sent, case: Case, charity_staff: User) -> None:
    body = api_as(charity_staff).get(f"/api/v1/referrals/{sent.pk}/").json()
    assert body["person_view"]["fields"]["phone"] == case.person.phone
    assert [c["via"] for c in _reveals(case)] == ["api"]
    assert _reveals(case)[0]["fields"] == ["phone"]


def test_the_page_and_the_print_view_are_audited_the_same_way(sent, case: Case, charity_staff: User) -> None:
    client = Client()
    assert client.login(username=charity_staff.username, password=PASSWORD)
    assert client.get(f"/cases/{sent.pk}/").status_code == 200
    assert client.get(f"/cases/{sent.pk}/print/").status_code == 200
    assert [c["via"] for c in _reveals(case)] == ["page", "print"]


def test_no_audit_entry_when_nothing_sensitive_is_shown(sent, case: Case, charity_staff: User) -> None:
    sent.shared_fields = ["name", "address"]
    sent.save(update_fields=["shared_fields"])
    api_as(charity_staff).get(f"/api/v1/referrals/{sent.pk}/")
    assert _reveals(case) == []


def test_referral_steps_are_in_the_verified_audit_log(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        status=ReferralStatus.DRAFT,
    )
    office, charity = api_as(caseworker), api_as(charity_staff)
    office.post(f"/api/v1/referrals/{referral.pk}/send/")
    charity.post(f"/api/v1/referrals/{referral.pk}/accept/")
    charity.post(f"/api/v1/referrals/{referral.pk}/start/")
    charity.post(f"/api/v1/referrals/{referral.pk}/feedback/", {"outcome": "helped", "items": "米面油"}, format="json")
    office.post(f"/api/v1/referrals/{referral.pk}/close/")
    steps = AuditEntry.objects.filter(target_type="cases.referral", target_id=str(referral.pk)).order_by("id")
    assert [e.changes["step"] for e in steps] == ["send", "accept", "start", "feedback", "close"]
    first, last = steps.first(), steps.last()
    assert first is not None and last is not None
    assert last.changes["to"] == "closed" and last.actor == caseworker
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    assert "intact" in out.getvalue().lower() or "完好" in out.getvalue() or "完整" in out.getvalue()
    # Editing a recorded step breaks the chain, and the check says so.
    with tampering():
        _sql("UPDATE audit_auditentry SET changes = %s WHERE id = %s", ['{"step": "send"}', first.pk])
    with pytest.raises(CommandError):
        call_command("verify_audit_log", stdout=StringIO())


def test_a_decline_and_a_withdrawal_are_audited(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    declined = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
    api_as(charity_staff).post(f"/api/v1/referrals/{declined.pk}/decline/", {"reason": "名额已满"})
    withdrawn = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
    api_as(caseworker).post(f"/api/v1/referrals/{withdrawn.pk}/withdraw/", {"reason": "情况变化"})
    entries = AuditEntry.objects.filter(target_type="cases.referral").order_by("id")
    assert [(e.target_id, e.changes["step"], e.reason) for e in entries] == [
        (str(declined.pk), "decline", "名额已满"),
        (str(withdrawn.pk), "withdraw", "情况变化"),
    ]


def test_supply_list_edits_are_audited(world: World, charity_staff: User) -> None:
    resource = ResourceFactory.create(organization=world.charity)
    api = api_as(charity_staff)
    answer = api.patch(f"/api/v1/resources/{resource.pk}/", {"name": "助学金（第二期）"}, format="json")
    assert answer.status_code == 200, answer.content
    entries = AuditEntry.objects.filter(target_type="charities.resource", target_id=str(resource.pk))
    assert [(e.action, e.changes) for e in entries] == [("change", {"fields": ["name"]})]
    assert entries.get().actor == charity_staff
