"""登记在册 on the page of a charity's referral to government (issue #15): the office sees who in
the register may be the same person, confirms a new person or links the existing one, and a Back +
resubmit registers once."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from beneficiaries.models import Person
from cases.models import Referral
from core.models import Region
from tests.conftest import World, api_as
from tests.factories import make_person, valid_id_number

pytestmark = pytest.mark.django_db

NUMBER = valid_id_number(date(1975, 6, 1))


def _accepted_referral(charity_staff: User, caseworker: User, world: World, name: str = "赵大勇") -> Referral:
    created = api_as(charity_staff).post(
        "/api/v1/referrals/",
        {
            "direction": "to_government",
            "person_details": {"name": name, "id_number": NUMBER, "region": world.our_village.code},
            "to_organization": world.bureau.pk,
            "note": "失业后无收入，可能符合低保条件",
        },
        format="json",
    )
    referral_id = created.json()["id"]
    assert api_as(charity_staff).post(f"/api/v1/referrals/{referral_id}/send/").status_code == 200
    assert api_as(caseworker).post(f"/api/v1/referrals/{referral_id}/accept/").status_code == 200
    return Referral.objects.get(pk=referral_id)


def _browser(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _token(page: str) -> str:
    return page.split('name="form_token" value="')[1].split('"')[0]


def test_the_office_sees_who_may_already_be_registered(charity_staff, caseworker, world):
    registered = make_person(world.our_village, name="赵大勇", born=date(1975, 6, 1))
    referral = _accepted_referral(charity_staff, caseworker, world)
    page = _browser(caseworker).get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()
    assert "登记在册" in page and "以下已登记人员可能是同一人" in page
    assert "赵*勇" in page  # the name masked as the register lists it
    assert "赵大勇" not in page.split("以下已登记人员可能是同一人")[1].split("登记为新人员")[0]
    assert registered.household.register_number in page and world.our_village.name in page
    assert "我已核对：此人不是上面列出的任何已登记人员" in page


def test_registering_without_confirming_is_refused_in_chinese(charity_staff, caseworker, world):
    referral = _accepted_referral(charity_staff, caseworker, world)
    browser = _browser(caseworker)
    token = _token(browser.get(reverse("cases:referral_detail", args=[referral.pk])).content.decode())
    answer = browser.post(
        reverse("cases:referral_register_person", args=[referral.pk]), {"form_token": token}, follow=True
    )
    assert "请确认此人为新人员，或改为关联已登记人员。" in answer.content.decode()
    assert not Person.objects.exists()


def test_the_caseworker_registers_the_person_once_even_after_back_and_resubmit(charity_staff, caseworker, world):
    referral = _accepted_referral(charity_staff, caseworker, world)
    browser = _browser(caseworker)
    detail = reverse("cases:referral_detail", args=[referral.pk])
    token = _token(browser.get(detail).content.decode())
    url = reverse("cases:referral_register_person", args=[referral.pk])
    answer = browser.post(url, {"form_token": token, "confirm_new": "on"}, follow=True).content.decode()
    person = Person.objects.get()
    assert f"已登记在册（户编号 {person.household.register_number}）" in answer
    assert "登记为新人员" not in answer  # the box is gone: the referral names the person now
    assert (person.name, person.region_id) == ("赵大勇", world.our_village.code)
    again = browser.post(url, {"form_token": token, "confirm_new": "on"}, follow=True).content.decode()
    assert "此人已登记在册。" in again
    assert Person.objects.count() == 1
    referral.refresh_from_db()
    assert referral.person_id == person.pk


def test_a_second_register_without_the_token_is_refused_by_the_service(charity_staff, caseworker, world):
    referral = _accepted_referral(charity_staff, caseworker, world)
    browser = _browser(caseworker)
    url = reverse("cases:referral_register_person", args=[referral.pk])
    browser.post(url, {"confirm_new": "on"})
    answer = browser.post(url, {"confirm_new": "on"}, follow=True).content.decode()
    assert Person.objects.count() == 1
    assert "此转介已关联名册中的人员。" in answer


def test_only_the_receiving_office_sees_and_uses_register(charity_staff, caseworker, other_county_caseworker, world):
    referral = _accepted_referral(charity_staff, caseworker, world)
    url = reverse("cases:referral_register_person", args=[referral.pk])
    charity_page = _browser(charity_staff).get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()
    assert "登记为新人员" not in charity_page
    assert _browser(charity_staff).post(url, {"confirm_new": "on"}).status_code == 403
    assert _browser(other_county_caseworker).post(url, {"confirm_new": "on"}).status_code == 404
    assert not Person.objects.exists()


def test_in_english_the_register_box_has_no_chinese_but_the_records(charity_staff, caseworker, world):
    referral = _accepted_referral(charity_staff, caseworker, world)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(caseworker)
    page = browser.get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()
    box = page.split("<summary>Enter in the register</summary>")[1].split("</details>")[0]
    assert "Register as a new person" in box and "I have checked" in box
    assert not re.search(r"[\u4e00-\u9fff]", box), box


def test_the_caseworker_registers_the_person_into_a_registered_household(charity_staff, caseworker, world):
    mother = make_person(world.our_village, name="赵母", born=date(1950, 1, 1))
    referral = _accepted_referral(charity_staff, caseworker, world)
    browser = _browser(caseworker)
    page = browser.get(reverse("cases:referral_detail", args=[referral.pk])).content.decode()
    assert "加入已登记的家庭（户编号）" in page and "与户主关系" in page
    number = mother.household.register_number
    answer = browser.post(
        reverse("cases:referral_register_person", args=[referral.pk]),
        {"form_token": _token(page), "confirm_new": "on", "household": f" {number} ", "relation": "child"},
        follow=True,
    ).content.decode()
    person = Person.objects.get(name="赵大勇")
    assert (person.household_id, person.relation) == (mother.household_id, "child")
    assert f"已登记在册（户编号 {number}）" in answer


def test_a_household_outside_the_office_or_with_its_head_taken_is_refused_and_nothing_is_registered(
    charity_staff, caseworker, world
):
    elsewhere = make_person(Region.objects.get(code="610621001000"), name="外县户主", born=date(1960, 1, 1))
    head = make_person(world.our_village, name="本村户主", born=date(1955, 1, 1))
    referral = _accepted_referral(charity_staff, caseworker, world)
    browser = _browser(caseworker)
    detail = reverse("cases:referral_detail", args=[referral.pk])
    url = reverse("cases:referral_register_person", args=[referral.pk])
    token = _token(browser.get(detail).content.decode())
    number = elsewhere.household.register_number
    answer = browser.post(
        url, {"form_token": token, "confirm_new": "on", "household": number, "relation": "child"}, follow=True
    ).content.decode()
    assert f"本辖区没有户编号为 {number} 的已登记家庭。" in answer
    answer = browser.post(
        url,
        {"form_token": token, "confirm_new": "on", "household": head.household.register_number, "relation": "head"},
        follow=True,
    ).content.decode()
    assert "该户已有户主。" in answer
    assert not Person.objects.filter(name="赵大勇").exists()
    # The refused tries gave the token back: the corrected form registers.
    browser.post(
        url,
        {"form_token": token, "confirm_new": "on", "household": head.household.register_number, "relation": "spouse"},
    )
    assert Person.objects.get(name="赵大勇").household_id == head.household_id
