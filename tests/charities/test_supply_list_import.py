"""Importing a supply list from .xlsx through the shared preview-then-confirm framework."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from charities.imports import SupplyListImport
from charities.models import Resource, ResourceStatus
from core.models import ImportBatch, ImportStatus
from tests.factories import make_credit_code

SPEC = SupplyListImport()
HEADERS = [column.chinese_header() for column in SPEC.columns]


def row(**values):
    base = {
        "name": "助学金",
        "kind": "慈善项目",
        "form": "资金",
        "categories": "教育",
        "service_regions": "610622",
        "capacity_people": "10",
        "capacity_amount": "20000",
        "per_person_limit": "2000",
        "starts_on": "2026-09-01",
        "ends_on": "2026-12-31",
        "publish": "是",
    }
    base.update(values)
    return {column.key: base.get(column.key, "") for column in SPEC.columns}


def xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for values in rows:
        sheet.append([values[column.key] for column in SPEC.columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("supply.xlsx", buffer.getvalue())


def test_clean_row_accepts_chinese_labels(charity_staff, world):
    record, errors = SPEC.clean_row(
        row(categories="医疗、康复", vulnerabilities="重病", assistance_statuses="低保"), row=2, user=charity_staff
    )
    assert errors == [] and record is not None
    data = record["data"]
    assert data.kind == "project" and data.form == "money"
    assert data.categories == ["medical", "rehabilitation"]
    assert data.vulnerabilities == ["serious_illness"] and data.assistance_statuses == ["dibao"]
    assert data.service_region_codes == ["610622000000"]
    assert record["organization_id"] == world.charity.pk


def cleaned(user, **values):
    record, errors = SPEC.clean_row(row(**values), row=2, user=user)
    assert record is not None, errors
    return record


@pytest.mark.parametrize(
    ("values", "column", "words"),
    [
        ({"ends_on": "2026-08-01"}, "结束日期", "2026-08-01"),
        ({"capacity_people": "-3"}, "可帮扶人数", "负数"),
        ({"designated_counties": "999999"}, "对口帮扶县代码（以强带弱）", "999999000000"),
        ({"kind": "捐款箱"}, "类型", "捐款箱"),
        ({"starts_on": "九月"}, "开始日期", "九月"),
    ],
)
def test_clean_row_says_what_is_wrong(charity_staff, world, values, column, words):
    record, errors = SPEC.clean_row(row(**values), row=3, user=charity_staff)
    assert record is None
    assert any(e.row == 3 and e.column == column and words in e.message for e in errors), errors


def test_charity_staff_cannot_import_for_another_organization(charity_staff, world):
    record, errors = SPEC.clean_row(row(credit_code=world.other_charity.credit_code), row=2, user=charity_staff)
    assert record is None and "只能导入本组织" in errors[0].message


def test_admin_names_the_organization_and_a_bad_credit_code_is_explained(admin_user, world):
    assert cleaned(admin_user, credit_code=world.charity.credit_code)["organization_id"] == world.charity.pk
    record, errors = SPEC.clean_row(row(credit_code="51610622MJ000000X"), row=2, user=admin_user)
    assert record is None and "统一社会信用代码" in errors[0].message
    record, errors = SPEC.clean_row(row(credit_code=make_credit_code(777)), row=2, user=admin_user)
    assert record is None and "没有" in errors[0].message


def test_the_same_name_twice_is_refused(charity_staff, world):
    rows = [(2, cleaned(charity_staff)), (3, cleaned(charity_staff))]
    assert [e.row for e in SPEC.check_rows(rows, user=charity_staff)] == [3]


def test_only_charity_staff_and_admins_import(caseworker, supervisor, charity_staff, admin_user):
    assert not SPEC.can_use(caseworker) and not SPEC.can_use(supervisor)
    assert SPEC.can_use(charity_staff) and SPEC.can_use(admin_user)


def test_the_whole_flow_imports_everything_on_confirm(
    client, charity_staff, world, django_capture_on_commit_callbacks, tasks_in_process
):
    client.force_login(charity_staff)
    template = client.get("/imports/supply_list/template.xlsx")
    assert template.status_code == 200
    assert [c.value for c in load_workbook(io.BytesIO(template.content)).worksheets[0][1]][1] == "名称*"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/imports/supply_list/",
            {"file": xlsx([row(), row(name="心理慰藉", kind="服务", form="服务", categories="心理", publish="")])},
        )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.READY, batch.errors
    assert not Resource.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/batch/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED and batch.imported_rows == 2
    grant = Resource.objects.get(name="助学金")
    assert grant.organization == world.charity and grant.status == ResourceStatus.OPEN and grant.people_left == 10
    assert [r.code for r in grant.service_regions.all()] == ["610622000000"]
    assert Resource.objects.get(name="心理慰藉").status == ResourceStatus.DRAFT


def test_one_bad_row_imports_nothing(
    client, charity_staff, world, django_capture_on_commit_callbacks, tasks_in_process
):
    client.force_login(charity_staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/supply_list/", {"file": xlsx([row(), row(name="坏", designated_counties="999999")])})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID
    assert [e["row"] for e in batch.errors] == [3]
    assert not Resource.objects.exists()


def test_a_caseworker_cannot_import(client, caseworker, world):
    client.force_login(caseworker)
    assert client.get("/imports/supply_list/").status_code == 403  # the role may not import supply lists


def test_a_charitys_own_project_ledger_imports_with_its_spellings(
    client, charity_staff, world, django_capture_on_commit_callbacks, tasks_in_process
):
    """A 慈善项目台账 with a title row, its own headers, 20万元 and 2026年9月1日; the preview names the charity."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["延川县慈善协会2026年慈善项目台账"])
    sheet.append(
        [
            "项目名称",
            "资源类型",
            "帮扶形式",
            "帮扶领域",
            "服务区域代码",
            "名额",
            "预算金额",
            "每人限额",
            "开始日期",
            "截止日期",
            "是否开放",
            "低保户或特困",
        ]
    )
    sheet.append(
        [
            "助学金",
            "慈善项目",
            "现金",
            "教育、上学",
            "６１０６２２",
            "10人",
            "2万元",
            "2,000元",
            "2026年9月1日",
            "2026/12/31",
            "是",
            "",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(charity_staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/imports/supply_list/",
            {"file": SimpleUploadedFile("项目台账.xlsx", buffer.getvalue())},
        )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.READY, batch.errors
    page = client.get(f"/imports/batch/{batch.pk}/").content.decode()
    assert world.charity.name in page and "表头在第 2 行" in page and "延川县（610622000000）" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/batch/{batch.pk}/confirm/")
    grant = Resource.objects.get(name="助学金")
    assert (grant.capacity_people, str(grant.capacity_amount), str(grant.per_person_limit)) == (
        10,
        "20000.00",
        "2000.00",
    )
    assert grant.starts_on is not None and grant.ends_on is not None
    assert (grant.starts_on.isoformat(), grant.ends_on.isoformat()) == ("2026-09-01", "2026-12-31")


def _admin_import(client, capture, rows):
    """Upload and confirm as the administrator; the queries of the check and of the write."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as check, capture(execute=True):
        client.post("/imports/supply_list/", {"file": xlsx(rows)})
    batch = ImportBatch.objects.latest("created_at")
    assert batch.status == ImportStatus.READY, batch.errors
    with CaptureQueriesContext(connection) as write, capture(execute=True):
        client.post(f"/imports/batch/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED
    return len(check), len(write)


def test_a_longer_supply_list_is_checked_and_written_in_as_many_queries_with_an_audit_entry_each(
    client, admin_user, world, django_capture_on_commit_callbacks, tasks_in_process
):
    """Organizations and regions are read once for the file, not three queries a row (issue #17)."""
    from audit.models import AuditAction, AuditEntry

    client.force_login(admin_user)
    charities = [world.charity.credit_code, world.other_charity.credit_code]
    places = ["610622", "610622100", "610622100201", "610622102"]

    def rows(count, prefix):
        return [
            row(
                name=f"{prefix}{n}", credit_code=charities[n % 2], service_regions=places[n % 4], designated_counties=""
            )
            for n in range(count)
        ]

    _admin_import(client, django_capture_on_commit_callbacks, rows(1, "丙"))  # the audit chain's head, caches
    few = _admin_import(client, django_capture_on_commit_callbacks, rows(4, "甲"))
    many = _admin_import(client, django_capture_on_commit_callbacks, rows(40, "乙"))
    assert many[0] == few[0]
    assert many[1] - few[1] <= 2  # at most an INSERT split in two by SQLite's limit on variables; not per row
    assert Resource.objects.filter(name__startswith="乙").count() == 40
    assert Resource.objects.get(name="乙1").organization == world.other_charity
    assert [r.code for r in Resource.objects.get(name="乙2").service_regions.all()] == ["610622100201"]
    imported = AuditEntry.objects.filter(action=AuditAction.IMPORT, target_type="charities.resource")
    assert imported.count() == 45


def test_in_a_long_file_each_unknown_organization_and_region_is_still_named_on_its_row(admin_user, world):
    from core.spreadsheets import RowError

    values = [row(name=f"项目{n}", credit_code=world.charity.credit_code) for n in range(30)]
    values[7]["credit_code"] = make_credit_code(778)
    values[12]["service_regions"] = "610699"
    results = list(SPEC.clean_rows([(n + 2, v) for n, v in enumerate(values)], user=admin_user))
    failed = {n + 2: errors for n, (record, errors) in enumerate(results) if errors}
    assert set(failed) == {9, 14}
    assert all(isinstance(error, RowError) for errors in failed.values() for error in errors)
    assert "未登记" in failed[9][0].message or "没有" in failed[9][0].message
    assert "610699000000" in failed[14][0].message
