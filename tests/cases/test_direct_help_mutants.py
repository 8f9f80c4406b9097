"""Tests written for mutants of cases/services/direct_help.py that survived ``make mutation``
(docs/testing.md): who may record help given directly and who reads it (SPEC rule 16: charity
staff for their organization, offices for their jurisdiction; supervisors read), how a record names
its person (surname only), each refusal by its field in Chinese, what a record keeps, and its audit
entries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from accounts.models import Role, User
from audit.models import AuditEntry
from beneficiaries.models import Person
from cases.models import DirectHelp
from cases.services.direct_help import direct_help_find, direct_help_record, direct_help_visible_to, mask_name
from tests.conftest import World, api_as
from tests.factories import UserFactory, make_person, valid_id_number

pytestmark = pytest.mark.django_db
API = "/api/v1/direct-help/"
TODAY = timezone.localdate()
NOT_A_RECORDER = "只有慈善组织工作人员、民政经办人员和服务站社工可以登记直接帮扶。"
NOBODY = "在您可登记帮扶的名册中没有这个身份证号码的人。如此人可能符合政府救助条件，请将其转介给民政部门。"


@pytest.fixture
def wang(world: World) -> Person:
    number = valid_id_number(date(1958, 4, 9))
    person = make_person(world.our_village, name="王建国", born=date(1958, 4, 9), male=True, id_number=number)
    person.number = number  # type: ignore[attr-defined]  # the card the test holds; the register keeps it encrypted
    return person


@pytest.fixture
def li_in_the_other_county(world: World) -> Person:
    number = valid_id_number(date(1966, 6, 6))
    person = make_person(world.other_county, name="李桂兰", born=date(1966, 6, 6), id_number=number)
    person.number = number  # type: ignore[attr-defined]
    return person


def _body(person: Person, **extra: Any) -> dict[str, Any]:
    return {
        "id_number": person.number,  # type: ignore[attr-defined]
        "kind": "money",
        "amount": "800.00",
        "given_on": TODAY.isoformat(),
        "consent": {"method": "verbal_witnessed", "witness_name": "村主任李明"},
        **extra,
    }


def _record(by: User, person: Person, **extra: Any) -> DirectHelp:
    """The service as a second caller (an import, a script): what the API's serializer does not check."""
    fields: dict[str, Any] = {
        "kind": "money",
        "amount": "800",
        "given_on": TODAY,
        "consent_method": "verbal_witnessed",
        "consent_witness": "村主任李明",
        **extra,
    }
    with translation.override("zh-hans"):
        return direct_help_record(by=by, person=person, **fields)


