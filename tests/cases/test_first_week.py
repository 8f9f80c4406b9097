"""Issue 15, what a caseworker meets in the first week: refer from where they are, a referral form
whose needs can be told apart and whose resources belong to the chosen charity, no duplicate records
from a repeated need or a Back + resubmit, and a charity inbox whose person column is never blank."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from cases.models import Referral
from tests.cases.conftest import Case
from tests.conftest import World
from tests.factories import ResourceFactory, make_need

REFER_BUTTON = re.compile(r'<a class="button[^"]*" href="/cases/new/\?person=(\d+)(?:&amp;need=(\d+))?"[^>]*>转介</a>')


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- 1. a 转介 button on the person's and the need's page ------------------------------------
def test_a_caseworker_refers_from_the_persons_page_and_from_the_needs_page(client: Client, case: Case, caseworker: User) -> None:
    client.force_login(caseworker)
    person_page = page(client, f"/register/persons/{case.person.pk}/")
    assert [m.groups() for m in REFER_BUTTON.finditer(person_page)] == [(str(case.person.pk), None)]

    need_page = page(client, f"/register/needs/{case.need.pk}/")
    assert [m.groups() for m in REFER_BUTTON.finditer(need_page)] == [(str(case.person.pk), str(case.need.pk))]

    form = page(client, f"/cases/new/?person={case.person.pk}&need={case.need.pk}")
    assert "将 王秀英 转介至慈善组织" in form
    assert re.search(rf'<input[^>]*value="{case.need.pk}"[^>]*checked', form), "the need is pre-ticked"


@pytest.mark.parametrize("who", ["station_worker", "supervisor"])
def test_roles_that_may_not_refer_see_no_refer_button(request: pytest.FixtureRequest, client: Client, case: Case, who: str) -> None:
    client.force_login(request.getfixturevalue(who))
    assert not REFER_BUTTON.search(page(client, f"/register/persons/{case.person.pk}/"))
    assert not REFER_BUTTON.search(page(client, f"/register/needs/{case.need.pk}/"))
    assert client.get(f"/cases/new/?person={case.person.pk}").status_code == 403


# --- 2. needs told apart; resources of the chosen charity only ---------------------------------
def test_the_referral_form_tells_two_needs_of_one_category_apart(client: Client, case: Case, caseworker: User) -> None:
    make_need(case.person, category="medical", description="白内障手术后需要复查，自付部分约三千元，家中无力承担，老伴也需要长期服药照顾")
    client.force_login(caseworker)
    form = page(client, f"/cases/new/?person={case.person.pk}")
    labels = re.findall(r'<input type="checkbox" name="needs"[^>]*> <span>([^<]+)</span>', form)
    today = timezone.localdate().isoformat()
    assert sorted(label.strip() for label in labels) == sorted(
        [f"医疗 · 登记于 {today} · 住院自付费用高", f"医疗 · 登记于 {today} · 白内障手术后需要复查，自付部分约三千元，家中无力承担，老伴也…"]
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
    assert "红十字助医项目 是 延川县红十字会 的资源，不属于 延川县慈善协会：请选择 延川县慈善协会 的资源，或不选资源。" in text
    assert "大病救助金" in text and "<option value=\"%d\"" % theirs.pk not in text  # the list now follows the charity

    response = client.post(
        "/cases/new/",
        {"person": case.person.pk, "to_organization": world.charity.pk, "resource": ours.pk, "then": "draft"},
    )
    assert response.status_code == 302 and Referral.objects.get(pk__gt=0, resource=ours).to_organization == world.charity
