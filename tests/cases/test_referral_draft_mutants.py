"""Tests written for mutants of ``referral_create_to_charity`` and ``referral_create_to_government``
(cases/services/referrals.py) that survived ``make mutation`` (docs/testing.md, fifth run): each
refusal of a draft names its field in Chinese, to the API and to a second caller of the service, and
a draft keeps what it was given."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from accounts.models import Role, User
from beneficiaries.models import NeedStatus
from cases.models import Referral
from cases.services import referral_create_to_charity, referral_create_to_government
from tests.cases.conftest import Case
from tests.conftest import World, api_as
from tests.factories import ResourceFactory, UserFactory, make_consent, make_need, make_person

pytestmark = pytest.mark.django_db


def _refused(call: Any, **kwargs: Any) -> dict[str, list[str]]:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        call(**kwargs)
    assert not Referral.objects.exists(), "a refused draft is not saved"
    return refused.value.message_dict


def _denied(call: Any, **kwargs: Any) -> str:
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as denied:
        call(**kwargs)
    return str(denied.value)


# --- a draft referral to a charity --------------------------------------------------------------
def test_each_wrong_part_of_a_draft_to_a_charity_is_refused_by_its_field_in_chinese(
    world: World, case: Case, caseworker: User
) -> None:
    neighbour = make_person(world.our_village, name="高秀兰")
    closed = make_need(case.person, category="care")
    closed.status = NeedStatus.CLOSED
    closed.save(update_fields=["status"])
    refused: dict[str, Any] = {
        "to_organization": {"to_organization": world.bureau},
        "needs": {"needs": [make_need(neighbour)]},
        "consent": {"consent": make_consent(neighbour)},
        "resource": {"resource": ResourceFactory.create(organization=world.other_charity)},
        "urgency": {"urgency": "very"},
    }
    expected = {
        "to_organization": "请选择一个正常运行的慈善组织或其他帮扶力量。",
        "needs": "所选需求必须都属于该救助对象。",
        "consent": "该授权同意属于其他人。",
        "resource": "帮扶资源必须属于接收组织。",
        "urgency": "无法识别的紧急程度。",
    }
    for field, wrong in refused.items():
        given: dict[str, Any] = {"by": caseworker, "person": case.person, "to_organization": world.charity, **wrong}
        assert _refused(referral_create_to_charity, **given) == {field: [expected[field]]}, field
    closed_need: dict[str, Any] = {
        "by": caseworker,
        "person": case.person,
        "to_organization": world.charity,
        "needs": [closed],
    }
    assert _refused(referral_create_to_charity, **closed_need) == {"needs": ["只有未完成的需求才能转介。"]}


def test_a_person_outside_the_caseworkers_county_is_refused_in_chinese(
    world: World, caseworker: User, other_county_caseworker: User, case: Case
) -> None:
    given: dict[str, Any] = {"by": other_county_caseworker, "person": case.person, "to_organization": world.charity}
    assert _refused(referral_create_to_charity, **given) == {"person": ["此人不在您的辖区内。"]}


def test_only_a_caseworker_of_an_office_makes_a_draft_to_a_charity_and_is_told_so_in_chinese(
    world: World, case: Case, station_worker: User
) -> None:
    without_office = UserFactory.create(
        username="caseworker_no_office", role=Role.CASEWORKER, organization=None, jurisdiction=world.our_county
    )
    for who in (station_worker, without_office):
        said = _denied(referral_create_to_charity, by=who, person=case.person, to_organization=world.charity)
        assert said == "只有民政经办人员可以向慈善组织转介。", who.username


def test_the_simplified_procedure_is_refused_in_chinese_for_someone_not_recognised_and_a_plain_draft_is_not(
    world: World, caseworker: User
) -> None:
    person = make_person(world.our_village, name="高秀兰", assistance_statuses=[])
    given: dict[str, Any] = {"by": caseworker, "person": person, "to_organization": world.charity}
    assert _refused(referral_create_to_charity, fast_track=True, **given) == {
        "fast_track": ["简化程序仅适用于已认定的低收入人口、特困人员、孤儿和事实无人抚养儿童。"]
    }
    draft = referral_create_to_charity(**given)  # a second caller not naming the procedure
    assert (draft.fast_track, draft.note) == (False, "")


def test_a_draft_keeps_its_consent_procedure_note_and_maker_and_takes_the_most_urgent_need(
    world: World, case: Case, caseworker: User
) -> None:
    urgent = make_need(case.person, category="care", urgency="urgent")
    emergency = make_need(case.person, category="living", urgency="emergency")
    draft = referral_create_to_charity(
        by=caseworker,
        person=case.person,
        to_organization=world.charity,
        needs=[urgent, emergency, case.need],
        consent=case.consent,
        fast_track=True,
        note="  需尽快联系  ",
    )
    body = api_as(caseworker).get(f"/api/v1/referrals/{draft.pk}/").json()
    assert (body["consent"], body["fast_track"], body["note"], body["urgency"]) == (
        case.consent.pk,
        True,
        "需尽快联系",
        "emergency",
    )
    assert [(e["action"], e["actor"]) for e in body["events"]] == [("create", caseworker.display_name)]
    assert Referral.objects.get(pk=draft.pk).created_by == caseworker


# --- a draft referral to government -------------------------------------------------------------
def test_only_charity_staff_of_an_organization_refer_to_government_and_are_told_so_in_chinese(
    world: World, caseworker: User
) -> None:
    without_organization = UserFactory.create(username="charity_alone", role=Role.CHARITY_STAFF, organization=None)
    details = {"name": "赵大山", "region": world.our_village.code}
    for who in (caseworker, without_organization):
        said = _denied(referral_create_to_government, by=who, person_details=details, note="可能符合低保")
        assert said == "只有慈善组织工作人员可以向民政部门转介。", who.username


def test_a_registered_person_is_referred_to_government_only_by_a_charity_helping_that_person(
    world: World, case: Case, charity_staff: User
) -> None:
    """Helping someone else through an open referral opens no other person of the register."""
    from cases.models import ReferralStatus
    from tests.factories.cases import make_referral

    other = make_person(world.our_village, name="高秀兰")
    make_referral(
        person=other, from_organization=world.bureau, to_organization=world.charity, status=ReferralStatus.ACCEPTED
    )
    given: dict[str, Any] = {"by": charity_staff, "person": case.person, "note": "可能符合低保条件"}
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        referral_create_to_government(**given)
    assert refused.value.message_dict == {"person": ["您只能转介正在通过转介帮扶的已登记人员。"]}


def test_a_registered_persons_referral_to_government_keeps_what_the_charity_knew_and_the_consent_it_rests_on(
    world: World, case: Case, charity_staff: User
) -> None:
    from cases.models import ReferralStatus
    from tests.cases.conftest import referral_to_our_charity

    referral_to_our_charity(world, case, status=ReferralStatus.ACCEPTED)
    consent = make_consent(case.person, purposes=["government_referral"], organization=world.charity)
    make_consent(case.person, purposes=["matching"], organization=world.charity)  # a later one, another purpose
    body = {"direction": "to_government", "person": case.person.pk, "note": "可能符合低保条件"}
    answer = api_as(charity_staff).post("/api/v1/referrals/", body, format="json")
    assert answer.status_code == 201, answer.content
    shown = api_as(charity_staff).get(f"/api/v1/referrals/{answer.json()['id']}/").json()
    assert shown["person_name"] == "王秀英"
    assert shown["person_details"] == {
        "name": "王秀英",
        "region": case.person.region_id,
        "region_name": case.person.region.name,
    }
    assert shown["consent"] == consent.pk, "revoking this consent withdraws the referral (SPEC rule 2)"
    assert (shown["person"], shown["note"]) == (case.person.pk, "可能符合低保条件")
    assert [(e["action"], e["actor"]) for e in shown["events"]] == [("create", charity_staff.display_name)]
    assert Referral.objects.get(pk=shown["id"]).created_by == charity_staff


@pytest.mark.parametrize(
    ("details", "said"),
    [
        ({"region": "610622100201"}, "请至少填写此人的姓名和所在区划。"),
        ({"name": "  ", "region": "610622100201"}, "请至少填写此人的姓名和所在区划。"),
        ({"name": "赵大山"}, "请至少填写此人的姓名和所在区划（区划代码）。"),
        ({"name": "赵大山", "region": "999999999999"}, "请至少填写此人的姓名和所在区划（区划代码）。"),
    ],
    ids=["no name", "a blank name", "no region", "an unknown region"],
)
def test_a_person_not_in_the_register_needs_a_name_and_a_region_said_in_chinese(
    world: World, charity_staff: User, details: dict[str, str], said: str
) -> None:
    given: dict[str, Any] = {"by": charity_staff, "person_details": details, "note": "可能符合低保条件"}
    assert _refused(referral_create_to_government, **given) == {"person_details": [said]}


def test_a_referral_to_government_without_a_reason_or_with_an_unknown_urgency_is_refused_in_chinese(
    world: World, charity_staff: User
) -> None:
    given: dict[str, Any] = {
        "by": charity_staff,
        "person_details": {"name": "赵大山", "region": world.our_village.code},
        "note": "   ",
        "urgency": "very",
    }
    assert _refused(referral_create_to_government, **given) == {
        "urgency": ["无法识别的紧急程度。"],
        "note": ["请说明此人可能符合政府救助条件的理由。"],
    }


def test_a_person_not_in_the_register_is_kept_with_the_address_trimmed_and_no_phone_when_none_was_given(
    world: World, charity_staff: User
) -> None:
    address = "  " + "延川县永坪镇" * 60 + "  "
    referral = referral_create_to_government(
        by=charity_staff,
        person_details={"name": "赵大山", "region": world.our_village.code, "address": address},
        note="  失业后无收入  ",
        urgency="urgent",
    )
    shown = api_as(charity_staff).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert shown["person_details"] == {
        "name": "赵大山",
        "region": world.our_village.code,
        "region_name": world.our_village.name,
        "address": address.strip()[:300],
    }
    assert (shown["note"], shown["urgency"]) == ("失业后无收入", "urgent")
    assert [(e["action"], e["actor"]) for e in shown["events"]] == [("create", charity_staff.display_name)]


def test_a_second_caller_omitting_the_reason_for_a_referral_to_government_is_refused_in_chinese(
    world: World, charity_staff: User
) -> None:
    given: dict[str, Any] = {
        "by": charity_staff,
        "person_details": {"name": "赵大山", "region": world.our_village.code},
    }
    assert _refused(referral_create_to_government, **given) == {"note": ["请说明此人可能符合政府救助条件的理由。"]}


def test_a_draft_about_the_makers_declared_relative_waits_for_a_second_caseworker(
    world: World, case: Case, caseworker: User
) -> None:
    """严防优亲厚友 (SPEC rule 11): the draft's maker is the one checked against declarations."""
    from supervision.models import ApprovalStatus, ReferralApproval
    from supervision.services import declaration_create

    declaration_create(by=caseworker, name=case.person.name, id_number=case.person.id_number, relationship="parent")
    draft = referral_create_to_charity(by=caseworker, person=case.person, to_organization=world.charity)
    approval = ReferralApproval.objects.get(referral=draft)
    assert (approval.status, approval.requested_by) == (ApprovalStatus.PENDING, caseworker)