def _refusals(by: User, person: Person, **extra: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        _record(by, person, **extra)
    assert not DirectHelp.objects.exists()
    return refused.value.message_dict


# --- how a record names its person ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "masked"), [("王建国", "王**"), ("李明", "李*"), ("王", "王*"), ("欧阳建国", "欧***"), ("", "")]
)
def test_a_record_names_its_person_by_the_first_character_only(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_the_api_shows_the_person_masked_and_never_the_id_number(charity_staff: User, wang: Person) -> None:
    response = api_as(charity_staff).post(API, _body(wang), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["person_name_masked"], data["person_id_number_masked"]) == ("王**", wang.id_number_masked)
    assert wang.number not in response.content.decode()  # type: ignore[attr-defined]
    entry = AuditEntry.objects.get(target_type="cases.directhelp", target_id=str(data["id"]))
    assert (entry.actor, entry.path) == (charity_staff, API)  # the audit log says where the record came from


# --- who records ----------------------------------------------------------------------------------
@pytest.fixture
def charity_staff_of_an_office(world: World) -> User:
    return UserFactory.create(username="misfiled", role=Role.CHARITY_STAFF, organization=world.bureau)


@pytest.fixture
def caseworker_without_jurisdiction(world: World) -> User:
    return UserFactory.create(username="nowhere", role=Role.CASEWORKER, organization=world.bureau, jurisdiction=None)


@pytest.mark.parametrize(
    "who", ["supervisor", "admin_user", "charity_staff_of_an_office", "caseworker_without_jurisdiction"]
)
def test_only_charity_staff_caseworkers_and_station_workers_record_and_are_told_so_in_chinese(
    request: pytest.FixtureRequest, wang: Person, who: str
) -> None:
    user = request.getfixturevalue(who)
    response = api_as(user).post(API, _body(wang), format="json")
    assert (response.status_code, response.json()["detail"]) == (403, NOT_A_RECORDER)
    with translation.override("zh-hans"):
        for call in (
            lambda: direct_help_find(by=user, id_number=wang.number),  # type: ignore[attr-defined]
            lambda: _record(user, wang, giver="department"),
        ):
            with pytest.raises(PermissionDenied) as refused:
                call()
            assert str(refused.value) == NOT_A_RECORDER
    assert not DirectHelp.objects.exists()
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_charity_staff_without_an_organization_may_not_record(world: World, wang: Person) -> None:
    loose = UserFactory.create(username="loose", role=Role.CHARITY_STAFF, organization=None)
    assert api_as(loose).post(API, _body(wang), format="json").status_code == 403


@pytest.mark.parametrize("who", ["caseworker", "station_worker"])
def test_an_office_records_its_own_help_unless_it_names_a_pairing_cadre(
    request: pytest.FixtureRequest, wang: Person, who: str
) -> None:
    user = request.getfixturevalue(who)
    response = api_as(user).post(API, _body(wang), format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["giver"], response.json()["helper_name"]) == ("department", "")
    refused = api_as(user).post(API, _body(wang, giver="charity"), format="json")
    assert refused.status_code == 400
    assert refused.json() == {"giver": ["慈善组织工作人员登记本机构的帮扶；民政部门登记本部门或结对帮扶干部的帮扶。"]}


def test_a_charity_records_its_own_help_and_never_a_cadres(charity_staff: User, wang: Person) -> None:
    response = api_as(charity_staff).post(API, _body(wang), format="json")
    assert (response.json()["giver"], response.json()["organization_name"]) == ("charity", "延川县慈善协会")
    refused = api_as(charity_staff).post(API, _body(wang, giver="pairing", helper_name="张卫东"), format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["giver"]


def test_a_pairing_cadre_is_named_and_kept_as_typed(station_worker: User, wang: Person) -> None:
    refused = api_as(station_worker).post(API, _body(wang, giver="pairing", helper_name="  "), format="json")
    assert refused.json() == {"helper_name": ["请填写提供帮扶的结对帮扶干部姓名。"]}
    response = api_as(station_worker).post(API, _body(wang, giver="pairing", helper_name=" 张卫东 "), format="json")
    assert (response.json()["giver"], response.json()["helper_name"]) == ("pairing", "张卫东")


def test_a_second_caller_naming_no_pairing_cadre_is_refused(station_worker: User, wang: Person) -> None:
    assert _refusals(station_worker, wang, giver="pairing") == {"helper_name": ["请填写提供帮扶的结对帮扶干部姓名。"]}


def test_a_helper_name_given_with_the_offices_own_help_is_not_kept(caseworker: User, wang: Person) -> None:
    response = api_as(caseworker).post(API, _body(wang, giver="department", helper_name="张卫东"), format="json")
    assert response.json()["helper_name"] == ""


def test_an_office_is_refused_a_person_outside_its_jurisdiction_even_from_a_second_caller(
    station_worker: User, caseworker: User, li_in_the_other_county: Person
) -> None:
    response = api_as(caseworker).post(API, _body(li_in_the_other_county), format="json")
    assert (response.status_code, response.json()) == (400, {"id_number": [NOBODY]})
    with pytest.raises(PermissionDenied) as refused:
        _record(station_worker, li_in_the_other_county, giver="department")
    assert str(refused.value) == "此人不在您的辖区内。"
    assert not DirectHelp.objects.exists()


def test_a_charity_finds_anyone_on_the_register_by_exact_id_number(
    charity_staff: User, li_in_the_other_county: Person
) -> None:
    with translation.override("zh-hans"):
        found = direct_help_find(by=charity_staff, id_number=li_in_the_other_county.number)  # type: ignore[attr-defined]
    assert (found.person, found.masked_id) == (li_in_the_other_county, li_in_the_other_county.id_number_masked)
    entry = AuditEntry.objects.get(action="reveal")
    assert (entry.actor, entry.target_type, entry.target_id) == (
        charity_staff,
        "beneficiaries.person",
        str(li_in_the_other_county.pk),
    )
    assert (entry.changes, entry.reason) == (
        {"lookup": "direct_help_id_number", "found": True},
        "登记直接帮扶：按身份证号码查找受助人",
    )


def test_an_unknown_id_number_reads_in_chinese_and_its_lookup_is_audited_against_the_user(
    charity_staff: User, world: World
) -> None:
    nobody = valid_id_number(date(1970, 1, 1))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        direct_help_find(by=charity_staff, id_number=nobody)
    assert refused.value.message_dict == {"id_number": [NOBODY]}
    entry = AuditEntry.objects.get(action="reveal")
    assert (entry.actor, entry.target_type, entry.target_id, entry.changes["found"]) == (
        charity_staff,
        "accounts.user",
        str(charity_staff.pk),
        False,
    )


# --- what a record says, and its refusals ---------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "category"),
    [
        ({"kind": "money"}, "living"),
        ({"kind": "goods", "amount": None, "items": "棉被"}, "goods"),
        ({"kind": "service", "amount": None, "services": ["care_visit"]}, "care"),
        ({"kind": "service", "amount": None, "services": ["legal_aid", "legal_aid"]}, "legal"),
        ({"kind": "service", "amount": None, "services": ["care_visit", "legal_aid"]}, "other"),
        ({"kind": "service", "amount": None, "services": ["social_integration"]}, "other"),
        ({"kind": "money", "category": "medical"}, "medical"),
    ],
)
def test_a_record_meets_the_need_its_help_meets_unless_the_recorder_says(
    charity_staff: User, wang: Person, extra: dict[str, Any], category: str
) -> None:
    assert _record(charity_staff, wang, **extra).category == category


def test_a_record_keeps_what_was_given_as_typed_and_who_recorded_it(charity_staff: User, wang: Person) -> None:
    record = _record(
        charity_staff,
        wang,
        kind="goods",
        amount="120.5",
        items=" 棉被 2 床 ",
        note=" 冬季送温暖 ",
        consent_witness=" 村主任李明 ",
        given_on=TODAY - timedelta(days=3),
    )
    record.refresh_from_db()
    assert (record.amount, record.items, record.note, record.consent_witness) == (
        Decimal("120.50"),
        "棉被 2 床",
        "冬季送温暖",
        "村主任李明",
    )
    assert (record.kind, record.given_on, record.created_by, record.organization, record.giver) == (
        "goods",
        TODAY - timedelta(days=3),
        charity_staff,
        charity_staff.organization,
        "charity",
    )
    entry = AuditEntry.objects.get(target_type="cases.directhelp", target_id=str(record.pk))
    assert (entry.actor, entry.action) == (charity_staff, "create")
    assert entry.changes == {
        "kind": "goods",
        "giver": "charity",
        "amount": "120.50",
        "consent_method": "verbal_witnessed",
    }


def test_a_record_a_second_caller_makes_with_only_what_it_must_give_adds_nothing(
    charity_staff: User, wang: Person, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    signed = SimpleUploadedFile("form.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    with translation.override("zh-hans"):
        record = direct_help_record(
            by=charity_staff,
            person=wang,
            kind="money",
            amount="800",
            given_on=TODAY,
            consent_method="signed_form",
            consent_evidence=signed,
        )
    record.refresh_from_db()
    assert (record.helper_name, record.items, record.note, record.consent_witness, record.consent_guardian) == (
        ("",) * 5
    )
    assert record.consent_evidence.name.endswith(".pdf")


def test_a_record_keeps_the_services_given_and_the_guardian_who_consented(charity_staff: User, world: World) -> None:
    born = TODAY.replace(year=TODAY.year - 9, day=1)
    child = make_person(world.our_village, name="王小明", born=born, id_number=valid_id_number(born))
    record = _record(
        charity_staff, child, kind="service", amount=None, services=["care_visit"], consent_guardian=" 王建国 "
    )
    record.refresh_from_db()
    assert (record.services, record.consent_guardian, record.category) == (["care_visit"], "王建国", "care")


def test_a_backdated_record_asks_for_a_guardian_by_the_age_on_the_day_the_help_was_given(
    charity_staff: User, world: World
) -> None:
    born = TODAY.replace(year=TODAY.year - 14)  # fourteen today, thirteen yesterday
    child = make_person(world.our_village, name="王小红", born=born, id_number=valid_id_number(born))
    refusals = _refusals(charity_staff, child, given_on=TODAY - timedelta(days=1))
    assert list(refusals) == ["consent_guardian"]
    assert _record(charity_staff, child).consent_guardian == ""


def test_goods_without_money_keep_no_amount(charity_staff: User, wang: Person) -> None:
    assert _record(charity_staff, wang, kind="goods", amount=None, items="米面油").amount is None


def test_one_million_yuan_is_recorded_and_a_cent_more_is_refused_in_chinese(charity_staff: User, wang: Person) -> None:
    over = _refusals(charity_staff, wang, amount="1000000.01")
    assert over == {"amount": ["单条记录超过 100 万元：请核对金额（是否多输了一个零？）。"]}
    assert _record(charity_staff, wang, amount="1000000").amount == Decimal("1000000")


@pytest.mark.parametrize(
    ("extra", "refusals"),
    [
        ({"amount": None}, {"amount": ["请填写发放的资金金额（元）。"]}),
        ({"amount": "十元"}, {"amount": ["请填写以元为单位的金额，例如 1200 或 1200.50。"]}),
        ({"kind": "service", "amount": None, "services": ["dancing"]}, {"services": ["无法识别的代码：dancing。"]}),
        ({"amount": "0"}, {"amount": ["请填写发放金额；未发放资金请留空。"]}),
        ({"kind": "goods", "amount": "0", "items": "米"}, {"amount": ["请填写发放金额；未发放资金请留空。"]}),
        ({"kind": "goods", "amount": None, "items": "  "}, {"items": ["请填写发放了哪些物资。"]}),
        ({"kind": "service", "amount": None}, {"services": ["请选择提供的服务。"]}),
        ({"kind": "cash"}, {"kind": ["请选择资金、物资或服务。"]}),
        ({"category": "luck"}, {"category": ["未知的需求类别。"]}),
        ({"given_on": None}, {"given_on": ["请填写帮扶日期。"]}),
        (
            {"given_on": date(2101, 1, 1)},
            {"given_on": ["2101-01-01 不是合理的日期：请选择 1900-01-01 至 2100-12-31 之间的日期。"]},
        ),
        ({"given_on": TODAY + timedelta(days=1)}, {"given_on": ["帮扶日期在今天之后：帮扶发生后才能登记。"]}),
        (
            {"giver": "pairing"},
            {"giver": ["慈善组织工作人员登记本机构的帮扶；民政部门登记本部门或结对帮扶干部的帮扶。"]},
        ),
    ],
)
def test_a_second_caller_gets_each_refusal_by_its_field_in_chinese(
    charity_staff: User, wang: Person, extra: dict[str, Any], refusals: dict[str, list[str]]
) -> None:
    assert _refusals(charity_staff, wang, **extra) == refusals


def test_a_consent_without_its_witness_is_refused_under_the_records_field_name(
    charity_staff: User, wang: Person
) -> None:
    assert list(_refusals(charity_staff, wang, consent_witness="")) == ["consent_witness"]


def test_an_account_of_no_organization_records_nothing(world: World, station_worker: User, wang: Person) -> None:
    station_worker.organization = None
    station_worker.save(update_fields=["organization"])
    assert _refusals(station_worker, wang, giver="department") == {
        "giver": ["您的账号不属于任何机构，请联系系统管理员。"]
    }


# --- who reads ------------------------------------------------------------------------------------
def test_each_reader_sees_the_records_of_their_organization_or_jurisdiction(
    world: World,
    charity_staff: User,
    other_charity_staff: User,
    caseworker: User,
    station_worker: User,
    supervisor: User,
    other_county_caseworker: User,
    admin_user: User,
    wang: Person,
    li_in_the_other_county: Person,
) -> None:
    ours = _record(charity_staff, wang)
    theirs = _record(other_charity_staff, li_in_the_other_county)
    by_office = _record(caseworker, wang, giver="department")
    other_township = make_person(world.other_township, name="张三")
    by_charity_elsewhere = _record(charity_staff, other_township)
    seen = {
        "charity": [ours, by_charity_elsewhere],
        "other_charity": [theirs],
        "caseworker": [ours, by_office, by_charity_elsewhere],
        "station_worker": [ours, by_office],
        "supervisor": [ours, by_office, by_charity_elsewhere],
        "other_county_caseworker": [theirs],
        "admin": [ours, theirs, by_office, by_charity_elsewhere],
    }
    users = {
        "charity": charity_staff,
        "other_charity": other_charity_staff,
        "caseworker": caseworker,
        "station_worker": station_worker,
        "supervisor": supervisor,
        "other_county_caseworker": other_county_caseworker,
        "admin": admin_user,
    }
    assert {key: sorted(r.pk for r in direct_help_visible_to(user)) for key, user in users.items()} == {
        key: sorted(r.pk for r in records) for key, records in seen.items()
    }


def test_a_charity_account_of_no_organization_and_an_office_account_of_no_jurisdiction_read_nothing(
    world: World, charity_staff: User, wang: Person, caseworker_without_jurisdiction: User
) -> None:
    _record(charity_staff, wang)
    loose = UserFactory.create(username="loose", role=Role.CHARITY_STAFF, organization=None)
    assert direct_help_visible_to(loose).count() == 0
    assert direct_help_visible_to(caseworker_without_jurisdiction).count() == 0
