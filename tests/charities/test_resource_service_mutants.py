"""Tests written for mutants of ``resource_create``, ``resource_update`` and ``resource_set_status``
(charities/services/resources.py) that survived ``make mutation`` (docs/testing.md): places and
budget left after an edit (SPEC rule 15), the status a resource ends up in when it is published,
edited or moved, the refusals' Chinese texts, and the audit entry of each change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from accounts.models import User
from audit.models import AuditAction, AuditEntry
from charities.models import Resource, ResourceStatus, ResourceUsage, UsageKind
from charities.services import (
    ResourceData,
    resource_check,
    resource_create,
    resource_recount_help,
    resources_create_many,
)
from tests.conftest import OUR_COUNTY, World, api_as
from tests.factories import DeliveryFactory, ResourceFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/resources/"


def _new(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "助学金",
        "kind": "project",
        "form": "money",
        "categories": ["education"],
        "service_regions": [OUR_COUNTY],
        "capacity": {"people": 10, "amount": "20000.00"},
        **overrides,
    }


def _ours(world: World, **fields: Any) -> Resource:
    """Our charity's resource: 10 places and 10,000 yuan unless told otherwise."""
    return ResourceFactory.create(**{"organization": world.charity, "name": "大病医疗救助专项基金", **fields})


def _patch(user: User, resource: Resource, body: dict[str, Any]) -> Any:
    return api_as(user).patch(f"{API}{resource.pk}/", body, format="json")


def _audit(resource: Resource, action: str) -> list[tuple[Any, dict[str, Any]]]:
    entries = AuditEntry.objects.filter(target_type="charities.resource", target_id=str(resource.pk), action=action)
    return [(entry.actor, entry.changes) for entry in entries.order_by("id")]


# --- resource_create ------------------------------------------------------------------------------
def test_a_government_office_keeps_no_supply_list_and_the_administrator_is_told_so_in_chinese(
    admin_user: User, world: World
) -> None:
    response = api_as(admin_user).post(API, _new(organization=world.bureau.pk), format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"organization": ["只有慈善组织等供给方才能登记供给资源。"]}
    assert not Resource.objects.exists()


def test_a_resource_a_second_caller_creates_stays_a_draft_unless_published(world: World, charity_staff: User) -> None:
    data = ResourceData(
        name="冬季取暖煤", kind="goods", form="goods", categories=["goods"], service_region_codes=[OUR_COUNTY]
    )
    resource = resource_create(organization=world.charity, data=data, by=charity_staff)
    assert (resource.status, resource.created_by) == (ResourceStatus.DRAFT, charity_staff)


@pytest.mark.parametrize(("people", "status"), [(0, "full"), (1, "open"), (None, "open")])
def test_a_resource_published_without_places_is_listed_as_full(
    charity_staff: User, world: World, people: int | None, status: str
) -> None:
    response = api_as(charity_staff).post(API, _new(status="open", capacity={"people": people}), format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["capacity_left"]["people"]) == (status, people)


def test_a_new_resource_is_audited_with_who_added_it_and_its_status(charity_staff: User, world: World) -> None:
    response = api_as(charity_staff).post(API, _new(status="open"), format="json")
    resource = Resource.objects.get(pk=response.json()["id"])
    assert resource.created_by == charity_staff
    assert _audit(resource, AuditAction.CREATE) == [(charity_staff, {"status": "open"})]


# --- resource_update: places and budget left (SPEC rule 15) -------------------------------------
def test_raising_the_places_of_a_resource_nobody_took_a_place_of_leaves_them_all(
    charity_staff: User, world: World
) -> None:
    resource = _ours(world)
    response = _patch(charity_staff, resource, {"capacity": {"people": 12}})
    assert response.status_code == 200, response.content
    assert response.json()["capacity_left"] == {"people": 12, "amount": "10000.00"}


def test_a_resource_without_a_place_limit_or_budget_is_edited_and_stays_unlimited(
    charity_staff: User, world: World
) -> None:
    resource = _ours(world, capacity_people=None, capacity_amount=None, form="service", kind="service")
    response = _patch(charity_staff, resource, {"name": "心理慰藉服务"})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["capacity_left"]) == (
        "心理慰藉服务",
        {"people": None, "amount": None},
    )


def test_a_budget_given_to_a_resource_that_had_none_is_all_left(charity_staff: User, world: World) -> None:
    resource = _ours(world, capacity_amount=None)
    response = _patch(charity_staff, resource, {"capacity": {"amount": "5000.00"}})
    assert response.status_code == 200, response.content
    assert response.json()["capacity_left"]["amount"] == "5000.00"
    resource.refresh_from_db()
    assert resource.amount_left == Decimal("5000.00")


# --- resource_update: the status after an edit ---------------------------------------------------
def test_more_places_reopen_a_full_resource(charity_staff: User, world: World) -> None:
    resource = _ours(world, people_left=0, status=ResourceStatus.FULL)
    response = _patch(charity_staff, resource, {"capacity": {"people": 12}})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["capacity_left"]["people"]) == ("open", 2)


