"""Issue 15, the first week in a county office, walked in a real browser as each person sees it, in
Chinese, on a desk and on a phone: a follow-up visit with no preset answers, matching proposals by
score with true reasons, a second approval refused with a reason, and a charity's own closed case
after the person revoked their consent. (The other items are in the seven journeys of
``test_journeys.py``.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role, User
from cases.models import FollowUp, FollowUpStatus, ReferralStatus
from supervision.models import ApprovalStatus, ReferralApproval
from tests.conftest import World
from tests.e2e.conftest import fits, on_other_device, screenshot, sign_in
from tests.factories import (
    ResourceFactory,
    UserFactory,
    make_consent,
    make_need,
    make_person,
    make_referral,
)


def test_station_worker_records_a_follow_up_visit_with_no_preset_answers(
    new_page: Callable[..., Page], world: World, station_worker: User
) -> None:
    person = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    referral = make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=make_consent(person, organization=world.charity),
        needs=[make_need(person, category="care")],
        status=ReferralStatus.COMPLETED,
        services=["care_visit"],
    )
    follow_up = FollowUp.objects.create(
        referral=referral,
        region=world.our_village,
        station=world.station,
        due_on=timezone.localdate() + timedelta(days=10),
    )
    page = new_page(phone=True)
    sign_in(page, station_worker)
    main = page.get_by_role("main")

    page.goto("/cases/follow-ups/")
    main.get_by_role("row", name=re.compile("王秀英")).get_by_role("link", name="登记回访").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("回访 王秀英")
    satisfaction = main.get_by_role("combobox", name=re.compile("^满意度"))
    need_met = main.get_by_role("combobox", name=re.compile("^需求是否真正得到满足"))
    # Nothing is answered for her: an untouched 保存 records no satisfied visit.
    expect(satisfaction).to_have_value("")
    expect(need_met).to_have_value("")
    fits(page)
    main.get_by_role("button", name="保存").click()  # the browser asks for the answers first
    expect(main.get_by_role("heading", level=1)).to_have_text("回访 王秀英")
    assert satisfaction.evaluate("select => select.validity.valueMissing")
    assert need_met.evaluate("select => select.validity.valueMissing")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DUE and follow_up.satisfaction is None

    satisfaction.select_option("3")
    need_met.select_option(label="否")
    main.get_by_role("textbox", name=re.compile("^备注")).fill("探访次数偏少，希望每周一次。")
    main.get_by_role("button", name="保存").click()
    expect(main.get_by_text("回访已登记。")).to_be_visible()
    done = FollowUp.objects.get(pk=follow_up.pk)
    assert (done.status, done.satisfaction, done.need_met) == (FollowUpStatus.DONE, 3, False)
    screenshot(page, "8-station-worker-records-a-follow-up-visit")
    desk = on_other_device(new_page, page, "/cases/follow-ups/", phone=False)
    expect(desk.get_by_role("main")).not_to_contain_text("登记回访")  # nothing left to record


def test_caseworker_reads_proposals_by_score_with_true_reasons(
    new_page: Callable[..., Page], world: World, caseworker: User
) -> None:
    elderly = make_person(
        world.our_village, name="李桂兰", born=date(1948, 2, 1), vulnerabilities=["elderly_no_self_care"]
    )
    adult = make_person(world.our_township, name="刘建国", born=date(1980, 1, 1), male=True)
    make_need(elderly, category="living", urgency="urgent", description="独居，米面油短缺")
    make_need(adult, category="living", description="失业后生活困难")
    make_need(adult, category="legal", description="工伤赔偿纠纷，需要法律援助", amount_requested=Decimal("23000.00"))
    ResourceFactory.create(organization=world.charity, name="生活救助金", categories=["living"], capacity_people=5)
    ResourceFactory.create(
        organization=world.charity,
        name="志愿律师免费法律咨询",
        kind="service",
        form="service",
        categories=["legal"],
        capacity_amount=None,
        amount_left=None,
        per_person_limit=None,
    )
    page = new_page()
    sign_in(page, caseworker)
    main = page.get_by_role("main")

    page.goto("/matching/")
    main.get_by_role("button", name="开始匹配").click()
    expect(main.get_by_text("已开始为 延川县 运行匹配。")).to_be_visible()
    expect(main.locator(".score")).to_have_count(3)  # the run finished; if not yet, the page refreshes
    scores = [float(text) for text in main.locator(".score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True), scores  # highest score first
    assert main.get_by_role("row").nth(1).inner_text().find("李桂兰") >= 0
    legal = main.get_by_role("row", name=re.compile("工伤赔偿纠纷"))
    expect(legal).to_contain_text("志愿律师免费法律咨询")
    expect(legal).to_contain_text("提供服务或物资，不支付资金：申请的 23000.00 元不在其帮扶范围内")
    expect(legal).not_to_contain_text("可覆盖申请金额")
    screenshot(page, "9-caseworker-reads-proposals-by-score")
    phone = on_other_device(new_page, page, page.url)
    expect(phone.get_by_role("row", name=re.compile("工伤赔偿纠纷"))).to_contain_text("不支付资金")


def test_a_second_caseworker_refuses_an_approval_with_a_reason(
    new_page: Callable[..., Page], world: World, caseworker: User
) -> None:
    person = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    referral = make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=make_consent(person, organization=world.charity),
        status=ReferralStatus.DRAFT,
        created_by=caseworker,
    )
    ReferralApproval.objects.create(referral=referral, requested_by=caseworker)
    colleague = UserFactory.create(
        username="caseworker2",
        full_name="陈丽娟",
        role=Role.CASEWORKER,
        organization=world.bureau,
        jurisdiction=world.our_county,
    )
    page = new_page()
    sign_in(page, colleague)
    main = page.get_by_role("main")

    page.goto("/supervision/approvals/")
    row = main.get_by_role("row", name=re.compile(referral.reference))
    expect(row).to_contain_text("王秀英")
    expect(row.get_by_role("button", name="复核同意")).to_be_visible()
    # A refusal needs a reason: the browser asks for one before anything is sent.
    row.get_by_role("button", name="驳回").click()
    expect(main.get_by_text(re.compile("已驳回"))).to_have_count(0)
    assert ReferralApproval.objects.get().status == ApprovalStatus.PENDING
    row.get_by_role("textbox", name="驳回理由").fill("申请人与经办人系亲属，且家庭收入超过标准。")
    row.get_by_role("button", name="驳回").click()
    expect(main.get_by_text(f"已驳回。转介 {referral.reference} 不能发送，已告知经办人员驳回理由。")).to_be_visible()
    approval = ReferralApproval.objects.get()
    assert approval.status == ApprovalStatus.REFUSED and approval.approved_by == colleague
    screenshot(page, "10-second-caseworker-refuses-an-approval")

    # The caseworker who asked reads who refused it and why, on his phone.
    maker = new_page(phone=True)
    sign_in(maker, caseworker)
    maker.goto("/supervision/approvals/")
    fits(maker)
    expect(maker.get_by_role("main")).to_contain_text("已被 陈丽娟 驳回：申请人与经办人系亲属，且家庭收入超过标准。")


def test_after_consent_revocation_the_charity_keeps_its_closed_case_without_the_person(
    new_page: Callable[..., Page], world: World, caseworker: User, charity_staff: User
) -> None:
    person = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12), phone="13812345678")
    consent = make_consent(person, organization=world.charity, fields=["name", "phone", "address"])
    referral = make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=consent,
        needs=[make_need(person, category="medical")],
        status=ReferralStatus.CLOSED,
        amount="800.00",
        services=["care_visit"],
    )
    # The caseworker records that she withdrew her consent.
    office = new_page()
    sign_in(office, caseworker)
    office.goto(f"/register/persons/{person.pk}/")
    desk = office.get_by_role("main")
    desk.get_by_role("row", name=re.compile("延川县慈善协会.*有效")).get_by_role("link", name="撤回").click()
    desk.get_by_role("textbox", name=re.compile("^撤回原因")).fill("本人电话告知撤回同意")
    desk.get_by_role("button", name="保存").click()
    expect(desk.get_by_text("授权同意已撤回，任何组织都不能再查看相关信息。")).to_be_visible()

    # The charity still finds its case and what it did, but nothing about her.
    page = new_page(phone=True)
    sign_in(page, charity_staff)
    main = page.get_by_role("main")
    page.goto("/cases/?tab=done")
    row = main.get_by_role("row").filter(has_text=referral.reference)
    expect(row).to_contain_text(f"转介 {referral.reference}")
    expect(main).not_to_contain_text("王秀英")
    fits(page)
    row.get_by_role("link", name=referral.reference).first.click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("已结束")
    result = main.get_by_role("region", name="结果")
    expect(result).to_contain_text("帮扶金额（元）：800")
    expect(result).to_contain_text("访视照料")
    person_panel = main.get_by_role("region", name="当事人")
    expect(person_panel).to_contain_text("此转介已结束，不再显示该人员的信息。")
    expect(main).not_to_contain_text("王秀英")
    expect(main).not_to_contain_text("13812345678")
    fits(page)
    screenshot(page, "11-charity-keeps-its-case-after-revocation")
    # The printed 转介单 at the desk: what it did, not who.
    paper = new_page(like=page)
    paper.goto(f"/cases/{referral.pk}/print/")
    expect(paper.get_by_role("row", name=re.compile("^人员信息"))).to_contain_text(
        "此转介已结束，不再显示该人员的信息。"
    )
    expect(paper.get_by_role("row", name=re.compile("^结果"))).to_contain_text("已帮扶 · 800.00 元 · 访视照料")
    expect(paper.locator("body")).not_to_contain_text("王秀英")
