"""Tests written for mutants of matching/services.py that survived ``make mutation`` (docs/testing.md):
a consent to matching names its organisation (SPEC rule 2), a decided or unfinished proposal is
refused with its code and a Chinese reason, a rejection records who decided, and the bulk page says
how many drafts still wait for consent and why a proposal was refused."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from accounts.models import User
from cases.models import Referral
from core.models import Organization
from matching.models import MatchingRun, MatchProposal, ProposalStatus
from tests.conftest import World, api_as
from tests.factories import make_consent
from tests.factories.cases import make_referral
from tests.matching.conftest import County


def test_a_consent_to_matching_with_another_charity_does_not_let_ours_confirm(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    make_consent(county.child, organization=world.other_charity, purposes=["matching"], guardian_name="张建华")
    proposal = done_run.proposals.get(need=county.child_need)
    response = api_as(caseworker).post(f"/api/v1/match-proposals/{proposal.pk}/confirm/")
    assert response.status_code == 409
    assert response.json()["code"] == "consent_missing"
    assert not Referral.objects.filter(person=county.child).exists()


def test_a_second_confirmation_says_in_chinese_the_proposal_was_already_decided(
    caseworker: User, done_run: MatchingRun, county: County
) -> None:
    proposal = done_run.proposals.get(need=county.elderly_need)
    client = api_as(caseworker)
    assert client.post(f"/api/v1/match-proposals/{proposal.pk}/confirm/").status_code == 200
    confirmed = MatchProposal.objects.get(pk=proposal.pk)
    assert confirmed.decided_by == caseworker and confirmed.decided_at is not None  # who decided, and when
    second = client.post(f"/api/v1/match-proposals/{proposal.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert second.status_code == 409
    assert second.json()["detail"] == "该匹配建议已是“已确认”状态。请刷新页面查看最新状态。"


def test_a_proposal_of_an_unfinished_run_is_not_confirmed(
    caseworker: User, done_run: MatchingRun, county: County
) -> None:
    MatchingRun.objects.filter(pk=done_run.pk).update(status="running")
    proposal = done_run.proposals.get(need=county.elderly_need)
    response = api_as(caseworker).post(
        f"/api/v1/match-proposals/{proposal.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["detail"]) == ("matching_run_active", "该匹配运行尚未完成。")
    assert not Referral.objects.exists()


def test_a_rejection_records_who_decided_and_when(caseworker: User, done_run: MatchingRun, county: County) -> None:
    proposal = done_run.proposals.get(need=county.child_need)
    assert api_as(caseworker).post(f"/api/v1/match-proposals/{proposal.pk}/reject/").status_code == 200
    proposal = MatchProposal.objects.get(pk=proposal.pk)
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.REJECTED, caseworker)
    assert proposal.decided_at is not None


def _confirm_many(caseworker: User, run: MatchingRun) -> str:
    client = Client()
    client.force_login(caseworker)
    ids = [str(pk) for pk in run.proposals.values_list("pk", flat=True)]
    page = client.post(reverse("matching:confirm_many", args=[run.pk]), {"proposal": ids}, follow=True)
    assert page.status_code == 200
    return page.content.decode()


def test_confirming_several_with_consent_in_force_warns_of_none_waiting(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    make_consent(county.child, organization=world.charity, guardian_name="张建华")  # every purpose, our charity
    page = _confirm_many(caseworker, done_run)
    assert "已生成 2 份转介草稿。" in page
    assert "需要先取得本人对接收组织的同意" not in page


def test_confirming_several_names_the_person_a_proposal_was_refused_for(
    caseworker: User, done_run: MatchingRun, county: County
) -> None:
    page = _confirm_many(caseworker, done_run)  # the child has no consent to matching at all
    assert "已生成 1 份转介草稿。" in page
    assert "张小明：" in page


def _draft_for(world: World, county: County, caseworker: User, status: str) -> Referral:
    return make_referral(
        person=county.elderly,
        from_organization=world.bureau,
        to_organization=world.other_charity,
        status=status,
        needs=[county.elderly_need],
    )


def test_a_need_already_in_a_draft_referral_is_not_proposed_twice(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    _draft_for(world, county, caseworker, "draft")  # the need stays open while its referral is a draft
    proposal = done_run.proposals.get(need=county.elderly_need)
    response = api_as(caseworker).post(
        f"/api/v1/match-proposals/{proposal.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["detail"]) == (
        "need_not_open",
        "该需求已不是未完成状态或已在转介中，未作任何改动。",
    )
    assert Referral.objects.count() == 1


def test_a_referral_that_ended_does_not_keep_its_need_from_matching(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    _draft_for(world, county, caseworker, "declined")
    proposal = done_run.proposals.get(need=county.elderly_need)
    response = api_as(caseworker).post(f"/api/v1/match-proposals/{proposal.pk}/confirm/")
    assert response.status_code == 200, response.content
    referral = Referral.objects.get(pk=response.json()["referral"])
    # The draft says where it came from, in Chinese.
    assert referral.note == f"由第 {done_run.pk} 次匹配运行建议（评分 {proposal.score}）。"


def test_a_full_resource_says_in_chinese_to_run_matching_again(
    caseworker: User, done_run: MatchingRun, county: County
) -> None:
    county.medical_fund.people_left = 0
    county.medical_fund.status = "full"
    county.medical_fund.save()
    proposal = done_run.proposals.get(resource=county.medical_fund)
    response = api_as(caseworker).post(
        f"/api/v1/match-proposals/{proposal.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.json()["detail"] == "“大病救助金”已无剩余名额（或不再接收新案件），请重新运行匹配以选择其他资源。"


def test_a_resource_without_a_limit_on_places_is_confirmed(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    county.school_aid.capacity_people = None
    county.school_aid.people_left = None
    county.school_aid.save()
    make_consent(county.child, organization=world.charity, guardian_name="张建华")
    proposal = done_run.proposals.get(need=county.child_need)
    response = api_as(caseworker).post(f"/api/v1/match-proposals/{proposal.pk}/confirm/")
    assert response.status_code == 200, response.content


def test_a_resource_of_an_organisation_no_longer_active_is_refused_with_the_reason(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    Organization.objects.filter(pk=world.charity.pk).update(is_active=False)
    proposal = done_run.proposals.get(need=county.elderly_need)
    response = api_as(caseworker).post(
        f"/api/v1/match-proposals/{proposal.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["detail"]) == (
        "referral_not_possible",
        "请选择一个正常运行的慈善组织或其他帮扶力量。",
    )


def test_a_draft_is_sendable_only_with_a_consent_naming_the_resources_organisation(
    caseworker: User, done_run: MatchingRun, county: County, world: World
) -> None:
    make_consent(county.child, organization=world.charity, purposes=["matching"], guardian_name="张建华")
    make_consent(county.child, organization=world.other_charity, guardian_name="张建华")  # another charity
    proposal = done_run.proposals.get(need=county.child_need)
    body = api_as(caseworker).post(f"/api/v1/match-proposals/{proposal.pk}/confirm/").json()
    assert body["status"] == "confirmed" and body["consent_in_force"] is False


def test_an_administrator_deciding_a_proposal_is_told_only_caseworkers_refer(
    admin_user: User, done_run: MatchingRun, county: County
) -> None:
    proposal = done_run.proposals.get(need=county.elderly_need)
    response = api_as(admin_user).post(
        f"/api/v1/match-proposals/{proposal.pk}/confirm/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 409, response.content
    assert (response.json()["code"], response.json()["detail"]) == (
        "referral_not_possible",
        "只有民政经办人员可以向慈善组织转介。",
    )
    assert not Referral.objects.exists()