def test_a_full_resource_edited_with_nothing_more_to_give_stays_full(charity_staff: User, world: World) -> None:
    resource = _ours(world, people_left=0, status=ResourceStatus.FULL)
    response = _patch(charity_staff, resource, {"name": "大病医疗救助专项基金（二期）"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "full"


def test_places_cut_to_those_taken_fill_an_open_resource(charity_staff: User, world: World) -> None:
    resource = _ours(world, people_left=7)  # 3 of 10 taken
    response = _patch(charity_staff, resource, {"capacity": {"people": 3}})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["capacity_left"]["people"]) == ("full", 0)


@pytest.mark.parametrize("status", [ResourceStatus.DRAFT, ResourceStatus.PAUSED])
def test_an_edit_never_opens_or_fills_a_resource_its_charity_has_not_opened(
    charity_staff: User, world: World, status: str
) -> None:
    resource = _ours(world, people_left=7, status=status)
    assert _patch(charity_staff, resource, {"name": "改名后的基金"}).json()["status"] == status
    response = _patch(charity_staff, resource, {"capacity": {"people": 3}})  # nothing left now
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["capacity_left"]["people"]) == (status, 0)


def test_an_edit_is_audited_with_who_changed_which_fields(charity_staff: User, world: World) -> None:
    resource = _ours(world)
    response = _patch(charity_staff, resource, {"name": "改名后的基金", "capacity": {"people": 12}})
    assert response.status_code == 200, response.content
    assert _audit(resource, AuditAction.CHANGE) == [(charity_staff, {"fields": ["capacity_people", "name"]})]


# --- resource_set_status --------------------------------------------------------------------------
def test_a_refused_status_change_names_both_statuses_in_chinese(charity_staff: User, world: World) -> None:
    resource = _ours(world, status=ResourceStatus.CLOSED)
    response = _patch(charity_staff, resource, {"status": "open"})
    assert response.status_code == 409
    assert response.json() == {"detail": "处于“已结束”状态的资源不能改为“开放中”。", "code": "resource_status"}


