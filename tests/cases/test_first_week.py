"""Issue 15, what a caseworker meets in the first week: refer from where they are, a referral form
whose needs can be told apart and whose resources belong to the chosen charity, no duplicate records
from a repeated need or a Back + resubmit, and a charity inbox whose person column is never blank."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import Need
from cases.models import Referral
from tests.cases.conftest import Case
from tests.conftest import World
from tests.factories import ResourceFactory, make_consent, make_need, make_person
from tests.factories.cases import make_referral

REFER_BUTTON = re.compile(r'<a class="button[^"]*" href="/cases/new/\?person=(\d+)(?:&amp;need=(\d+))?"[^>]*>转介</a>')


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- 1. a 转介 button on the person's and the need's page ------------------------------------
def test_a_caseworker_refers_from_the_persons_page_and_from_the_needs_page(
    client: Client, case: Case, caseworker: User
) -> None:
    client.force_login(caseworker)
    person_page = page(client, f"/register/persons/{case.person.pk}/")
    assert [m.groups() for m in REFER_BUTTON.finditer(person_page)] == [(str(case.person.pk), None)]

    need_page = page(client, f"/register/needs/{case.need.pk}/")
    assert [m.groups() for m in REFER_BUTTON.finditer(need_page)] == [(str(case.person.pk), str(case.need.pk))]

    form = page(client, f"/cases/new/?person={case.person.pk}&need={case.need.pk}")
    assert "将 王秀英 转介至慈善组织" in form
    assert re.search(rf'<input[^>]*value="{case.need.pk}"[^>]*checked', form), "the need is pre-ticked"


@pytest.mark.parametrize("who", ["station_worker", "supervisor"])
def test_roles_that_may_not_refer_see_no_refer_button(
    request: pytest.FixtureRequest, client: Client, case: Case, who: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    assert not REFER_BUTTON.search(page(client, f"/register/persons/{case.person.pk}/"))
    assert not REFER_BUTTON.search(page(client, f"/register/needs/{case.need.pk}/"))
    assert client.get(f"/cases/new/?person={case.person.pk}").status_code == 403


# --- 2. needs told apart; resources of the chosen charity only ---------------------------------
def test_the_referral_form_tells_two_needs_of_one_category_apart(client: Client, case: Case, caseworker: User) -> None:
    make_need(
        case.person,
        category="medical",
        description="白内障手术后需要复查，自付部分约三千元，家中无力承担，老伴也需要长期服药照顾",
    )
    client.force_login(caseworker)
    form = page(client, f"/cases/new/?person={case.person.pk}")
    labels = re.findall(r'<input type="checkbox" name="needs"[^>]*> <span>([^<]+)</span>', form)
    today = timezone.localdate().isoformat()
    assert sorted(label.strip() for label in labels) == sorted(
        [
            f"医疗 · 登记于 {today} · 住院自付费用高",
            f"医疗 · 登记于 {today} · 白内障手术后需要复查，自付部分约三千元，家中无力承担，老伴也…",
        ]
    ), labels


def test_the_resource_list_follows_the_chosen_charity_and_refuses_another_ones(
    client: Client, world: World, case: Case, caseworker: User
) -> None:
    ours = ResourceFactory.create(organization=world.charity, name="大病救助金")
    theirs = ResourceFactory.create(organization=case.third_charity, name="红十字助医项目")
    client.force_login(caseworker)
    listed = page(client, f"/cases/new/?person={case.person.pk}&to={world.charity.pk}")
    assert "延川县慈善协会 · 大病救助金" in listed and "红十字助医项目" not in listed

    before = Referral.objects.count()
    response = client.post(
        "/cases/new/",
        {"person": case.person.pk, "to_organization": world.charity.pk, "resource": theirs.pk, "then": "draft"},
    )
    assert response.status_code == 200 and Referral.objects.count() == before
    text = response.content.decode()
    assert (
        "红十字助医项目 是 延川县红十字会 的资源，不属于 延川县慈善协会：请选择 延川县慈善协会 的资源，或不选资源。"
        in text
    )
    assert "大病救助金" in text and f'<option value="{theirs.pk}"' not in text  # the list now follows the charity

    response = client.post(
        "/cases/new/",
        {"person": case.person.pk, "to_organization": world.charity.pk, "resource": ours.pk, "then": "draft"},
    )
    assert (
        response.status_code == 302 and Referral.objects.get(pk__gt=0, resource=ours).to_organization == world.charity
    )


# --- 3. a repeated need asks first; Back + resubmit saves once ---------------------------------
def token_of(html: str) -> str:
    found = re.search(r'<input type="hidden" name="form_token" value="([^"]+)"', html)
    assert found, "the form carries a one-time token"
    return found.group(1)


def need_post(person_id: int, token: str, **extra: str) -> dict[str, object]:
    return {
        "person": person_id,
        "category": "medical",
        "urgency": "routine",
        "description": "又一次住院，自付部分较多",
        "source": "visit",
        "form_token": token,
        **extra,
    }


def test_a_need_repeating_an_open_one_asks_before_it_is_saved(client: Client, case: Case, station_worker: User) -> None:
    client.force_login(station_worker)
    token = token_of(page(client, f"/register/needs/new/?person={case.person.pk}"))
    before = Need.objects.filter(person=case.person).count()

    asked = client.post("/register/needs/new/", need_post(case.person.pk, token))
    assert asked.status_code == 200 and Need.objects.filter(person=case.person).count() == before
    text = asked.content.decode()
    assert "王秀英 已有同类未办结的需求" in text and "王秀英 未办结的同类需求" in text
    logged = timezone.localtime(case.need.created_at).strftime("%Y-%m-%d")
    assert re.search(rf">{logged}</a> · [^<·]+ · 住院自付费用高</li>", text), (
        "the open need is listed by date and description"
    )
    assert "记录为新需求" in text and token_of(text) == token

    saved = client.post("/register/needs/new/", need_post(case.person.pk, token, confirm_new="on"), follow=True)
    assert "已为 王秀英 登记需求。" in saved.content.decode()
    assert Need.objects.filter(person=case.person).count() == before + 1


def test_another_category_is_saved_without_a_question(client: Client, case: Case, station_worker: User) -> None:
    client.force_login(station_worker)
    token = token_of(page(client, f"/register/needs/new/?person={case.person.pk}"))
    response = client.post("/register/needs/new/", need_post(case.person.pk, token, category="care"))
    assert response.status_code == 302 and case.person.needs.filter(category="care").count() == 1


def test_back_and_resubmit_of_the_need_form_saves_one_need(client: Client, case: Case, station_worker: User) -> None:
    client.force_login(station_worker)
    token = token_of(page(client, f"/register/needs/new/?person={case.person.pk}"))
    first = client.post("/register/needs/new/", need_post(case.person.pk, token, category="care"))
    assert first.status_code == 302
    again = client.post("/register/needs/new/", need_post(case.person.pk, token, category="care"), follow=True)
    assert case.person.needs.filter(category="care").count() == 1
    need = case.person.needs.get(category="care")
    assert again.redirect_chain[-1][0] == f"/register/needs/{need.pk}/"
    assert "这条需求已经保存过了" in again.content.decode()
    # a fresh page (a new token) still logs a further need, after the question
    fresh = token_of(page(client, f"/register/needs/new/?person={case.person.pk}"))
    assert fresh != token
    client.post("/register/needs/new/", need_post(case.person.pk, fresh, category="care", confirm_new="on"))
    assert case.person.needs.filter(category="care").count() == 2


def test_back_and_resubmit_of_the_referral_form_saves_one_referral(
    client: Client, world: World, case: Case, caseworker: User
) -> None:
    client.force_login(caseworker)
    token = token_of(page(client, f"/cases/new/?person={case.person.pk}&need={case.need.pk}"))
    data = {
        "person": case.person.pk,
        "to_organization": world.charity.pk,
        "needs": [case.need.pk],
        "then": "draft",
        "form_token": token,
    }
    assert client.post("/cases/new/", data).status_code == 302
    again = client.post("/cases/new/", data, follow=True)
    referrals = Referral.objects.filter(person=case.person)
    assert referrals.count() == 1
    assert again.redirect_chain[-1][0] == f"/cases/{referrals.get().pk}/"
    assert "这条转介已经保存过了" in again.content.decode()


# --- 4. the charity's inbox names the person it may name, and the reference otherwise -------------
def test_the_charitys_inbox_shows_the_consented_name_or_the_reference(
    client: Client, world: World, case: Case, caseworker: User, charity_staff: User
) -> None:
    named = make_referral(
        person=case.person, from_organization=world.bureau, to_organization=world.charity, consent=case.consent
    )
    other = make_person(world.our_village, name="李桂兰", born=date(1948, 6, 1))
    unnamed = make_referral(
        person=other,
        from_organization=world.bureau,
        to_organization=world.charity,
        consent=make_consent(other, fields=["phone", "address"]),
    )
    client.force_login(charity_staff)
    text = page(client, "/cases/?tab=incoming")
    assert "查看转介" not in text and "李桂兰" not in text
    rows = dict(
        re.findall(r'<a href="/cases/(\d+)/">ZJ\d+</a>.*?<td data-label="人员信息">\s*(.*?)<br>', text, flags=re.S)
    )
    assert rows[str(named.pk)].strip() == "王秀英"
    assert rows[str(unnamed.pk)].strip() == f"转介 {unnamed.reference}"
    assert "未授权向本组织提供姓名" in text

    case.consent.revoked_at = timezone.now()
    case.consent.status = "revoked"
    case.consent.save(update_fields=["revoked_at", "status"])
    # a revoked consent hides the name at once (the referral itself may linger until the job withdraws it)
    assert "王秀英" not in page(client, "/cases/?tab=incoming")


def test_a_double_tap_reaching_the_server_twice_saves_one_need(
    client: Client, case: Case, station_worker: User
) -> None:
    from core import form_tokens

    client.force_login(station_worker)
    token = token_of(page(client, f"/register/needs/new/?person={case.person.pk}"))
    assert form_tokens.claim(token)  # the first tap, still being saved when the second arrives
    second = client.post("/register/needs/new/", need_post(case.person.pk, token, category="care"), follow=True)
    assert case.person.needs.filter(category="care").count() == 0
    assert "这条需求已经保存过了" in second.content.decode()
    form_tokens.release(token)  # the first tap failed after all: the page may be sent again
    assert client.post("/register/needs/new/", need_post(case.person.pk, token, category="care")).status_code == 302
    assert case.person.needs.filter(category="care").count() == 1
