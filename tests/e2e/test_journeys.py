"""Issue #7: every role's journey in a real headless Chromium, asserting what the person sees, in Chinese.

The data a journey starts from is built with the factories; everything the journey is about is done
by clicking and typing in the browser. Pages the journey is not about are opened by address, and
locators look inside the page's main part, so a change of menus does not break a journey. Each test
ends with a screenshot (artifacts/e2e/<journey>.png).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from audit.models import AuditEntry
from beneficiaries.models import Need
from cases.models import Direction, Referral, ReferralStatus
from charities.models import Complaint, ComplaintStatus
from core.models import OrganizationKind
from tests.conftest import World
from tests.e2e.browser import PHONE
from tests.e2e.conftest import fits, on_other_device, screenshot, sign_in
from tests.factories import (
    ComplaintFactory,
    DeliveryFactory,
    OrganizationFactory,
    ResourceFactory,
    make_assistance_record,
    make_consent,
    make_need,
    make_person,
    make_referral,
    valid_id_number,
)


def test_station_worker_logs_a_need_on_a_phone(
    new_page: Callable[..., Page], world: World, station_worker: User
) -> None:
    make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    page = new_page(phone=True)
    sign_in(page, station_worker)

    page.goto("/register/needs/new/")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="登记需求", level=1)).to_be_visible()
    # Issue 15: what she types before finding the person stays when she picks her.
    main.get_by_role("radio", name="医疗").check()
    main.get_by_role("radio", name="紧急", exact=True).check()
    main.get_by_role("textbox", name=re.compile("^情况描述")).fill("老人腿脚不便，上月住院，自付费用较高。")
    main.get_by_role("searchbox", name=re.compile("^救助对象")).fill("王秀英")
    main.get_by_role("link", name=re.compile("^王秀英 · ")).click()  # the search answers as she types
    expect(main.get_by_text("王秀英", exact=True)).to_be_visible()  # the chosen person, above the form
    expect(main.get_by_role("radio", name="医疗")).to_be_checked()
    expect(main.get_by_role("radio", name="紧急", exact=True)).to_be_checked()
    expect(main.get_by_role("textbox", name=re.compile("^情况描述"))).to_have_value(
        "老人腿脚不便，上月住院，自付费用较高。"
    )
    main.get_by_role("button", name="保存需求").click()

    expect(main.get_by_text("已为 王秀英 登记需求。")).to_be_visible()
    expect(main.get_by_role("heading", name="需求清单", level=1)).to_be_visible()
    expect(main.get_by_role("row", name=re.compile("王秀英.*医疗.*紧急.*开放中"))).to_be_visible()
    fits(page)  # the page fits the phone: nothing to scroll sideways
    need = Need.objects.get(person__name="王秀英")
    assert (need.category, need.urgency) == ("medical", "urgent")

    # Back and save again: the form comes back empty (nothing is sent again by itself), and the
    # same need typed again is not logged twice: the form asks first, showing the open one.
    page.go_back()
    expect(main.get_by_role("heading", name="登记需求", level=1)).to_be_visible()
    main.get_by_role("searchbox", name=re.compile("^救助对象")).fill("王秀英")
    main.get_by_role("link", name=re.compile("^王秀英 · ")).click()
    main.get_by_role("radio", name="医疗").check()
    main.get_by_role("textbox", name=re.compile("^情况描述")).fill("老人腿脚不便，上月住院，自付费用较高。")
    main.get_by_role("button", name="保存需求").click()
    question = main.get_by_role("alert").filter(has_text="王秀英 未办结的同类需求")
    expect(question).to_contain_text("老人腿脚不便，上月住院")
    expect(main.get_by_text("确需另行登记，请勾选“记录为新需求”后再保存。")).to_be_visible()
    expect(main.get_by_role("checkbox", name="记录为新需求")).not_to_be_checked()
    assert Need.objects.filter(person__name="王秀英").count() == 1
    fits(page)
    screenshot(page, "1-station-worker-logs-a-need")
    # And the need list on the office desk.
    desk = on_other_device(new_page, page, "/register/needs/", phone=False)
    expect(desk.get_by_role("row", name=re.compile("王秀英.*医疗.*紧急.*开放中"))).to_be_visible()


def test_caseworker_records_consent_and_refers(new_page: Callable[..., Page], world: World, caseworker: User) -> None:
    person = make_person(world.our_village, name="李桂兰", born=date(1948, 9, 2), phone="13912345678")
    make_need(person, category="medical", urgency="urgent", description="慢性病长期服药，药费负担重")
    make_need(person, category="medical", urgency="routine", description="白内障术后复查")
    ResourceFactory.create(organization=world.charity, name="大病医疗救助专项基金")
    red_cross = OrganizationFactory.create(
        kind=OrganizationKind.CHARITY, name="延川县红十字会", region=world.our_county
    )
    ResourceFactory.create(organization=red_cross, name="红十字助医项目")
    page = new_page()
    sign_in(page, caseworker)
    main = page.get_by_role("main")

    # She has not consented yet: the caseworker records her consent on her page.
    page.goto(f"/register/persons/{person.pk}/")
    main.get_by_role("link", name="登记授权同意").click()
    expect(main.get_by_role("heading", name="登记授权同意 · 李桂兰")).to_be_visible()
    main.get_by_role("checkbox", name="转介至慈善组织").check()
    main.get_by_role("radio", name="指定组织").check()
    main.get_by_role("combobox", name="接收组织").select_option(label="延川县慈善协会")
    for field in ("姓名", "电话", "地址"):
        main.get_by_role("checkbox", name=field, exact=True).check()
    main.get_by_role("radio", name="口头同意（有见证人）").check()
    main.get_by_role("textbox", name=re.compile("^见证人")).fill("张建军")
    main.get_by_role("button", name="保存", exact=True).click()
    expect(main.get_by_text("授权同意已登记。")).to_be_visible()
    consent_row = main.get_by_role("row", name=re.compile("延川县慈善协会.*有效"))
    expect(consent_row).to_contain_text("转介至慈善组织")  # purposes and details by name, not their codes
    expect(consent_row).to_contain_text("姓名、电话、地址")

    # Then refers her from her need's page (issue 15: no second search), the need already ticked.
    # Her two medical needs told apart by their descriptions.
    main.get_by_role("row", name=re.compile("慢性病长期服药")).get_by_role("link").click()
    main.get_by_role("link", name="转介", exact=True).click()
    expect(main.get_by_role("heading", name="将 李桂兰 转介至慈善组织")).to_be_visible()
    main.get_by_role("combobox", name=re.compile("^转介给")).select_option(label="延川县慈善协会")
    # Each need by category, date logged and how its description starts, not "李桂兰 · 医疗".
    need = main.get_by_role("checkbox", name=re.compile(r"^医疗 · 登记于 \d{4}-\d{2}-\d{2} · 慢性病长期服药"))
    expect(need).to_be_checked()
    expect(main.get_by_role("checkbox", name=re.compile(r"^医疗 · 登记于 .* · 白内障术后复查"))).not_to_be_checked()
    # The resources offered are the chosen charity's, not another's.
    resource = main.get_by_role("combobox", name=re.compile("^供给清单中的资源"))
    expect(resource.locator("option:not([disabled])")).to_have_text(["无", "延川县慈善协会 · 大病医疗救助专项基金"])
    resource.select_option(label="延川县慈善协会 · 大病医疗救助专项基金")
    main.get_by_role("textbox", name=re.compile("^转介理由")).fill("低保户，慢性病药费负担重，请协助医疗救助。")
    # She did not agree to share her health: the refusal names it and saves nothing.
    main.get_by_role("group", name=re.compile("^与接收组织共享的信息")).get_by_role("checkbox", name="健康").check()
    main.get_by_role("checkbox", name="姓名", exact=True).check()
    main.get_by_role("button", name="保存并发送").click()
    refused = main.get_by_role("alert").filter(has_text="当事人的授权同意不包括：健康。")
    expect(refused).to_be_visible()
    expect(refused.get_by_role("link", name="登记新的授权同意")).to_be_visible()
    assert not Referral.objects.exists()  # no stray draft
    refused.get_by_role("button", name="不共享健康，直接发送").click()

    expect(main.get_by_text("转介已发送。")).to_be_visible()
    expect(main.get_by_role("heading", level=1)).to_contain_text("已发送")
    expect(main.get_by_text("延川县慈善协会", exact=True).first).to_be_visible()
    referral = Referral.objects.get(person=person)  # one referral, no draft left from the refusal
    assert referral.status == ReferralStatus.SENT and referral.to_organization == world.charity
    assert referral.shared_fields == ["name"]
    screenshot(page, "2-caseworker-records-consent-and-refers")
    phone = on_other_device(new_page, page, f"/cases/{referral.pk}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("已发送")


def test_charity_accepts_starts_and_reports(new_page: Callable[..., Page], world: World, charity_staff: User) -> None:
    person = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12), phone="13812345678")
    consent = make_consent(person, organization=world.charity, fields=["name", "phone", "address"])
    need = make_need(person, category="medical", urgency="urgent")
    referral = make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=consent,
        needs=[need],
        note="住院自付费用高，请协助。",
    )
    other = make_person(world.our_village, name="高凤英", born=date(1949, 6, 1))
    unnamed = make_referral(  # another person, who did not agree to share her name with this charity
        person=other,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=make_consent(other, organization=world.charity, fields=["address"]),
        shared_fields=["address"],
    )
    page = new_page()
    sign_in(page, charity_staff)
    main = page.get_by_role("main")

    page.goto("/cases/")  # the charity's inbox: new referrals
    # Issue 15: the person column shows the consented name, or the reference — never a blank cell.
    expect(
        main.get_by_role("row", name=re.compile(f"王秀英.*{referral.reference}|{referral.reference}.*王秀英"))
    ).to_be_visible()
    other_row = main.get_by_role("row").filter(has_text=unnamed.reference)
    expect(other_row).to_contain_text(f"转介 {unnamed.reference}")
    expect(other_row).to_contain_text("未授权向本组织提供姓名")
    expect(other_row).not_to_contain_text("高凤英")
    main.get_by_role("link", name=referral.reference).first.click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("已发送")
    person_panel = main.get_by_role("region", name="当事人")
    expect(person_panel).to_contain_text("王秀英")
    expect(person_panel).to_contain_text("13812345678")  # she agreed to share her phone with this charity
    expect(person_panel).not_to_contain_text(person.id_number)  # never the full ID number
    expect(person_panel).to_contain_text(person.id_number_masked)

    main.get_by_role("button", name="接收", exact=True).click()
    expect(main.get_by_text("办理成功：接收。")).to_be_visible()
    expect(main.get_by_role("heading", level=1)).to_contain_text("已接收")

    main.get_by_role("button", name="开始帮扶").click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("帮扶中")

    main.get_by_role("combobox", name=re.compile("^帮扶结果")).select_option(label="已帮扶")
    main.get_by_role("spinbutton", name=re.compile("^帮扶金额（元）")).fill("800")
    main.get_by_role("checkbox", name="访视照料").check()
    main.get_by_label(re.compile("^帮扶日期")).fill(timezone.localdate().isoformat())
    main.get_by_role("button", name="保存反馈").click()

    expect(main.get_by_role("heading", level=1)).to_contain_text("已完成")
    result = main.get_by_role("region", name="结果")
    expect(result).to_contain_text("已帮扶")
    expect(result).to_contain_text("帮扶金额（元）：800")
    expect(result).to_contain_text("提供的服务：访视照料")  # the service, in words
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED and referral.amount == 800
    assert referral.services == ["care_visit"]
    screenshot(page, "3-charity-accepts-starts-and-reports")
    # The printed 转介单 says what was given, services too; on a phone the case page fits.
    page.goto(f"/cases/{referral.pk}/print/")
    expect(page.get_by_role("row", name=re.compile("^结果"))).to_contain_text(
        f"已帮扶 · 800.00 元 · 访视照料 · {timezone.localdate().isoformat()}"
    )
    phone = on_other_device(new_page, page, f"/cases/{referral.pk}/")
    expect(phone.get_by_role("region", name="结果")).to_contain_text("访视照料")
    phone.goto("/cases/")
    fits(phone)
    expect(phone.get_by_role("main")).to_contain_text(f"转介 {unnamed.reference}")


def test_caseworker_sees_the_ledger_and_closes(new_page: Callable[..., Page], world: World, caseworker: User) -> None:
    today = timezone.localdate()
    helped_on = today - timedelta(days=3)
    person = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    make_assistance_record(person, world.bureau, programme="dibao", amount="620.00")
    # 医疗救助 this season, and the charity's medical help within it: a possible duplicate.
    make_assistance_record(
        person,
        world.bureau,
        programme="medical",
        amount="5000.00",
        period_start=today - timedelta(days=40),
        period_end=today + timedelta(days=40),
    )
    consent = make_consent(person, organization=world.charity)
    referral = make_referral(
        person=person,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=consent,
        needs=[make_need(person, category="medical")],
        status=ReferralStatus.COMPLETED,
        amount="500.00",
        services=["rehabilitation"],
        helped_on=helped_on,
    )
    # A need nobody covered, logged two weeks ago: a gap.
    gap = make_need(person, category="housing", description="窑洞渗水")
    Need.objects.filter(pk=gap.pk).update(created_at=timezone.now() - timedelta(days=14))
    page = new_page()
    sign_in(page, caseworker)
    main = page.get_by_role("main")

    page.goto(f"/cases/{referral.pk}/")
    expect(main.get_by_role("heading", level=1)).to_contain_text("已完成")
    main.get_by_role("link", name="救助帮扶台账").click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("救助帮扶台账")
    expect(main.get_by_role("row", name=re.compile("王秀英.*政府救助.*620"))).to_be_visible()
    # Charity help is dated by the day it was given, names its services, and is flagged.
    charity_row = main.get_by_role("row", name=re.compile("王秀英.*慈善帮扶.*500"))
    expect(charity_row.get_by_role("cell").first).to_have_text(helped_on.isoformat())
    expect(charity_row).to_contain_text("已帮扶 · 康复")
    expect(charity_row).to_contain_text("疑似重复救助")
    expect(main.get_by_role("row", name=re.compile("王秀英.*政府救助.*医疗救助.*5000"))).to_contain_text("疑似重复救助")
    expect(main.get_by_text("可能与其他帮扶重复的记录（同一需求、同一时段）：2")).to_be_visible()
    expect(main.get_by_role("listitem").filter(has_text="王秀英 · 住房")).to_be_visible()  # the gap
    phone = on_other_device(new_page, page, page.url)
    expect(phone.get_by_role("main")).to_contain_text("疑似重复救助")

    page.go_back()
    main.get_by_role("button", name="结束转介").click()
    expect(main.get_by_text("办理成功：结束转介。")).to_be_visible()
    expect(main.get_by_role("heading", level=1)).to_contain_text("已结束")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    screenshot(page, "4-caseworker-sees-the-ledger-and-closes")


def test_charity_refers_to_government_and_sees_the_decision(
    new_page: Callable[..., Page], world: World, charity_staff: User, caseworker: User
) -> None:
    charity = new_page()
    sign_in(charity, charity_staff)
    form = charity.get_by_role("main")
    charity.goto("/cases/new/government/")
    expect(form.get_by_role("heading", level=1)).to_have_text("转介至民政部门")
    form.get_by_role("textbox", name=re.compile("^姓名")).fill("赵大山")
    # The region picker: typing part of the name offers the villages with their paths.
    where = form.get_by_role("combobox", name=re.compile("^居住地"))
    where.press_sequentially("永坪")
    path = "陕西省 › 延安市 › 延川县 › 永坪镇 › 永坪村"
    expect(form.locator(f'datalist option[value="{path}"]')).to_have_count(1)
    where.fill(path)  # what choosing the offered village puts in the input
    form.get_by_role("textbox", name=re.compile("^地址")).fill("永坪村三组")
    form.get_by_role("textbox", name=re.compile("^身份证号")).fill(valid_id_number(date(1958, 9, 9)))
    form.get_by_role("combobox", name=re.compile("^民政部门")).select_option(label="延川县民政局")
    form.get_by_role("textbox", name=re.compile("^可能符合救助条件的理由")).fill("独居老人，无固定收入，未享受低保。")
    form.get_by_role("button", name="发送给民政部门").click()
    expect(form.get_by_text("转介已发送给 延川县民政局。")).to_be_visible()
    expect(form.get_by_role("heading", level=1)).to_contain_text("已发送")
    referral = Referral.objects.get(direction=Direction.TO_GOVERNMENT)

    # The civil affairs office accepts, checks and decides.
    office = new_page()
    sign_in(office, caseworker)
    office.goto(f"/cases/{referral.pk}/")
    desk = office.get_by_role("main")
    desk.get_by_role("button", name="接收", exact=True).click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("已接收")
    desk.get_by_role("combobox", name=re.compile("^认定结果")).select_option(label="符合条件")
    desk.get_by_role("combobox", name=re.compile("^救助项目")).select_option(label="最低生活保障")
    desk.get_by_role("textbox", name=re.compile("^理由")).fill("经入户核查，符合低保条件。")
    desk.get_by_role("button", name="保存认定").click()
    expect(desk.get_by_text("办理成功：作出认定。")).to_be_visible()

    # 登记在册: at the desk the office sees no one in the register who may be the same person, and
    # on the phone it confirms a new person and registers them, once.
    register = desk.locator("details", has_text="登记在册")
    expect(register).to_contain_text("辖区名册中没有同名或同身份证号的人员。")
    expect(register.get_by_role("button", name="登记为新人员")).to_be_visible()
    on_phone = on_other_device(new_page, office, f"/cases/{referral.pk}/")
    phone_box = on_phone.get_by_role("main").locator("details", has_text="登记在册")
    phone_box.get_by_role("checkbox", name=re.compile("^我已核对")).check()
    expect(phone_box.get_by_label("加入已登记的家庭（户编号）")).to_be_empty()  # a new household unless one is named
    screenshot(on_phone, "5a-the-register-box-on-a-phone")
    phone_box.get_by_role("button", name="登记为新人员").click()
    expect(on_phone.get_by_text(re.compile(r"赵\*山 已登记在册（户编号 "))).to_be_visible()
    expect(on_phone.get_by_role("button", name="登记为新人员")).to_have_count(0)
    screenshot(on_phone, "5b-office-registers-the-referred-person-on-a-phone")
    office.reload()
    expect(desk.get_by_role("button", name="登记为新人员")).to_have_count(0)
    expect(desk).to_contain_text("赵大山")

    # The charity sees the decision.
    charity.reload()
    result = form.get_by_role("region", name="结果")
    expect(result).to_contain_text("符合条件 · 最低生活保障")  # the programme's name, not its code
    expect(result).to_contain_text("经入户核查，符合低保条件。")
    screenshot(charity, "5-charity-refers-to-government-and-sees-the-decision")
    phone = on_other_device(new_page, charity, f"/cases/{referral.pk}/")
    expect(phone.get_by_role("region", name="结果")).to_contain_text("符合条件 · 最低生活保障")


def test_supervisor_finds_the_reveal_and_handles_a_complaint(
    new_page: Callable[..., Page], world: World, caseworker: User, supervisor: User
) -> None:
    person = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    make_person(world.our_village, name="刘建国", born=date(1960, 1, 8), male=True)  # someone else, not revealed
    complaint = ComplaintFactory.create(region=world.our_county, content="某项目名额分配不公开，疑似优亲厚友。")

    # A caseworker looks at her full ID number, giving a reason.
    office = new_page()
    sign_in(office, caseworker)
    office.goto(f"/register/persons/{person.pk}/")
    reveal = office.get_by_role("region", name="查看完整信息")
    reveal.get_by_role("combobox").select_option(label="身份证号")
    reveal.get_by_role("textbox", name=re.compile("^查看理由")).fill("核对医疗救助申请材料")
    reveal.get_by_role("button", name="查看").click()
    expect(office.get_by_role("region", name="查看完整信息")).to_contain_text(person.id_number)

    # The supervisor finds who saw it and why.
    page = new_page()
    sign_in(page, supervisor)
    main = page.get_by_role("main")
    page.goto("/supervision/audit/")
    filters = main.get_by_role("search")
    filters.get_by_role("textbox", name="涉及人员").fill("王秀英")
    filters.get_by_role("combobox", name="操作", exact=True).select_option(label="查看敏感信息明文")
    filters.get_by_role("button", name="筛选").click()
    expect(main.get_by_text(f"关于 王秀英（{person.id_number_masked}）的记录。")).to_be_visible()
    rows = main.get_by_role("row", name=re.compile("查看敏感信息明文"))
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(caseworker.full_name)
    expect(rows).to_contain_text("理由： 核对医疗救助申请材料")
    assert AuditEntry.objects.filter(action="reveal", target_id=str(person.pk)).count() == 1
    screenshot(page, "6a-supervisor-finds-the-reveal")

    # And handles a complaint: received → investigating → concluded.
    page.goto("/supervision/complaints/")
    main.get_by_role("link", name=complaint.reference).click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("已受理")
    main.get_by_role("button", name="开始调查").click()
    expect(main.get_by_text("该投诉已转为调查中。")).to_be_visible()
    main.get_by_role("textbox", name=re.compile("^处理结论")).fill("经核查，名额按评分公开分配；已电话告知投诉人。")
    main.get_by_role("button", name="办结").click()
    expect(main.get_by_text("该投诉已办结。")).to_be_visible()
    expect(main.get_by_role("heading", level=1)).to_contain_text("已办结")
    expect(main.get_by_text("经核查，名额按评分公开分配；已电话告知投诉人。")).to_be_visible()
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CONCLUDED
    screenshot(page, "6-supervisor-finds-the-reveal-and-handles-a-complaint")
    phone = on_other_device(new_page, page, "/supervision/audit/")
    expect(phone.get_by_role("row", name=re.compile("查看敏感信息明文")).first).to_be_visible()
    phone.goto(f"/supervision/complaints/{complaint.pk}/")
    fits(phone)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("已办结")


def test_public_reads_transparency_and_files_a_complaint(
    new_page: Callable[..., Page], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = new_page()
    resource = ResourceFactory.create(organization=world.charity, name="大病医疗救助专项基金", capacity_people=20)
    for _ in range(6):
        DeliveryFactory.create(resource=resource, people=1, amount=Decimal("500.00"), region=world.our_village)
    # The form refuses answers sent within 3 s of showing it (bots); a person takes longer than a test.
    monkeypatch.setattr("charities.forms.COMPLAINT_MIN_SECONDS", 0)
    main = page.get_by_role("main")

    page.goto("/supply/public/")  # no sign-in
    expect(main.get_by_role("heading", level=1)).to_contain_text("阳光慈善")
    project = main.get_by_role("row", name=re.compile("大病医疗救助专项基金"))
    expect(project).to_contain_text("延川县慈善协会")
    # budget, people helped (6: at least 5, so shown), money delivered
    expect(project).to_contain_text(re.compile(r"¥10,000\.00\s*6\s*¥3,000\.00"))

    main.get_by_role("link", name="投诉举报", exact=True).click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("投诉举报")
    main.get_by_role("combobox", name=re.compile("^被投诉的组织")).select_option(label="延川县慈善协会")
    county = main.get_by_role("combobox", name=re.compile("^涉及的县"))
    county.press_sequentially("延川")  # the public search offers counties, never a township or village
    expect(main.locator('datalist option[value="陕西省 › 延安市 › 延川县"]')).to_have_count(1)
    county.fill("陕西省 › 延安市 › 延川县")
    main.get_by_role("textbox", name=re.compile("^投诉举报内容")).fill("村里的救助名额没有公示，希望核查。")
    main.get_by_role("button", name="提交投诉").click()

    expect(main.get_by_role("heading", name="投诉已受理")).to_be_visible()
    complaint = Complaint.objects.get()
    expect(main.get_by_text(complaint.reference)).to_be_visible()
    assert complaint.region == world.our_county and complaint.about_organization == world.charity
    screenshot(page, "7-public-reads-transparency-and-files-a-complaint")
    phone = on_other_device(new_page, page, "/supply/public/")
    expect(phone.get_by_role("main")).to_contain_text("大病医疗救助专项基金")
    phone.goto("/supply/public/complaint/")
    fits(phone)


def test_public_applies_online_on_a_phone_and_looks_the_stage_up(
    new_page: Callable[..., Page], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #16: a member of the public applies on a 375 px phone, then looks the stage up."""
    from beneficiaries.models import OnlineApplication
    from tests.factories import valid_id_number

    monkeypatch.setattr("beneficiaries.forms_public.APPLICATION_MIN_SECONDS", 0)  # a person takes longer
    page = new_page(phone=True)
    main = page.get_by_role("main")

    page.goto("/supply/public/")  # no sign-in
    main.get_by_role("link", name="在线申请救助").first.click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("在线申请救助帮扶")
    main.get_by_role("radio", name="为家庭申请").check()
    main.get_by_role("textbox", name=re.compile("^您的姓名")).fill("李桂兰")
    main.get_by_role("textbox", name=re.compile("^您的身份证号码")).fill(valid_id_number(date(1968, 4, 2), male=False))
    main.get_by_role("spinbutton", name=re.compile("^家庭人口数")).fill("4")
    where = main.get_by_role("combobox", name=re.compile("^现居住地"))
    where.press_sequentially("永坪")  # townships and villages of the county, searched as she types
    expect(main.locator('datalist option[value="陕西省 › 延安市 › 延川县 › 永坪镇 › 永坪村"]')).to_have_count(1)
    where.fill("陕西省 › 延安市 › 延川县 › 永坪镇 › 永坪村")
    main.get_by_role("textbox", name=re.compile("^困难情况")).fill(
        "丈夫今年查出尿毒症，每周透析三次，医药费远超家里收入。"
    )
    main.get_by_role("checkbox", name="医疗").check()
    main.get_by_role("radio", name=re.compile("^不紧急")).check()
    main.get_by_role("textbox", name=re.compile("^联系电话")).fill("13912345678")
    expect(main.get_by_text(re.compile("本人自愿在线申请救助帮扶"))).to_be_visible()
    main.get_by_role("checkbox", name="我已阅读并同意以上授权同意书").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    main.get_by_role("button", name="提交申请").click()

    expect(main.get_by_role("heading", name="申请已受理")).to_be_visible()
    application = OnlineApplication.objects.get()
    expect(main.get_by_text(application.reference)).to_be_visible()
    expect(main).not_to_contain_text("李桂兰")  # nothing personal is shown back
    expect(main).not_to_contain_text("5678")
    assert Need.objects.get().source == "online"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    main.get_by_role("link", name="查询办理进度").first.click()
    main.get_by_role("textbox", name=re.compile("^受理编号")).fill(application.reference)
    main.get_by_role("textbox", name=re.compile("^所留电话的后四位")).fill("0000")
    main.get_by_role("button", name="查询").click()
    expect(main.get_by_role("alert")).to_contain_text("没有查到")
    main.get_by_role("textbox", name=re.compile("^所留电话的后四位")).fill("5678")
    main.get_by_role("button", name="查询").click()
    expect(main.get_by_role("status")).to_contain_text("办理阶段：受理")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "8-public-applies-online-and-looks-the-stage-up")
