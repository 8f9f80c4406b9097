"""Every referral step tells the other side, and every message carries only what its reader may
see now (issue 14 finding 2): a charity reads the person's name only when the consent shares it,
titles (e-mail subjects, SMS texts) never carry a name, and log lines never do."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from cases.jobs import referrals_expire_overdue
from cases.models import Direction, Notification, Referral, ReferralStatus
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories.cases import make_referral

NAME = "王秀英"


@pytest.fixture(autouse=True)
def eager_tasks(tasks_in_process):
    """Deliver in-process, also when REDIS_URL points at a real broker (CI): e-mails and SMS are read here."""
    yield


def _referral(world: World, case: Case, status: str, **kwargs) -> Referral:
    return make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        needs=[case.need],
        status=status,
        **kwargs,
    )


# (action, state before, who acts, body, who hears, kind)
STEPS = [
    ("send", ReferralStatus.DRAFT, "caseworker", None, "charity_staff", "sent"),
    ("accept", ReferralStatus.SENT, "charity_staff", None, "caseworker", "accepted"),
    ("decline", ReferralStatus.SENT, "charity_staff", {"reason": "超出服务范围"}, "caseworker", "declined"),
    ("start", ReferralStatus.ACCEPTED, "charity_staff", None, "caseworker", "started"),
    (
        "feedback",
        ReferralStatus.IN_PROGRESS,
        "charity_staff",
        {"outcome": "helped", "items": "米面油"},
        "caseworker",
        "feedback",
    ),
    ("close", ReferralStatus.COMPLETED, "caseworker", None, "charity_staff", "closed"),
    ("withdraw", ReferralStatus.ACCEPTED, "caseworker", {"reason": "情况变化"}, "charity_staff", "withdrawn"),
]


@pytest.mark.parametrize(("action", "before", "actor", "body", "hearer", "kind"), STEPS, ids=[s[0] for s in STEPS])
def test_each_step_tells_the_other_side(
    action: str,
    before: str,
    actor: str,
    body: dict | None,
    hearer: str,
    kind: str,
    world: World,
    case: Case,
    request: pytest.FixtureRequest,
) -> None:
    referral = _referral(world, case, before)
    acting: User = request.getfixturevalue(actor)
    hearing: User = request.getfixturevalue(hearer)
    answer = api_as(acting).post(f"/api/v1/referrals/{referral.pk}/{action}/", body or {}, format="json")
    assert answer.status_code == 200, answer.content
    told = Notification.objects.filter(recipient=hearing, referral=referral, kind=kind)
    assert told.exists()
    assert not Notification.objects.filter(recipient=acting, referral=referral).exists()


def test_expiry_tells_the_referring_office(world: World, case: Case, caseworker: User, charity_staff: User) -> None:
    referral = _referral(world, case, ReferralStatus.SENT)
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.now() - timedelta(minutes=1))
    referrals_expire_overdue()
    office = Notification.objects.get(recipient=caseworker, referral=referral, kind="expired")
    charity = Notification.objects.get(recipient=charity_staff, referral=referral, kind="expired")
    assert world.charity.name in office.title and world.charity.name not in charity.title  # each side its own text


def test_the_decision_on_a_referral_to_government_tells_the_charity(
    world: World, caseworker: User, charity_staff: User
) -> None:
    referral = make_referral(
        person=None,
        region=world.our_village,
        direction=Direction.TO_GOVERNMENT,
        from_organization=world.charity,
        to_organization=world.bureau,
        status=ReferralStatus.ACCEPTED,
    )
    body = {"eligible": False, "reason": "收入超过标准"}
    assert api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/decide/", body, format="json").status_code == 200
    assert Notification.objects.filter(recipient=charity_staff, referral=referral, kind="decided").exists()


def test_a_charity_without_the_name_in_the_consent_hears_the_reference_only(
    world: World, case: Case, caseworker: User, charity_staff: User, django_capture_on_commit_callbacks
) -> None:
    charity_staff.email = "staff@charity.example"
    charity_staff.save(update_fields=["email"])
    case.consent.fields = ["phone", "address"]
    case.consent.save(update_fields=["fields"])
    referral = _referral(world, case, ReferralStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        assert api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/").status_code == 200
    rows = Notification.objects.filter(recipient=charity_staff, referral=referral)
    assert rows.exists()
    for row in rows:
        assert NAME not in row.title and NAME not in row.body
        assert referral.reference in row.title
    assert mail.outbox and all(NAME not in m.subject and NAME not in m.body for m in mail.outbox)


def test_a_charity_the_consent_shares_the_name_with_reads_it_in_the_body_not_the_title(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = _referral(world, case, ReferralStatus.DRAFT)
    api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/")
    row = Notification.objects.get(recipient=charity_staff, referral=referral, channel="in_app")
    assert NAME in row.body and NAME not in row.title


def test_each_side_reads_its_own_text(world: World, case: Case, caseworker: User, charity_staff: User) -> None:
    colleague = User.objects.create(
        username="caseworker2", role=caseworker.role, organization=world.bureau, jurisdiction=world.our_county
    )
    referral = _referral(world, case, ReferralStatus.DRAFT)
    api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/")
    office = Notification.objects.get(recipient=colleague, referral=referral, channel="in_app")
    charity = Notification.objects.get(recipient=charity_staff, referral=referral, channel="in_app")
    assert office.title != charity.title
    assert world.charity.name in office.title and world.bureau.name in charity.title


def test_after_revocation_the_charity_hears_no_name(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = _referral(world, case, ReferralStatus.ACCEPTED)
    answer = api_as(caseworker).post(f"/api/v1/consents/{case.consent.pk}/revoke/", {"reason": "本人撤回"})
    assert answer.status_code == 200, answer.content
    rows = Notification.objects.filter(recipient=charity_staff, referral=referral)
    assert rows.exists()
    assert all(NAME not in r.title and NAME not in r.body for r in rows)


def test_text_messages_are_logged_without_their_text(
    world: World,
    case: Case,
    caseworker: User,
    charity_staff: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks,
) -> None:
    charity_staff.phone = "13900002222"
    charity_staff.save(update_fields=["phone"])
    referral = _referral(world, case, ReferralStatus.DRAFT, urgency="emergency")
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/")
    assert Notification.objects.filter(recipient=charity_staff, channel="sms").exists()
    assert any("SMS to" in r.getMessage() for r in caplog.records)
    assert all(NAME not in r.getMessage() for r in caplog.records)


def test_linking_a_referral_to_government_to_the_register_tells_the_charity(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = make_referral(
        person=None,
        region=world.our_village,
        direction=Direction.TO_GOVERNMENT,
        from_organization=world.charity,
        to_organization=world.bureau,
        status=ReferralStatus.ACCEPTED,
    )
    answer = api_as(caseworker).post(
        f"/api/v1/referrals/{referral.pk}/link_person/", {"person": case.person.pk}, format="json"
    )
    assert answer.status_code == 200, answer.content
    told = Notification.objects.get(recipient=charity_staff, referral=referral, kind="registered", channel="in_app")
    assert NAME not in told.title and referral.reference in told.title
