"""Issue #7: every role's journey in a real headless Chromium, asserting what the person sees, in Chinese.

The data a journey starts from is built with the factories; everything the journey is about is done
by clicking and typing in the browser. Pages the journey is not about are opened by address, so a
change of menus does not break a journey. Each test ends with a screenshot (artifacts/e2e/).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from playwright.sync_api import Page, expect

from accounts.models import User
from beneficiaries.models import Need
from tests.conftest import World
from tests.e2e.conftest import PHONE, screenshot, sign_in
from tests.factories import make_person


def test_station_worker_logs_a_need_on_a_phone(
    new_page: Callable[..., Page], world: World, station_worker: User
) -> None:
    make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    page = new_page(phone=True)
    sign_in(page, station_worker)

    page.goto("/register/needs/new/")
    expect(page.get_by_role("heading", name="登记需求", level=1)).to_be_visible()
    page.get_by_label("救助对象").fill("王秀英")
    page.get_by_role("link", name=re.compile("^王秀英 · ")).click()
    expect(page.get_by_text("王秀英", exact=True)).to_be_visible()  # the chosen person, above the form
    page.get_by_role("radio", name="医疗").check()
    page.get_by_role("radio", name="紧急", exact=True).check()
    page.get_by_label("情况描述").fill("老人腿脚不便，上月住院，自付费用较高。")
    page.get_by_role("button", name="保存需求").click()

    expect(page.get_by_text("已为 王秀英 登记需求。")).to_be_visible()
    expect(page.get_by_role("heading", name="需求清单", level=1)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("王秀英.*医疗.*紧急.*开放中"))).to_be_visible()
    # The page fits the phone: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    need = Need.objects.get(person__name="王秀英")
    assert (need.category, need.urgency) == ("medical", "urgent")
    screenshot(page, "1-station-worker-logs-a-need")
