"""Tests written for mutants of the step services of cases/services/referrals.py that survived
``make mutation`` (docs/testing.md): what sending, the office's decision and linking to the register
record, and what each side is told, in Chinese."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditEntry
from cases.models import Direction, Notification, Referral, ReferralStatus
from cases.services import referral_decide, referral_link_person, referral_send, referrals_withdraw_for_consent
from cases.transitions import ReferralError
from supervision.services import declaration_create
from tests.cases.conftest import Case, referral_to_our_charity
from tests.conftest import World, api_as
from tests.factories import UserFactory, make_consent, make_person, valid_id_number
from tests.factories.cases import make_referral


def _due(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _told(user: User, referral: Referral) -> Notification:
    return Notification.objects.get(recipient=user, referral=referral, channel="in_app")


def _to_government(world: World, status: str = ReferralStatus.ACCEPTED) -> Referral:
    """Our charity's referral of someone not in the register (赵大山) to the bureau."""
    return make_referral(
        person=None,
        region=world.our_village,
        direction=Direction.TO_GOVERNMENT,
        from_organization=world.charity,
        to_organization=world.bureau,
        status=status,
    )


@pytest.fixture
def office_colleague(world: World) -> User:
    return UserFactory.create(
        username="caseworker2", role=Role.CASEWORKER, organization=world.bureau, jurisdiction=world.our_county
    )


# --- sending -------------------------------------------------------------------------------
def test_sending_tells_the_office_where_it_went_and_the_charity_from_whom_and_by_when_to_answer(
    world: World, case: Case, caseworker: User, office_colleague: User, charity_staff: User
) -> None:
    referral = referral_to_our_charity(world, case, status=ReferralStatus.DRAFT, needs=[case.need])
    answer = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/")
    assert answer.status_code == 200, answer.content
    referral.refresh_from_db()
    ref = referral.reference
    due = timezone.localtime(referral.respond_by).strftime("%Y-%m-%d %H:%M")
    office = _told(office_colleague, referral)
    assert (office.kind, office.title, office.body) == (
        "sent",
        f"转介 {ref}：已发送至 延川县慈善协会",
        f"关于 王秀英（转介 {ref}）。",
    )
    charity = _told(charity_staff, referral)
    assert (charity.kind, charity.title, charity.body) == (
        "sent",
        f"转介 {ref}：来自 延川县民政局 的新转介",
        f"关于 王秀英（转介 {ref}）。 请在 {due} 前答复。",
    )
    assert not Notification.objects.filter(recipient=caseworker).exists()


