"""Reminders, expiry with escalation, the end of the after-close period, follow-up sampling, and the ledger."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.test import Client
from django.utils import timezone

from accounts.models import Role, User
from beneficiaries.models import NeedStatus, Person
from cases.jobs import (
    follow_ups_sample,
    referrals_end_access_after_close,
    referrals_expire_overdue,
    referrals_send_reminders,
)
from cases.ledger import ledger_for
from cases.models import FollowUp, FollowUpStatus, Notification, ReferralEvent, ReferralStatus
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import PASSWORD, make_assistance_record, make_need
from tests.factories.cases import make_referral


def test_a_reminder_goes_once_before_the_deadline(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    now = timezone.now()
    soon = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        respond_by=now + timedelta(hours=3),
    )
    make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        respond_by=now + timedelta(days=5),
    )
    assert referrals_send_reminders(now=now) == 1
    assert referrals_send_reminders(now=now) == 0
    assert Notification.objects.filter(recipient=charity_staff, kind="reminder", referral=soon).exists()


def test_no_answer_in_time_expires_and_escalates_to_the_office(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    now = timezone.now()
    late = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        respond_by=now - timedelta(minutes=1),
        needs=[case.need],
    )
    case.need.status = NeedStatus.REFERRED
    case.need.save(update_fields=["status"])
    answered = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        status="accepted",
        respond_by=now - timedelta(hours=1),
    )
    assert referrals_expire_overdue(now=now) == 1
    assert referrals_expire_overdue(now=now) == 0  # idempotent
    late.refresh_from_db()
    answered.refresh_from_db()
    assert late.status == ReferralStatus.EXPIRED and answered.status == ReferralStatus.ACCEPTED
    assert ReferralEvent.objects.filter(referral=late, action="expire", actor=None).exists()
    assert Notification.objects.filter(recipient=caseworker, kind="expired", referral=late).exists()
    assert api_as(charity_staff).get(f"/api/v1/referrals/{late.pk}/").status_code == 404
    case.need.refresh_from_db()
    assert case.need.status == NeedStatus.OPEN
    # The office refers again in one action.
    again = api_as(caseworker).post(
        f"/api/v1/referrals/{late.pk}/rerefer/", {"to_organization": case.third_charity.pk}, format="json"
    )
    assert again.status_code == 200 and again.json()["previous"] == late.pk


def test_the_after_close_period_ends_the_grant(world: World, case: Case, charity_staff: User) -> None:
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        status="closed",
    )
    referral.visible_until = timezone.now() - timedelta(seconds=1)
    referral.save(update_fields=["visible_until"])
    assert referrals_end_access_after_close() == 1
    assert referral.referralgroupobjectpermission_set.count() == 0


def test_follow_ups_sample_a_share_for_the_station(
    world: World, case: Case, station_worker: User, caseworker: User
) -> None:
    referrals = [
        make_referral(
            person=case.person,
            from_organization=world.bureau,
            to_organization=world.charity,
            consent=case.consent,
            status="completed",
        )
        for _ in range(10)
    ]
    for referral in referrals:
        ReferralEvent.objects.create(referral=referral, action="feedback", to_status="completed")
    assert follow_ups_sample(share=0.3, rng=random.Random(1)) == 3
    assert follow_ups_sample(share=0.3, rng=random.Random(1)) == 3  # the other seven are still candidates
    follow_up = FollowUp.objects.first()
    assert follow_up is not None and follow_up.station == world.station
    client = Client()
    client.login(username=station_worker.username, password=PASSWORD)
    assert "王秀英" in client.get("/cases/follow-ups/").content.decode()
    response = client.post(
        f"/cases/follow-ups/{follow_up.pk}/", {"satisfaction": "4", "need_met": "1", "note": "老人很满意"}
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.satisfaction, follow_up.need_met) == (FollowUpStatus.DONE, 4, True)
    # Another county's caseworker cannot see it.
    from tests.factories import UserFactory

    other = UserFactory.create(role=Role.CASEWORKER, organization=world.other_bureau, jurisdiction=world.other_county)
    other_client = Client()
    other_client.login(username=other.username, password=PASSWORD)
    assert other_client.get(f"/cases/follow-ups/{follow_up.pk}/").status_code == 404


def test_the_ledger_flags_duplicates_and_gaps(world: World, case: Case, caseworker: User) -> None:
    today = timezone.localdate()
    make_assistance_record(
        case.person,
        world.bureau,
        programme="medical",
        amount="2000.00",
        period_start=today.replace(day=1),
        period_end=today,
    )
    make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        status="closed",
        needs=[case.need],
        helped_on=today,
    )
    old_need = make_need(case.person, category="housing", urgency="emergency")
    type(old_need).objects.filter(pk=old_need.pk).update(created_at=timezone.now() - timedelta(days=3))
    ledger = ledger_for(Person.objects.filter(pk=case.person.pk), today=today)
    assert {e.source for e in ledger.entries} == {"government", "charity"}
    assert all(e.duplicate for e in ledger.entries)
    assert [g.need_id for g in ledger.gaps] == [old_need.pk]
    body = api_as(caseworker).get(f"/api/v1/ledger/?household={case.person.household_id}").json()
    assert body["duplicate_count"] == 2 and len(body["gaps"]) == 1
    # The page names the category in words (the API keeps the code).
    client = Client()
    client.force_login(caseworker)
    page = client.get(f"/cases/ledger/?household={case.person.household_id}").content.decode()
    label = str(old_need.get_category_display())
    assert f"· {label} ·" in page and f"· {old_need.category} ·" not in page
    assert api_as(caseworker).get("/api/v1/ledger/").status_code == 400


def test_different_periods_are_not_duplicates(world: World, case: Case) -> None:
    make_assistance_record(
        case.person, world.bureau, programme="medical", period_start=date(2025, 1, 1), period_end=date(2025, 3, 31)
    )
    make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        status="closed",
        needs=[case.need],
        helped_on=timezone.localdate(),
    )
    ledger = ledger_for(Person.objects.filter(pk=case.person.pk))
    assert not any(e.duplicate for e in ledger.entries)


def test_follow_up_form_has_no_preset_answer(world: World, case: Case, station_worker: User) -> None:
    """An untouched 保存 on the 回访 form records nothing: satisfaction and "need met" must be chosen."""
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=case.consent,
        status="completed",
    )
    ReferralEvent.objects.create(referral=referral, action="feedback", to_status="completed")
    assert follow_ups_sample(share=1.0, rng=random.Random(1)) == 1
    follow_up = FollowUp.objects.get(referral=referral)
    client = Client()
    client.login(username=station_worker.username, password=PASSWORD)
    page = client.get(f"/cases/follow-ups/{follow_up.pk}/").content.decode()
    for field in ("satisfaction", "need_met"):
        select = page.split(f'name="{field}"')[1].split("</select>")[0]
        assert '<option value="" selected>请选择…</option>' in select
        assert select.count("selected") == 1
    response = client.post(f"/cases/follow-ups/{follow_up.pk}/", {"note": ""})
    assert response.status_code == 200
    assert response.content.decode().count("该字段是必填项。") == 2
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.satisfaction, follow_up.need_met) == (FollowUpStatus.DUE, None, None)