@pytest.mark.parametrize(
    ("posted", "message"),
    [("full", "处于“开放中”状态的资源不能改为“已满额”。"), ("finished", "处于“开放中”状态的资源不能改为“finished”。")],
)
def test_the_page_refuses_a_status_a_user_may_not_set_in_chinese(
    client: Client, charity_staff: User, world: World, posted: str, message: str
) -> None:
    resource = _ours(world)
    client.force_login(charity_staff)
    response = client.post(f"/supply/{resource.pk}/status/", {"status": posted}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [message]
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.OPEN


@pytest.mark.parametrize(("people_left", "status"), [(0, "full"), (4, "open")])
def test_opening_a_resource_with_no_places_left_lists_it_as_full(
    charity_staff: User, world: World, people_left: int, status: str
) -> None:
    resource = _ours(world, people_left=people_left, status=ResourceStatus.PAUSED)
    response = _patch(charity_staff, resource, {"status": "open"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    assert _audit(resource, AuditAction.STATUS) == [(charity_staff, {"from": "paused", "to": status})]


@pytest.mark.parametrize("status", ["paused", "closed"])
def test_a_full_resource_is_paused_or_closed_as_its_charity_says(
    charity_staff: User, world: World, status: str
) -> None:
    resource = _ours(world, people_left=0, status=ResourceStatus.FULL)
    response = _patch(charity_staff, resource, {"status": status})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    assert _audit(resource, AuditAction.STATUS) == [(charity_staff, {"from": "full", "to": status})]


# --- resource_recount_help: the figures of help given, from the delivery records -----------------
def test_a_recount_counts_each_resources_own_deliveries_and_only_the_resources_named(world: World) -> None:
    helped, untouched, never_used = (_ours(world, name=name) for name in ("助医金", "助学金", "取暖煤"))
    DeliveryFactory.create_batch(2, resource=helped, amount=Decimal("250"))
    DeliveryFactory.create(resource=untouched, amount=Decimal("100"))
    ResourceUsage.objects.create(
        resource=helped, kind=UsageKind.RESERVATION, people=1, amount=Decimal("900"), occurred_at=timezone.now()
    )
    Resource.objects.update(people_helped=7, amount_delivered=Decimal("7"), deliveries=7)  # figures gone stale
    assert resource_recount_help(resource_ids=[helped.pk, never_used.pk]) == 2
    figures = {r.name: (r.people_helped, r.amount_delivered, r.deliveries) for r in Resource.objects.all()}
    assert figures == {
        "助医金": (2, Decimal("500.00"), 2),
        "助学金": (7, Decimal("7.00"), 7),  # not named: left as it was
        "取暖煤": (0, Decimal("0.00"), 0),
    }
    assert resource_recount_help() == 3
    assert Resource.objects.get(pk=untouched.pk).amount_delivered == Decimal("100.00")


# --- _clean_lists and _is_exhausted -------------------------------------------------------------
def test_a_new_resource_keeps_its_name_and_lists_as_meant_not_as_typed(charity_staff: User, world: World) -> None:
    data = ResourceData(
        name="  助学金  ",
        kind="project",
        form="money",
        categories=["education", "education"],
        assistance_statuses=["dibao", "dibao"],
        vulnerabilities=["minor", "minor"],
        conditions=[" 在校学生 ", "  ", "在校学生"],
        service_region_codes=[OUR_COUNTY],
    )
    resource = resource_create(organization=world.charity, data=data, by=charity_staff)
    resource.refresh_from_db()
    assert (resource.name, resource.categories) == ("助学金", ["education"])
    assert (resource.assistance_statuses, resource.vulnerabilities) == (["dibao"], ["minor"])
    assert resource.conditions == ["在校学生", "在校学生"]


@pytest.mark.parametrize(
    ("people_left", "amount_left", "status"),
    [(5, Decimal("0"), "full"), (5, Decimal("1"), "open"), (1, None, "open")],
)
def test_a_resource_whose_budget_is_spent_is_full_however_many_places_it_has(
    charity_staff: User, world: World, people_left: int, amount_left: Decimal | None, status: str
) -> None:
    resource = _ours(world, people_left=people_left, amount_left=amount_left, status=ResourceStatus.PAUSED)
    if amount_left is None:
        Resource.objects.filter(pk=resource.pk).update(capacity_amount=None)
    response = _patch(charity_staff, resource, {"status": "open"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status


# --- resources_create_many: the supply-list import as a second caller --------------------------
def _row(name: str, people: int | None, **fields: Any) -> ResourceData:
    return ResourceData(name=name, kind="fund", form="money", categories=["medical"], capacity_people=people, **fields)


def test_an_import_publishes_each_resource_open_or_full_with_its_regions_and_audits_who_imported_it(
    charity_staff: User, world: World
) -> None:
    items = [
        (world.charity, _row("助医金", 0, designated_county_codes=[OUR_COUNTY]), True),
        (world.charity, _row("助学金", 1, service_region_codes=[world.our_township.code]), True),
        (world.charity, _row("取暖煤", 5, service_region_codes=[OUR_COUNTY]), False),
    ]
    assert resources_create_many(items=items, by=charity_staff) == 3  # no region table given: it reads its own
    made = {r.name: r for r in Resource.objects.all()}
    assert {name: r.status for name, r in made.items()} == {"助医金": "full", "助学金": "open", "取暖煤": "draft"}
    assert [r.code for r in made["助医金"].designated_counties.all()] == [OUR_COUNTY]
    assert [r.code for r in made["助学金"].service_regions.all()] == [world.our_township.code]
    assert {r.created_by for r in made.values()} == {charity_staff}
    entries = AuditEntry.objects.filter(action=AuditAction.IMPORT, target_type="charities.resource")
    assert sorted((e.actor, e.target_id) for e in entries) == sorted((charity_staff, str(r.pk)) for r in made.values())


def test_an_import_for_a_government_office_is_refused_in_chinese_and_adds_nothing(
    admin_user: User, world: World
) -> None:
    items = [
        (world.charity, _row("助医金", 3, service_region_codes=[OUR_COUNTY]), True),
        (world.bureau, _row("临时救助金", 3, service_region_codes=[OUR_COUNTY]), True),
    ]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        resources_create_many(items=items, by=admin_user)
    assert refused.value.message_dict == {"organization": ["只有慈善组织等供给方才能登记供给资源。"]}
    assert not Resource.objects.exists()


# --- _validate_resource: what the import's row check says (a second caller) --------------------
@pytest.mark.parametrize(
    ("fields", "refusals"),
    [
        (
            {"name": "  ", "kind": "loan", "form": "cash", "categories": []},
            {
                "name": ["请填写供给资源名称。"],
                "kind": ["请选择类型：慈善项目、专项基金、服务或物资。"],
                "form": ["请选择帮扶形式：资金、物资或服务。"],
                "categories": ["请至少选择一个该资源可满足的需求类别。"],
            },
        ),
        ({"name": "助" * 201}, {"name": ["名称超过200个字符。"]}),
    ],
)
def test_the_row_check_names_each_wrong_field_in_chinese(
    world: World, fields: dict[str, Any], refusals: dict[str, list[str]]
) -> None:
    data = _row("助医金", 3, service_region_codes=[OUR_COUNTY])
    for name, value in fields.items():
        setattr(data, name, value)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        resource_check(data=data)
    assert refused.value.message_dict == refusals


def test_a_name_of_exactly_200_characters_passes_the_row_check(world: World) -> None:
    resource_check(data=_row("助" * 200, 3, service_region_codes=[OUR_COUNTY]))