@pytest.mark.parametrize(
    ("urgency", "fast_track", "hours"),
    [("routine", False, 7 * 24), ("urgent", False, 3 * 24), ("emergency", False, 24), ("routine", True, 48)],
)
def test_a_sent_referral_is_sent_now_and_due_for_an_answer_by_urgency(
    world: World, case: Case, caseworker: User, urgency: str, fast_track: bool, hours: int
) -> None:
    # SPEC state machine: the receiver answers within 7 days / 3 days / 24 h; 48 h on the simplified procedure.
    referral = referral_to_our_charity(
        world, case, status=ReferralStatus.DRAFT, needs=[case.need], urgency=urgency, fast_track=fast_track
    )
    before = timezone.now()
    answer = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/")
    after = timezone.now()
    assert answer.status_code == 200, answer.content
    stored = api_as(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert stored["status"] == ReferralStatus.SENT
    assert before <= _due(stored["sent_at"]) <= after
    assert before + timedelta(hours=hours) <= _due(stored["respond_by"]) <= after + timedelta(hours=hours)


def test_sending_records_the_consent_in_force_and_the_fields_it_shares(
    world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    # SPEC rule 1: the referral names the consent it is sent under and shares only what it covers.
    referral = referral_to_our_charity(world, case, consent=None, status=ReferralStatus.DRAFT, needs=[case.need])
    answer = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/")
    assert answer.status_code == 200, answer.content
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.consent_id, stored.shared_fields) == (case.consent.pk, ["address", "name", "phone"])
    seen = api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert sorted(seen["person_view"]["fields"]) == ["address", "name", "phone"]


def test_sending_marks_the_needs_referred_under_the_referrals_number_by_the_sender(
    world: World, case: Case, caseworker: User
) -> None:
    referral = referral_to_our_charity(world, case, status=ReferralStatus.DRAFT, needs=[case.need])
    assert api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/").status_code == 200
    case.need.refresh_from_db()
    assert (case.need.status, case.need.status_note) == ("referred", referral.reference)
    entry = AuditEntry.objects.get(target_type="beneficiaries.need", target_id=str(case.need.pk))
    assert (entry.actor, entry.changes) == (caseworker, {"from": "open", "to": "referred"})


def test_sending_is_one_step_in_the_timeline_and_the_audit_log_by_the_sender(
    world: World, case: Case, caseworker: User
) -> None:
    referral = referral_to_our_charity(world, case, status=ReferralStatus.DRAFT, needs=[case.need])
    assert api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/send/").status_code == 200
    events = api_as(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()["events"]
    assert [(e["action"], e["from_status"], e["to_status"], e["organization"]) for e in events] == [
        ("send", "draft", "sent", "延川县民政局")
    ]
    entry = AuditEntry.objects.get(target_type="cases.referral", target_id=str(referral.pk))
    assert (entry.actor, entry.changes) == (caseworker, {"step": "send", "from": "draft", "to": "sent"})


def test_a_second_caller_on_the_receiving_side_cannot_send_the_offices_draft(
    world: World, case: Case, charity_staff: User
) -> None:
    referral = referral_to_our_charity(world, case, status=ReferralStatus.DRAFT, needs=[case.need])
    with pytest.raises(PermissionDenied):
        referral_send(referral=referral, by=charity_staff)
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DRAFT


def test_a_caseworker_cannot_send_alone_a_colleagues_draft_about_their_declared_relative(
    world: World, caseworker: User, office_colleague: User
) -> None:
    # 严防优亲厚友 (SPEC rule 11): the draft was a colleague's, so no second approval was asked for;
    # the sender declared the person, so the sender is checked, not the maker.
    number = valid_id_number(date(1960, 2, 3))
    relative = make_person(world.our_village, name="李桂兰", born=date(1960, 2, 3), id_number=number)
    make_consent(relative)
    declaration_create(by=caseworker, name="李桂兰", id_number=number, relationship="parent")
    draft = make_referral(
        person=relative, from_organization=world.bureau, to_organization=world.charity, status=ReferralStatus.DRAFT
    )
    answer = api_as(caseworker).post(f"/api/v1/referrals/{draft.pk}/send/")
    assert answer.status_code == 409
    assert answer.json()["code"] == "second_approval_required"
    assert Referral.objects.get(pk=draft.pk).status == ReferralStatus.DRAFT
    assert api_as(office_colleague).post(f"/api/v1/referrals/{draft.pk}/send/").status_code == 200


# --- the office's decision on a referral to government ---------------------------------------
@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"eligible": True}, "programme", "请选择此人符合条件的救助项目。"),
        ({"eligible": False, "reason": "  "}, "reason", "请说明此人不符合条件的原因，以便慈善组织告知本人。"),
    ],
    ids=["eligible without a programme", "not eligible without a reason"],
)
def test_an_incomplete_decision_is_refused_naming_the_field_in_chinese(
    world: World, caseworker: User, body: dict, field: str, words: str
) -> None:
    referral = _to_government(world)
    answer = api_as(caseworker).post(f"/api/v1/referrals/{referral.pk}/decide/", body, format="json")
    assert answer.status_code == 400
    assert answer.json() == {field: [words]}
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


