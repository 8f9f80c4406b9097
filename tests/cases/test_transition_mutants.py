"""Tests written for mutants of cases/transitions.py that survived ``make mutation`` (docs/testing.md):
a referral's news reaches only the people of the two organizations (SPEC, personal data)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from audit.models import AuditEntry
from beneficiaries.models import Need, NeedStatus
from cases.models import Notification
from cases.services import referral_accept, referral_create_to_charity
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import UserFactory, make_need
from tests.factories.cases import make_referral


def test_a_sent_referral_tells_only_the_receiving_charitys_active_staff(
    world: World, case: Case, caseworker: User, charity_staff: User, other_charity_staff: User
) -> None:
    left = UserFactory.create(
        username="charity_left", role=Role.CHARITY_STAFF, organization=world.charity, is_active=False
    )
    not_staff = UserFactory.create(username="charity_admin", role=Role.SUPERVISOR, organization=world.charity)
    referral = referral_create_to_charity(by=caseworker, person=case.person, to_organization=world.charity)
    assert api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/").status_code == 200
    told = set(Notification.objects.filter(referral=referral).values_list("recipient", flat=True))
    assert charity_staff.pk in told
    assert other_charity_staff.pk not in told  # another charity hears nothing of this person
    assert left.pk not in told and not_staff.pk not in told


# --- which actions a referral's page offers (mutants of allowed_actions survived) -------------
ACTIONS = ("send", "accept", "decline", "start", "feedback", "decide", "close", "withdraw", "rerefer")
TO_CHARITY, TO_GOVERNMENT = "to_charity", "to_government"
OFFERED = [
    # direction, status, referred again, {the office's caseworker: actions}, {the charity's staff: actions}
    (TO_CHARITY, "draft", False, {"send", "withdraw"}, None),
    (TO_CHARITY, "sent", False, {"withdraw"}, {"accept", "decline"}),
    (TO_CHARITY, "accepted", False, {"withdraw"}, {"start"}),
    (TO_CHARITY, "in_progress", False, {"withdraw"}, {"feedback"}),
    (TO_CHARITY, "completed", False, {"close"}, set()),
    (TO_CHARITY, "declined", False, {"rerefer"}, None),
    (TO_CHARITY, "expired", True, set(), None),  # referred again already: only once
    (TO_GOVERNMENT, "sent", False, {"accept", "decline"}, {"withdraw"}),
    (TO_GOVERNMENT, "accepted", False, {"start", "decide"}, {"withdraw"}),
    (TO_GOVERNMENT, "in_progress", False, {"decide"}, {"withdraw"}),
]


def _offered(user: User, referral_pk: int) -> set[str]:
    client = Client()
    client.force_login(user)
    page = client.get(reverse("cases:referral_detail", args=[referral_pk]))
    assert page.status_code == 200
    html = page.content.decode()
    return {a for a in ACTIONS if f'action="{reverse(f"cases:referral_{a}", args=[referral_pk])}"' in html}


@pytest.mark.parametrize(("direction", "status", "rereferred", "office", "charity"), OFFERED)
def test_the_referral_page_offers_each_side_exactly_the_steps_it_may_take(
    world: World,
    case: Case,
    caseworker: User,
    charity_staff: User,
    direction: str,
    status: str,
    rereferred: bool,
    office: set[str],
    charity: set[str] | None,
) -> None:
    ends = (world.bureau, world.charity) if direction == TO_CHARITY else (world.charity, world.bureau)
    referral = make_referral(
        person=case.person,
        from_organization=ends[0],
        to_organization=ends[1],
        status=status,
        direction=direction,
        consent=case.consent,
        needs=[case.need],
        shared_fields=["name"],
        rereferred=rereferred,
    )
    assert _offered(caseworker, referral.pk) == office
    if charity is not None:
        assert _offered(charity_staff, referral.pk) == charity


# --- the needs at the end of a referral (mutants of needs_to survived) ------------------------
def test_a_decline_reopens_only_the_needs_no_other_active_referral_works_on(
    world: World, case: Case, charity_staff: User
) -> None:
    # Made in this order, the shared need sits between two others however the needs are ordered.
    own = [make_need(case.person, category="living", status=NeedStatus.REFERRED)]
    shared = make_need(case.person, category="medical", status=NeedStatus.REFERRED)  # another charity helps
    own.append(make_need(case.person, category="living", status=NeedStatus.REFERRED))
    ended_before = make_need(case.person, category="education", status=NeedStatus.REFERRED)
    common: dict[str, Any] = {"person": case.person, "from_organization": world.bureau, "consent": case.consent}
    needs = [own[0], shared, own[1], ended_before]  # whatever the order, a need to reopen follows one kept
    declined = make_referral(to_organization=world.charity, status="sent", needs=needs, **common)
    make_referral(to_organization=case.third_charity, status="accepted", needs=[shared], **common)
    make_referral(to_organization=case.third_charity, status="declined", needs=[ended_before], **common)
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{declined.pk}/decline/", {"reason": "超出服务范围"})
    assert answer.status_code == 200, answer.content
    assert [Need.objects.get(pk=n.pk).status for n in needs] == [
        NeedStatus.OPEN,
        NeedStatus.REFERRED,  # the other charity is helping: not back in matching
        NeedStatus.OPEN,
        NeedStatus.OPEN,  # the other referral about it ended before: nobody works on it
    ]
    reopened = AuditEntry.objects.filter(action="status", target_type="beneficiaries.need", target_id=str(own[0].pk))
    assert [entry.actor for entry in reopened] == [charity_staff]  # who reopened it, in the audit log
    assert Need.objects.get(pk=own[0].pk).status_note == "超出服务范围"  # and why


def test_help_given_fulfils_every_open_need_of_the_referral_and_leaves_a_closed_one_closed(
    world: World, case: Case, charity_staff: User
) -> None:
    closed = [make_need(case.person, category="living", status=NeedStatus.CLOSED) for _ in range(2)]
    case.need.status = NeedStatus.REFERRED
    case.need.save(update_fields=["status"])
    needs = [closed[0], case.need, closed[1]]  # whatever the order, an open need follows a closed one
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="in_progress",
        consent=case.consent,
        needs=needs,
    )
    answer = api_as(charity_staff).post(
        f"/api/v1/referrals/{referral.pk}/feedback/", {"outcome": "helped", "items": "米面油各一袋"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert [Need.objects.get(pk=n.pk).status for n in needs] == [
        NeedStatus.CLOSED,
        NeedStatus.FULFILLED,
        NeedStatus.CLOSED,
    ]
    step = AuditEntry.objects.get(action="status", target_type="cases.referral", target_id=str(referral.pk))
    # The audit log keeps the outcome and amount reported (codes and numbers, never free text).
    assert step.actor == charity_staff
    assert step.changes == {
        "step": "feedback",
        "from": "in_progress",
        "to": "completed",
        "outcome": "helped",
        "amount": "",
    }


def test_a_step_taken_without_a_reason_shows_none_in_the_timeline_or_the_audit_log(
    world: World, case: Case, charity_staff: User
) -> None:
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="sent",
        consent=case.consent,
        needs=[case.need],
    )
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/accept/")
    assert answer.status_code == 200, answer.content
    accepted = [event for event in answer.json()["events"] if event["action"] == "accept"]
    assert [event["reason"] for event in accepted] == [""]
    step = AuditEntry.objects.get(action="status", target_type="cases.referral", target_id=str(referral.pk))
    assert step.reason == ""


def test_a_decline_tells_the_referring_offices_caseworkers_not_every_caseworker_covering_the_village(
    world: World, case: Case, caseworker: User, charity_staff: User, supervisor: User
) -> None:
    township_caseworker = UserFactory.create(
        username="township_caseworker",
        role=Role.CASEWORKER,
        organization=case.township_office,
        jurisdiction=world.our_township,
    )
    UserFactory.create(
        username="caseworker_left",
        role=Role.CASEWORKER,
        organization=world.bureau,
        jurisdiction=world.our_county,
        is_active=False,
    )
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="sent",
        consent=case.consent,
        needs=[case.need],
    )
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/decline/", {"reason": "超出服务范围"})
    assert answer.status_code == 200, answer.content
    told = set(Notification.objects.filter(referral=referral).values_list("recipient", flat=True))
    # The bureau that referred has its own caseworkers: only its active caseworkers hear (not its supervisor,
    # not one who left, not the township office's caseworker whose jurisdiction also holds the village).
    assert told == {caseworker.pk}
    assert township_caseworker.pk not in told and supervisor.pk not in told


def test_a_township_office_without_caseworkers_is_covered_by_the_county_caseworkers(
    world: World, case: Case, caseworker: User, charity_staff: User, supervisor: User, other_county_caseworker: User
) -> None:
    UserFactory.create(
        username="caseworker_left",
        role=Role.CASEWORKER,
        organization=world.bureau,
        jurisdiction=world.our_county,
        is_active=False,
    )
    referral = make_referral(
        person=None,
        region=world.our_village,
        from_organization=world.charity,
        to_organization=case.township_office,  # run from the county: no caseworkers of its own
        status="draft",
        direction="to_government",
    )
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/send/")
    assert answer.status_code == 200, answer.content
    told = set(Notification.objects.filter(referral=referral).values_list("recipient", flat=True))
    assert told == {caseworker.pk}  # the active caseworkers whose jurisdiction holds the village, no one else


def test_the_referring_office_reads_the_name_and_the_reference_in_chinese_after_a_decline(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    # The office keeps the register: it reads the name even when the consent did not share it with the
    # charity and the referral has ended; the title carries the reference, never the name.
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="sent",
        consent=case.consent,
        needs=[case.need],
        shared_fields=["phone"],
    )
    answer = api_as(charity_staff).post(f"/api/v1/referrals/{referral.pk}/decline/", {"reason": "超出服务范围"})
    assert answer.status_code == 200, answer.content
    row = Notification.objects.get(recipient=caseworker, referral=referral, channel="in_app")
    assert row.title_in("zh-hans").startswith(f"转介 {referral.reference}：")
    assert row.body_in("zh-hans").startswith(f"关于 王秀英（转介 {referral.reference}）。")


def test_a_charity_the_name_is_not_shared_with_reads_about_the_person_of_the_referral_in_chinese(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="draft",
        consent=case.consent,
        needs=[case.need],
        shared_fields=["phone"],
    )
    answer = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/")
    assert answer.status_code == 200, answer.content
    row = Notification.objects.get(recipient=charity_staff, referral=referral, channel="in_app")
    assert row.body_in("zh-hans").startswith(f"关于转介 {referral.reference} 所涉人员。")


def test_a_second_caller_of_a_step_service_is_refused_for_the_wrong_side(
    world: World, case: Case, caseworker: User
) -> None:
    # The API and the pages check the side first; the service checks it again for any other caller.
    referral = make_referral(
        person=case.person,
        from_organization=world.bureau,
        to_organization=world.charity,
        status="sent",
        consent=case.consent,
        needs=[case.need],
    )
    with pytest.raises(PermissionDenied):
        referral_accept(referral=referral, by=caseworker)  # the referring office cannot accept its own referral
    referral.refresh_from_db()
    assert referral.status == "sent"
