"""The household ledger as .xlsx: government and charity help together, duplicate and gap flags,
ID numbers masked; for a county, a township, a household or a person; only for those who may
read the ledger, and only their own."""

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from cases.models import Outcome, ReferralStatus
from core.models import Region
from tests.factories import make_assistance_record, make_need, make_person, make_referral

pytestmark = pytest.mark.django_db
URL = reverse("cases:ledger_export")


@pytest.fixture
def people(world):
    """王秀英 in 永坪村 (our township): 低保 and charity living help in the same month (a duplicate);
    李桂兰 in 文安驿村 (the other township): an open need long past its deadline (a gap);
    赵大山 in the other county."""
    wang = make_person(world.our_village, name="王秀英")
    make_assistance_record(wang, world.bureau, period_start=date(2026, 1, 1), period_end=date(2026, 6, 30))
    need = make_need(wang, category="living")
    make_referral(
        person=wang,
        from_organization=world.bureau,
        to_organization=world.charity,
        status=ReferralStatus.COMPLETED,
        needs=[need],
        outcome=Outcome.HELPED,
        amount="300.00",
        helped_on=date(2026, 3, 5),
    )
    li = make_person(Region.objects.get(code="610622102201"), name="李桂兰")
    gap = make_need(li, category="medical", status="open")
    type(gap).objects.filter(pk=gap.pk).update(created_at=timezone.now() - timedelta(days=60))
    zhao = make_person(world.other_county, name="赵大山")
    make_assistance_record(zhao, world.other_bureau)
    return wang, li, zhao


def sheet(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_the_county_ledger_has_both_kinds_of_help_with_flags_and_masked_ids(client, caseworker, people):
    wang, _li, _zhao = people
    client.force_login(caseworker)
    rows = sheet(client.get(URL))
    assert {row["姓名"] for row in rows} == {"王秀英", "李桂兰"}
    wang_rows = [row for row in rows if row["姓名"] == "王秀英"]
    assert {row["来源"] for row in wang_rows} == {"政府救助", "慈善帮扶"}
    assert all(row["标记"] == "疑似重复救助" for row in wang_rows)
    assert wang_rows[0]["行政区划代码"] == "610622100201"
    assert wang_rows[0]["行政区划"] == "陕西省 › 延安市 › 延川县 › 永坪镇 › 永坪村"
    assert all(row["身份证号"] == wang.id_number_masked and "*" in row["身份证号"] for row in wang_rows)
    [gap] = [row for row in rows if row["姓名"] == "李桂兰"]
    assert gap["标记"] == "遗漏：超过期限未帮扶"
    text = repr(rows)
    assert wang.id_number not in text and wang.phone not in text
    assert AuditEntry.objects.filter(action="export", changes__what="ledger").exists()


def test_a_township_by_name_a_household_and_a_person(client, caseworker, people):
    wang, li, _zhao = people
    client.force_login(caseworker)
    assert {row["姓名"] for row in sheet(client.get(URL, {"region": "永坪镇"}))} == {"王秀英"}
    assert {row["姓名"] for row in sheet(client.get(URL, {"household": wang.household_id}))} == {"王秀英"}
    assert {row["姓名"] for row in sheet(client.get(URL, {"person": li.pk}))} == {"李桂兰"}


def test_a_station_worker_exports_only_their_township(client, station_worker, people):
    _wang, li, _zhao = people
    client.force_login(station_worker)
    assert {row["姓名"] for row in sheet(client.get(URL))} == {"王秀英"}
    assert client.get(URL, {"region": "文安驿镇"}).status_code == 404
    assert client.get(URL, {"person": li.pk}).status_code == 404


def test_the_other_county_gets_nothing_of_ours(client, other_county_caseworker, people):
    wang, _li, _zhao = people
    client.force_login(other_county_caseworker)
    assert {row["姓名"] for row in sheet(client.get(URL))} == {"赵大山"}
    assert client.get(URL, {"region": "延川县"}).status_code == 404
    assert client.get(URL, {"region": "610622000000"}).status_code == 404
    assert client.get(URL, {"household": wang.household_id}).status_code == 404
    assert client.get(URL, {"person": wang.pk}).status_code == 404


@pytest.mark.parametrize("persona", ["charity_staff", "other_charity_staff"])
def test_charity_staff_cannot_export_the_ledger(client, persona, people, request):
    wang, _li, _zhao = people
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404
    assert client.get(URL, {"person": wang.pk}).status_code == 404
    assert client.get(URL, {"household": wang.household_id}).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, people):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_administrator_names_the_region(client, admin_user, people):
    client.force_login(admin_user)
    assert client.get(URL).status_code == 404  # no jurisdiction: the region must be named
    assert {row["姓名"] for row in sheet(client.get(URL, {"region": "延长县"}))} == {"赵大山"}


def test_the_ledger_and_household_pages_link_to_the_export(client, caseworker, people):
    wang, _li, _zhao = people
    client.force_login(caseworker)
    page = client.get(reverse("cases:ledger"), {"household": wang.household_id}).content.decode()
    assert f"/cases/ledger/export.xlsx?household={wang.household_id}" in page
    page = client.get(reverse("beneficiaries:household_list"), {"region": "永坪镇"}).content.decode()
    assert "/cases/ledger/export.xlsx?region=610622100000" in page
