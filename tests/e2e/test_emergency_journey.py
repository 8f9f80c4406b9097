"""Issue #16, item 4 and acceptance 1: an emergency application reaches the team's notifications.
A member of the public applies online on a 375 px phone for an emergency; the village's
quick-response team member sees it at once in the notification centre on their phone, opens the
need and presses 我来响应; the county's on-call caseworker hears it is taken."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import OnCallDuty, ResponseTeamMember, Role
from beneficiaries.models import Need
from cases.models import Notification
from tests.conftest import World
from tests.e2e.conftest import fits, screenshot, sign_in
from tests.factories import UserFactory, valid_id_number

pytestmark = pytest.mark.browser


def test_an_emergency_application_reaches_the_team_on_their_phones(
    new_page: Callable[..., Page], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("beneficiaries.forms_public.APPLICATION_MIN_SECONDS", 0)  # a person takes longer
    cadre = UserFactory.create(
        username="cadre", full_name="张卫东", role=Role.STATION_WORKER, organization=world.station,
        jurisdiction=world.our_township, phone="13900001111",
    )  # fmt: skip
    ResponseTeamMember.objects.create(user=cadre, region=world.our_village)
    duty = UserFactory.create(
        username="duty", full_name="刘值班", role=Role.CASEWORKER, organization=world.bureau,
        jurisdiction=world.our_county,
    )  # fmt: skip
    now = timezone.now()
    OnCallDuty.objects.create(user=duty, region=world.our_county, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8))  # fmt: skip

    public = new_page(phone=True)
    main = public.get_by_role("main")
    public.goto("/apply/")
    main.get_by_role("textbox", name=re.compile("^您的姓名")).fill("李桂兰")
    main.get_by_role("textbox", name=re.compile("^您的身份证号码")).fill(valid_id_number(date(1968, 4, 2), male=False))
    where = main.get_by_role("combobox", name=re.compile("^现居住地"))
    where.press_sequentially("永坪")
    expect(main.locator('datalist option[value="陕西省 › 延安市 › 延川县 › 永坪镇 › 永坪村"]')).to_have_count(1)
    where.fill("陕西省 › 延安市 › 延川县 › 永坪镇 › 永坪村")
    main.get_by_role("textbox", name=re.compile("^困难情况")).fill("家中房屋昨夜倒塌，一家四口无处居住。")
    main.get_by_role("checkbox", name="住房").check()
    main.get_by_role("radio", name=re.compile("^危急")).check()
    main.get_by_role("textbox", name=re.compile("^联系电话")).fill("13912345678")
    main.get_by_role("checkbox", name="我已阅读并同意以上授权同意书").check()
    main.get_by_role("button", name="提交申请").click()
    expect(main.get_by_role("heading", name="申请已受理")).to_be_visible()
    need = Need.objects.get(source="online")
    assert need.urgency == "emergency"
    assert Notification.objects.filter(recipient=cadre, kind="emergency_need", channel="sms").exists()

    phone = new_page(phone=True)
    sign_in(phone, cadre)
    phone.goto("/cases/notifications/")
    told = phone.get_by_role("main")
    expect(told).to_contain_text(f"永坪村 急难需求 {need.pk}：请立即响应")
    expect(told).not_to_contain_text("李桂兰")  # titles carry no names
    fits(phone)
    screenshot(phone, "9-emergency-reaches-the-team")
    told.get_by_role("button", name="查看").click()  # the notification leads to the need's page
    expect(phone).to_have_url(re.compile(f"/register/needs/{need.pk}/$"))
    expect(phone.get_by_role("main")).to_contain_text("尚无人响应")
    phone.get_by_role("button", name="我来响应").click()
    expect(phone.get_by_role("main")).to_contain_text("您已响应该需求")
    expect(phone.get_by_role("button", name="我来响应")).to_have_count(0)
    fits(phone)
    assert Notification.objects.filter(recipient=duty, kind="emergency_picked_up", channel="in_app").exists()
