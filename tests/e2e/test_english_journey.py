"""Issue 15 acceptance 2: the main loop in English, with no Chinese outside names and addresses.

A caseworker and a charity worker whose browsers ask for English (and whose accounts keep English
for e-mails) walk the loop: refer from the need's page, the charity is told and opens the referral
from its notification, accepts, starts and reports back; the caseworker reads the notification and
the ledger. Every page on the way is read whole (menus, footer, messages): once the names of people,
organizations and places and the texts people typed are taken out, no Chinese character is left.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from cases.models import Referral, ReferralStatus
from core.models import Organization, Region
from tests.conftest import World
from tests.e2e.browser import DESK
from tests.e2e.conftest import TIMEOUT_MS, screenshot
from tests.factories import PASSWORD, make_assistance_record, make_consent, make_need, make_person

# Han characters and the full-width punctuation that comes with Chinese sentences.
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff01-\uff0f\uff1a-\uff20]+")
NEED_TEXT = "慢性病长期服药，药费负担重"
REASON = "低保户，药费负担重"


@pytest.fixture
def english_page(chromium: Browser, live_server: Any) -> Iterator[Any]:
    contexts = []

    def make() -> Page:
        context = chromium.new_context(
            base_url=live_server.url, locale="en-US", timezone_id="Asia/Shanghai", viewport=DESK
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def names_and_addresses(*typed: str) -> list[str]:
    """What may stay Chinese: names of people, organizations and places, and texts people typed."""
    words = {
        *Organization.objects.values_list("name", flat=True),
        *Region.objects.values_list("name", flat=True),
        *User.objects.exclude(full_name="").values_list("full_name", flat=True),
        *typed,
        "简体中文",  # the language switch names each language in itself
    }
    from beneficiaries.models import Person

    for person in Person.objects.all():
        words.update({person.name, person.address or ""})
    return sorted((w for w in words if w), key=len, reverse=True)  # longest first: 延川县民政局 before 延川县


def chinese_left(page: Page, allowed: list[str]) -> list[str]:
    text = page.locator("body").inner_text()
    for word in allowed:
        text = text.replace(word, " ")
    return [text[max(0, m.start() - 30) : m.end() + 30].replace("\n", " ") for m in CHINESE.finditer(text)]


def assert_english(page: Page, allowed: list[str]) -> None:
    left = chinese_left(page, allowed)
    assert not left, f"{page.url}: Chinese outside names and addresses: {left}"


def sign_in_english(page: Page, user: User) -> None:
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile(f"^Hello, {user.full_name}"))).to_be_visible()


def test_the_main_loop_in_english(english_page: Any, world: World, caseworker: User, charity_staff: User) -> None:
    for user in (caseworker, charity_staff):
        user.language = "en"
        user.save(update_fields=["language"])
    person = make_person(world.our_village, name="李桂兰", born=date(1948, 9, 2), phone="13912345678")
    make_consent(person, organization=world.charity, fields=["name", "phone", "address"])
    need = make_need(person, category="medical", urgency="urgent", description=NEED_TEXT)
    make_assistance_record(person, world.bureau, programme="dibao", amount="620.00")
    allowed = names_and_addresses(NEED_TEXT, REASON)

    # The caseworker refers her from her need's page.
    office = english_page()
    sign_in_english(office, caseworker)
    assert_english(office, allowed)
    desk = office.get_by_role("main")
    office.goto(f"/register/persons/{person.pk}/")
    assert_english(office, allowed)
    office.goto("/register/needs/")
    assert_english(office, allowed)
    office.goto(f"/register/needs/{need.pk}/")
    assert_english(office, allowed)
    desk.get_by_role("link", name="Refer", exact=True).click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("李桂兰")
    assert_english(office, allowed)
    desk.get_by_role("combobox", name=re.compile("^Refer to")).select_option(label=world.charity.name)
    expect(desk.get_by_role("checkbox", name=re.compile(r"^Medical · "))).to_be_checked()
    desk.get_by_role("textbox", name=re.compile("^Why this referral")).fill(REASON)
    desk.get_by_role("button", name="Save and send").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Sent")
    assert_english(office, allowed)
    referral = Referral.objects.get(person=person)

    # The charity worker hears of it in English and opens it from the notification.
    charity = english_page()
    sign_in_english(charity, charity_staff)
    assert_english(charity, allowed)
    charity.goto("/cases/")
    assert_english(charity, allowed)
    charity.goto("/cases/notifications/")
    inbox = charity.get_by_role("main")
    expect(inbox).to_contain_text(f"Referral {referral.reference}: new referral from {world.bureau.name}")
    assert_english(charity, allowed)
    inbox.get_by_role("button", name="Open").first.click()
    main = charity.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_contain_text(referral.reference)
    assert_english(charity, allowed)
    main.get_by_role("button", name="Accept", exact=True).click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("Accepted")
    assert_english(charity, allowed)
    main.get_by_role("button", name="Start helping").click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("In progress")
    main.get_by_role("combobox", name=re.compile("^Outcome")).select_option(label="Helped")
    main.get_by_role("spinbutton", name=re.compile(r"^Amount given \(yuan\)")).fill("6000")
    main.get_by_label(re.compile("^Helped on")).fill(timezone.localdate().isoformat())
    main.get_by_role("button", name="Save feedback").click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("Completed")
    assert_english(charity, allowed)
    charity.goto(f"/cases/{referral.pk}/print/")
    assert_english(charity, allowed)

    # The caseworker reads the feedback in English and sees it on the ledger.
    office.goto("/cases/notifications/")
    expect(office.get_by_role("main")).to_contain_text(f"{world.charity.name} reported: Helped")
    assert_english(office, allowed)
    office.goto(f"/cases/{referral.pk}/")
    assert_english(office, allowed)
    desk.get_by_role("link", name=re.compile("ledger", re.I)).first.click()
    expect(desk.get_by_role("row", name=re.compile("李桂兰.*6000"))).to_be_visible()
    expect(desk.get_by_role("row", name=re.compile("李桂兰.*Government assistance.*620"))).to_be_visible()
    assert_english(office, allowed)
    office.goto(f"/cases/ledger/?person={person.pk}&print=1")
    assert_english(office, allowed)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED
    screenshot(office, "english-main-loop")