def test_a_decision_of_eligibility_needs_no_reason_and_records_the_programme(
    world: World, caseworker: User, office_colleague: User, charity_staff: User
) -> None:
    referral = _to_government(world)
    answer = api_as(caseworker).post(
        f"/api/v1/referrals/{referral.pk}/decide/", {"eligible": True, "programme": "medical"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    body = api_as(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()  # as stored
    assert (body["status"], body["eligible"], body["programme"], body["decision_reason"]) == (
        "completed",
        True,
        "medical",
        "",
    )
    ref = referral.reference
    for hearer in (charity_staff, office_colleague):
        told = _told(hearer, referral)
        assert (told.kind, told.title, told.body) == (
            "decided",
            f"转介 {ref}：符合医疗救助条件",
            f"关于 赵大山（转介 {ref}）。",
        )
    assert not Notification.objects.filter(recipient=caseworker).exists()
    entry = AuditEntry.objects.get(target_type="cases.referral", target_id=str(referral.pk))
    assert (entry.actor, entry.changes) == (
        caseworker,
        {"step": "decide", "from": "accepted", "to": "completed", "eligible": True},
    )


def test_a_decision_of_no_eligibility_keeps_no_programme_and_tells_both_sides_why(
    world: World, caseworker: User, office_colleague: User, charity_staff: User
) -> None:
    referral = _to_government(world, ReferralStatus.IN_PROGRESS)
    answer = api_as(caseworker).post(
        f"/api/v1/referrals/{referral.pk}/decide/",
        {"eligible": False, "programme": "dibao", "reason": " 收入超过标准 "},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    body = api_as(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()  # as stored
    assert (body["status"], body["eligible"], body["programme"], body["decision_reason"]) == (
        "completed",
        False,
        "",
        "收入超过标准",
    )
    assert [(e["action"], e["reason"]) for e in body["events"]] == [("decide", "收入超过标准")]
    ref = referral.reference
    for hearer in (charity_staff, office_colleague):
        told = _told(hearer, referral)
        assert (told.kind, told.title, told.body) == (
            "decided",
            f"转介 {ref}：不符合条件",
            f"关于 赵大山（转介 {ref}）。 收入超过标准",
        )
    entry = AuditEntry.objects.get(target_type="cases.referral", target_id=str(referral.pk))
    assert (entry.actor, entry.reason, entry.changes["eligible"]) == (caseworker, "收入超过标准", False)


def test_a_second_caller_is_refused_a_decision_of_no_eligibility_without_a_reason_and_records_none_it_was_not_given(
    world: World, caseworker: User
) -> None:
    refused = _to_government(world)
    with pytest.raises(ValidationError) as error:
        referral_decide(referral=refused, by=caseworker, eligible=False)
    assert error.value.message_dict == {"reason": ["请说明此人不符合条件的原因，以便慈善组织告知本人。"]}
    decided = referral_decide(referral=_to_government(world), by=caseworker, eligible=True, programme="dibao")
    assert (decided.eligible, decided.programme, decided.decision_reason) == (True, "dibao", "")
    assert decided.events.get().reason == ""


# --- linking a referral to government to the register ----------------------------------------
def test_linking_names_the_registered_person_and_their_region_and_tells_the_charity_in_chinese(
    world: World, caseworker: User, charity_staff: User
) -> None:
    registered = make_person(world.our_village, name="赵大山")  # the office verified and registered him
    referral = make_referral(
        person=None,
        region=world.our_township,
        direction=Direction.TO_GOVERNMENT,
        from_organization=world.charity,
        to_organization=world.bureau,
        status=ReferralStatus.ACCEPTED,
    )
    answer = api_as(caseworker).post(
        f"/api/v1/referrals/{referral.pk}/link_person/", {"person": registered.pk}, format="json"
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["person"], body["region"], body["status"]) == (registered.pk, world.our_village.code, "accepted")
    assert body["person_details"] == {"name": "赵大山", "region": world.our_township.code}  # as the charity sent it
    assert [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in body["events"]] == [
        ("link_person", "accepted", "accepted", caseworker.display_name)
    ]
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.person_id, stored.region_id) == (registered.pk, world.our_village.code)
    ref = referral.reference
    told = _told(charity_staff, referral)
    assert (told.kind, told.title, told.body) == (
        "registered",
        f"转介 {ref}：已核实并登记入册",
        f"关于 赵大山（转介 {ref}）。",
    )


@pytest.mark.parametrize(
    ("linked", "status", "code", "words"),
    [
        (True, "accepted", "referral_person_linked", "此转介已关联名册中的人员。"),
        (False, "sent", "referral_wrong_status", "请先接收此转介，再关联到名册。"),
    ],
    ids=["already linked", "not accepted yet"],
)
def test_linking_is_refused_in_chinese_when_it_does_not_fit(
    world: World, case: Case, caseworker: User, linked: bool, status: str, code: str, words: str
) -> None:
    referral = _to_government(world, status)
    if linked:
        Referral.objects.filter(pk=referral.pk).update(person=case.person)
    other = make_person(world.our_village, name="李桂兰")
    answer = api_as(caseworker).post(
        f"/api/v1/referrals/{referral.pk}/link_person/", {"person": other.pk}, format="json"
    )
    assert answer.status_code == 409
    assert answer.json() == {"detail": words, "code": code}
    assert Referral.objects.get(pk=referral.pk).person_id == (case.person.pk if linked else None)


def test_a_referral_to_a_charity_is_never_linked_to_the_register_by_a_second_caller(
    world: World, case: Case, charity_staff: User
) -> None:
    # The API offers no such step to a charity (it sees no register); the service refuses it too.
    referral = referral_to_our_charity(world, case, status=ReferralStatus.ACCEPTED)
    other = make_person(world.our_village, name="李桂兰")
    with pytest.raises(ReferralError) as refused:
        referral_link_person(referral=referral, by=charity_staff, person=other)
    assert (str(refused.value), refused.value.code) == (
        "只有转介至民政部门的案件才能这样关联到名册。",
        "referral_wrong_direction",
    )
    assert Referral.objects.get(pk=referral.pk).person_id == case.person.pk


def test_the_office_links_only_a_person_of_its_jurisdiction_even_for_a_second_caller(
    world: World, caseworker: User
) -> None:
    referral = _to_government(world)
    elsewhere = make_person(world.other_county, name="张建国")
    with pytest.raises(ValidationError) as refused:
        referral_link_person(referral=referral, by=caseworker, person=elsewhere)
    assert refused.value.message_dict == {"person": ["此人不在您的辖区内。"]}
    assert Referral.objects.get(pk=referral.pk).person_id is None


def test_the_office_cannot_link_a_referral_to_its_own_declared_relative_in_the_register(
    world: World, caseworker: User, office_colleague: User
) -> None:
    # 严防优亲厚友 (SPEC rule 11): the charity's details named no ID number; the register's person is
    # the caseworker's declared relative, so a colleague must link them.
    number = valid_id_number(date(1960, 2, 3))
    relative = make_person(world.our_village, name="李桂兰", born=date(1960, 2, 3), id_number=number)
    declaration_create(by=caseworker, name="李桂兰", id_number=number, relationship="parent")
    referral = _to_government(world)
    answer = api_as(caseworker).post(
        f"/api/v1/referrals/{referral.pk}/link_person/", {"person": relative.pk}, format="json"
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "conflict_of_interest"
    assert Referral.objects.get(pk=referral.pk).person_id is None
    answer = api_as(office_colleague).post(
        f"/api/v1/referrals/{referral.pk}/link_person/", {"person": relative.pk}, format="json"
    )
    assert answer.status_code == 200, answer.content


# --- consent revoked: the referrals under it ----------------------------------------------------
def test_revoking_a_consent_withdraws_its_open_referral_as_a_step_of_the_revoker_recorded_in_the_audit_log(
    world: World, case: Case, caseworker: User, office_colleague: User, charity_staff: User
) -> None:
    # SPEC rule 2: revocation withdraws every open referral under the consent at once.
    referral = referral_to_our_charity(world, case, status=ReferralStatus.ACCEPTED, needs=[case.need])
    answer = api_as(caseworker).post(f"/api/v1/consents/{case.consent.pk}/revoke/", {"reason": "本人撤回"})
    assert answer.status_code == 200, answer.content
    events = api_as(caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()["events"]
    assert [(e["action"], e["to_status"], e["actor"], e["reason"]) for e in events] == [
        ("withdraw", "withdrawn", caseworker.display_name, "本人撤回")
    ]
    entry = AuditEntry.objects.get(target_type="cases.referral", target_id=str(referral.pk))
    assert (entry.actor, entry.changes) == (
        caseworker,
        {"step": "withdraw", "from": "accepted", "to": "withdrawn", "consent_revoked": case.consent.pk},
    )
    assert Notification.objects.filter(recipient=office_colleague, referral=referral, kind="withdrawn").exists()
    assert Notification.objects.filter(recipient=charity_staff, referral=referral, kind="withdrawn").exists()
    assert not Notification.objects.filter(recipient=caseworker).exists()


def test_a_consent_ended_without_a_reason_says_the_person_revoked_it_in_the_timeline(
    world: World, case: Case, caseworker: User
) -> None:
    # A second caller (the hook's other senders) may pass no reason: the timeline still says why,
    # and who ended the closed referral's sight of the person; the count is of the referrals withdrawn.
    open_ones = [referral_to_our_charity(world, case, status=status) for status in ("draft", "sent")]
    closed_one = referral_to_our_charity(world, case, status=ReferralStatus.CLOSED)
    assert referrals_withdraw_for_consent(consent=case.consent, by=caseworker, reason="  ") == 2
    for referral in open_ones:
        assert referral.events.get().reason == "本人已撤回授权同意。"
    event = closed_one.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor, event.reason) == (
        "access_ended",
        "closed",
        "closed",
        caseworker,
        "本人已撤回授权同意。",
    )
