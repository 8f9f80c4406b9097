"""Issue #16 item 3: the station's phone works without a signal (docs/offline.md).

A station worker opens the offline page once with a connection, loses the network (Playwright's
offline mode, which also cuts the service worker off), logs two needs and a follow-up visit, and
sees them waiting; when the network returns each is sent and answered "saved", and the database has
each once. A record sent again (its answer lost on the way back) is still saved once. Signing out
wipes the township's copy on the phone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from beneficiaries.models import Need
from cases.models import FollowUp, FollowUpStatus, ReferralStatus
from tests.conftest import World
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import make_consent, make_need, make_person, make_referral

OFFLINE_COPY_KEPT = """async () => {
  if (!navigator.serviceWorker.controller) { return false; }  // the worker is active and answers for the page
  const names = await caches.keys();
  for (const name of names) {
    const cache = await caches.open(name);
    if (await cache.match("/cases/offline/")) { return true; }
  }
  return false;
}"""

READ_COPY = """async () => {
  const store = idbKeyval.createStore("rh-offline-cache", "data");
  return [await idbKeyval.get("copy", store), (await caches.keys()).length];
}"""


def test_station_worker_logs_two_needs_and_a_visit_offline_and_each_is_saved_once(
    new_page: Callable[..., Page], world: World, station_worker: User
) -> None:
    wang = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    li = make_person(world.our_village, name="李明", born=date(1949, 6, 1))
    zhao = make_person(world.our_village, name="赵德胜", born=date(1945, 1, 9))
    make_person(world.other_township, name="王秀兰", born=date(1950, 2, 2))  # not in this township's copy
    referral = make_referral(
        person=zhao,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=make_consent(zhao, fields=["name"]),
        needs=[make_need(zhao, category="living")],
        status=ReferralStatus.COMPLETED,
    )
    visit = FollowUp.objects.create(
        referral=referral, region=world.our_village, station=world.station, due_on=timezone.localdate()
    )
    page = new_page(phone=True)
    sign_in(page, station_worker)

    # With a connection: the offline page keeps the township's masked copy and the service worker its page.
    page.goto("/cases/offline/")
    main = page.get_by_role("main")
    status = main.get_by_role("status").first
    expect(status).to_contain_text("永坪镇离线名册：3 人，待回访 1 次")
    page.wait_for_function(OFFLINE_COPY_KEPT, polling=200, timeout=10_000)
    page.context.set_offline(True)
    reloaded = page.reload()  # no network: the service worker answers with its copy
    assert reloaded is not None and reloaded.from_service_worker
    expect(main.get_by_role("heading", name="离线工作台", level=1)).to_be_visible()
    expect(status).to_contain_text("没有网络")

    # Two needs, found in the masked copy by the names the worker knows.
    search = main.get_by_role("searchbox", name=re.compile("^救助对象"))
    search.fill("王秀英")
    expect(main.get_by_role("button", name=re.compile("^王\\*英 · "))).to_have_count(
        1
    )  # not 王秀兰 of the other township
    main.get_by_role("button", name=re.compile("^王\\*英 · ")).click()
    need_form = main.locator("#need-form")
    need_form.get_by_role("radio", name="医疗").check()
    need_form.get_by_role("radio", name="紧急", exact=True).check()
    need_form.get_by_role("textbox", name=re.compile("^情况描述")).fill("老人腿脚不便，上月住院，自付费用较高。")
    need_form.get_by_role("button", name="保存需求").click()
    expect(main.locator("[data-state=waiting]")).to_have_count(1)

    search.fill("李明")
    main.get_by_role("button", name=re.compile("^李\\* · ")).click()
    need_form.get_by_role("radio", name="住房").check()
    need_form.get_by_role("textbox", name=re.compile("^情况描述")).fill("房屋漏雨，需要修缮。")
    need_form.get_by_role("button", name="保存需求").click()

    # The visit, chosen from the visits due in the township.
    visit_form = main.locator("#visit-form")
    choice = visit_form.get_by_role("combobox", name=re.compile("^回访对象"))
    expect(choice.get_by_role("option", name=f"赵*胜 · {referral.reference} · 永坪村", exact=False)).to_have_count(1)
    choice.select_option(str(visit.pk))
    visit_form.get_by_role("combobox", name=re.compile("^满意度")).select_option("5")
    visit_form.get_by_role("combobox", name=re.compile("^需求是否真正得到满足")).select_option(label="是")
    visit_form.get_by_role("button", name="保存回访").click()

    waiting = main.locator("#queue-list > li")
    expect(waiting).to_have_count(3)
    expect(main.locator("[data-state=waiting]")).to_have_count(3)
    expect(main.locator("#queue-count")).to_have_text("3")
    expect(waiting.nth(0)).to_contain_text("王*英")
    assert not Need.objects.filter(person__in=[wang, li]).exists()  # nothing reached the server yet
    screenshot(page, "16-offline-waiting")

    # The network returns: each record is sent and answered, once.
    page.context.set_offline(False)
    expect(main.locator("[data-state=saved]")).to_have_count(3)
    expect(waiting.nth(0)).to_contain_text("已保存")
    expect(main.locator("#queue-count")).to_have_text("0")
    assert list(Need.objects.filter(person=wang).values_list("category", "urgency")) == [("medical", "urgent")]
    assert list(Need.objects.filter(person=li).values_list("category", "source")) == [("housing", "visit")]
    visit.refresh_from_db()
    assert (visit.status, visit.satisfaction, visit.need_met) == (FollowUpStatus.DONE, 5, True)
    assert visit.visited_on == timezone.localdate()

    # An answer lost on the way back: the phone sends the same records again, and they are saved once.
    page.evaluate("""async () => {
      const store = idbKeyval.createStore("rh-offline-queue", "records");
      await idbKeyval.update("station", (records) => records.map((r) => ({ ...r, state: "waiting" })), store);
    }""")
    main.get_by_role("button", name="立即发送").click()
    expect(main.get_by_text("已保存（此前已送达，只保存一次）")).to_have_count(3)
    assert Need.objects.filter(person__in=[wang, li]).count() == 2
    screenshot(page, "16-offline-saved")

    # Signing out wipes the township's copy and the service worker's copy of the page.
    copy, _caches = page.evaluate(READ_COPY)
    assert copy["persons"][0]["name"] == "王*英" and "秀" not in str(copy)  # masked data only
    page.get_by_role("button", name="退出登录").first.click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.wait_for_function(
        READ_COPY.replace("return [", "const r = [").replace("];", "]; return r[0] === undefined && r[1] === 0;")
    )


def test_a_refused_record_stays_until_edited_and_a_discarded_one_is_never_sent(
    new_page: Callable[..., Page], world: World, station_worker: User
) -> None:
    wang = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    li = make_person(world.our_village, name="李明", born=date(1949, 6, 1))
    make_need(wang, category="medical")  # she already has an open medical need
    page = new_page(phone=True)
    sign_in(page, station_worker)
    page.goto("/cases/offline/")
    main = page.get_by_role("main")
    expect(main.get_by_role("status").first).to_contain_text("永坪镇离线名册：2 人")
    page.wait_for_function(OFFLINE_COPY_KEPT, polling=200, timeout=10_000)
    page.context.set_offline(True)

    # The ordinary need form, opened without a connection, is the offline one.
    page.goto("/register/needs/new/")
    expect(main.get_by_role("heading", name="离线工作台", level=1)).to_be_visible()
    expect(main.get_by_role("status").first).to_contain_text("您要打开的页面需要联网")
    need_form = main.locator("#need-form")
    search = main.get_by_role("searchbox", name=re.compile("^救助对象"))
    for count, (person, category) in enumerate((("王秀英", "医疗"), ("李明", "住房")), start=1):
        search.fill(person)
        main.get_by_role("button", name=re.compile(f"^{person[0]}\\*")).click()
        need_form.get_by_role("radio", name=category).check()
        need_form.get_by_role("textbox", name=re.compile("^情况描述")).fill("走访发现的新情况。")
        need_form.get_by_role("button", name="保存需求").click()
        expect(main.locator("#queue-list > li")).to_have_count(count)
    waiting = main.locator("#queue-list > li")
    waiting.filter(has_text="李*").get_by_role("button", name="放弃").click()  # typed by mistake
    expect(waiting).to_have_count(1)

    page.context.set_offline(False)
    refused = main.locator("[data-state=refused]")
    expect(refused).to_contain_text("已驳回：此人已有同类未办结的需求。确需另行登记，请勾选“记录为新需求”后再保存。")
    assert Need.objects.filter(person=wang).count() == 1 and not Need.objects.filter(person=li).exists()
    screenshot(page, "16-offline-refused")

    refused.get_by_role("button", name="编辑").click()
    expect(main.locator("#need-person-chosen")).to_contain_text("王*英")
    expect(need_form.get_by_role("radio", name="医疗")).to_be_checked()
    need_form.get_by_role("checkbox", name="记录为新需求").check()
    need_form.get_by_role("button", name="保存需求").click()

    expect(main.locator("[data-state=saved]")).to_have_count(1)
    expect(waiting).to_have_count(1)  # the edited record, not a second one
    assert Need.objects.filter(person=wang).count() == 2 and not Need.objects.filter(person=li).exists()


def test_the_ordinary_need_form_saved_without_a_connection_waits_in_the_queue(
    new_page: Callable[..., Page], world: World, station_worker: User
) -> None:
    wang = make_person(world.our_village, name="王秀英", born=date(1952, 3, 12))
    page = new_page(phone=True)
    sign_in(page, station_worker)
    page.goto("/cases/offline/")
    main = page.get_by_role("main")
    expect(main.get_by_role("status").first).to_contain_text("永坪镇离线名册：1 人")
    page.wait_for_function(OFFLINE_COPY_KEPT, polling=200, timeout=10_000)

    page.goto(f"/register/needs/new/?person={wang.pk}")  # opened with a connection
    expect(main.get_by_role("heading", name="登记需求", level=1)).to_be_visible()
    main.get_by_role("radio", name="医疗").check()
    main.get_by_role("textbox", name=re.compile("^情况描述")).fill("老人腿脚不便，上月住院。")
    page.context.set_offline(True)  # the signal goes while she types
    main.get_by_role("button", name="保存需求").click()

    expect(main.get_by_role("heading", name="离线工作台", level=1)).to_be_visible()
    waiting = main.locator("#queue-list > li")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("王*英")
    expect(waiting).to_contain_text("待发送")
    assert not Need.objects.filter(person=wang).exists()

    page.context.set_offline(False)
    expect(main.locator("[data-state=saved]")).to_have_count(1)
    assert list(Need.objects.filter(person=wang).values_list("category", flat=True)) == ["medical"]
