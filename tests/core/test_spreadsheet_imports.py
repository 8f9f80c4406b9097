"""The shared spreadsheet import: template → upload → check → preview → confirm → all or nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook

from accounts.models import Role
from core.models import ImportBatch, ImportStatus, Region
from core.spreadsheets import Column, ImportSpec, RowError, export_workbook, register, template_workbook, unregister
from core.validators import normalize_region_code, region_level_from_code


class VillageSpec(ImportSpec):
    """A small real-looking import used only by these tests: villages under our township."""

    kind = "test_villages"
    title = _("Villages")
    columns = [
        Column("code", _("code"), required=True, example="610622100299"),
        Column("name", _("name"), required=True),
    ]
    fail_on_commit = False

    def can_use(self, user):
        return user.role == Role.CASEWORKER

    def clean_row(self, values, *, row, user):
        errors = []
        try:
            code = normalize_region_code(values["code"])
            region_level_from_code(code)
        except Exception:
            errors.append(RowError(row, "代码", "代码不对"))
            code = ""
        if not values.get("name"):
            errors.append(RowError(row, "名称", "缺少名称"))
        return ({"code": code, "name": values.get("name", "")} if not errors else None), errors

    def check_rows(self, rows, *, user):
        seen: dict[str, int] = {}
        errors = []
        for number, record in rows:
            if record["code"] in seen:
                errors.append(RowError(number, "代码", f"与第 {seen[record['code']]} 行重复"))
            seen.setdefault(record["code"], number)
        return errors

    def preview(self, cleaned: dict[str, Any]) -> list[str]:
        return [cleaned["code"], cleaned["name"]]

    def commit(self, rows, *, user, progress):
        for index, record in enumerate(rows, start=1):
            if self.fail_on_commit and index == len(rows):
                raise RuntimeError("disk full")
            Region.objects.create(code=record["code"], name=record["name"], level=5, parent_id="610622100000")
            progress(index * 100 // len(rows))
        return len(rows)


@pytest.fixture
def spec():
    instance = VillageSpec()
    register(instance)
    yield instance
    unregister(instance.kind)


def xlsx(rows: list[list[object]], headers=("代码", "名称")) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("villages.xlsx", buffer.getvalue())


@pytest.fixture
def upload(client, caseworker, spec, django_capture_on_commit_callbacks, tasks_in_process):
    client.force_login(caseworker)

    def send(file):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/imports/test_villages/", {"file": file})

    return send


def confirm(client, batch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/imports/batch/{batch.pk}/confirm/", follow=True)


def test_the_template_has_chinese_headers_and_instructions(client, caseworker, spec):
    client.force_login(caseworker)
    response = client.get("/imports/test_villages/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in workbook.worksheets[0][1]] == ["代码*", "名称*"]
    assert workbook.worksheets[1].title == "填写说明"


def test_a_good_file_is_checked_previewed_and_imported_on_confirm(client, upload, django_capture_on_commit_callbacks):
    response = upload(xlsx([["610622100298", "新建村"], ["610622100299", "后沟村"]]))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/batch/{batch.pk}/"
    assert batch.status == ImportStatus.READY
    assert not Region.objects.filter(code="610622100298").exists()  # nothing before confirming
    page = client.get(f"/imports/batch/{batch.pk}/").content.decode()
    assert "新建村" in page and "导入全部" in page
    page = confirm(client, batch, django_capture_on_commit_callbacks).content.decode()
    assert "已开始导入" in page
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED and batch.imported_rows == 2
    assert Region.objects.filter(code__in=["610622100298", "610622100299"]).count() == 2
    assert "已导入 2 行" in client.get(f"/imports/batch/{batch.pk}/").content.decode()


def test_bad_rows_are_listed_and_nothing_can_be_imported(client, upload, django_capture_on_commit_callbacks):
    upload(xlsx([["610622100298", "新建村"], ["61x", "坏村"], ["610622100297", ""], ["610622100298", "重复村"]]))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID
    assert [(e["row"], e["message"]) for e in batch.errors] == [(3, "代码不对"), (4, "缺少名称"), (5, "与第 2 行重复")]
    page = client.get(f"/imports/batch/{batch.pk}/").content.decode()
    assert "没有导入任何数据" in page and "代码不对" in page
    page = confirm(client, batch, django_capture_on_commit_callbacks).content.decode()
    assert "不能导入" in page
    assert not Region.objects.filter(code="610622100298").exists()


def test_a_failure_while_writing_leaves_nothing_behind(client, upload, spec, django_capture_on_commit_callbacks):
    upload(xlsx([["610622100298", "新建村"], ["610622100299", "后沟村"]]))
    batch = ImportBatch.objects.get()
    spec.fail_on_commit = True
    confirm(client, batch, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "没有导入" in batch.failure_reason
    assert not Region.objects.filter(code="610622100298").exists()


def test_confirming_twice_imports_once(client, upload, django_capture_on_commit_callbacks):
    upload(xlsx([["610622100298", "新建村"]]))
    batch = ImportBatch.objects.get()
    confirm(client, batch, django_capture_on_commit_callbacks)
    page = confirm(client, batch, django_capture_on_commit_callbacks).content.decode()
    assert "不能导入" in page
    assert Region.objects.filter(code="610622100298").count() == 1


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("villages.pdf", b"%PDF-1.7\n"), "只能导入 Excel 文件（.xlsx、.xls）或 .csv 文件"),
        (
            SimpleUploadedFile("villages.xlsx", b"this is not a workbook"),
            "只能导入 Excel 文件（.xlsx、.xls）或 .csv 文件",
        ),
        (
            SimpleUploadedFile("villages.csv", b"PK\x03\x04 a zip named .csv"),
            "只能导入 Excel 文件（.xlsx、.xls）或 .csv 文件",
        ),
    ],
)
def test_the_wrong_file_type_is_refused_at_once(client, upload, file, message):
    response = upload(file)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_truncated_workbook_is_reported_and_imports_nothing(client, upload):
    whole = xlsx([["610622100298", "新建村"]]).read()
    upload(SimpleUploadedFile("villages.xlsx", whole[: len(whole) // 2]))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID
    assert "损坏" in batch.errors[0]["message"]


def test_a_file_over_the_size_limit_is_refused(client, upload, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    response = upload(SimpleUploadedFile("villages.xlsx", b"PK\x03\x04" + b"0" * 2000))
    assert "上限" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_missing_required_columns_are_named(client, upload):
    upload(xlsx([["新建村"]], headers=("名称",)))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID
    assert "代码" in batch.errors[0]["message"]


def test_an_empty_file_says_so(client, upload):
    upload(xlsx([]))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID
    assert "没有数据行" in batch.errors[0]["message"]


def test_numbers_typed_as_numbers_are_read_as_text(client, upload):
    upload(xlsx([[610622100298, "新建村"]]))
    assert ImportBatch.objects.get().status == ImportStatus.READY


def test_the_progress_fragment_is_served_to_htmx(client, upload):
    upload(xlsx([["610622100298", "新建村"]]))
    batch = ImportBatch.objects.get()
    fragment = client.get(f"/imports/batch/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.strip().startswith('<div id="import-status"') and "<html" not in fragment


def test_another_users_batch_is_404(client, upload, world, supervisor):
    upload(xlsx([["610622100298", "新建村"]]))
    batch = ImportBatch.objects.get()
    client.force_login(supervisor)
    assert client.get(f"/imports/batch/{batch.pk}/").status_code == 404
    assert client.post(f"/imports/batch/{batch.pk}/confirm/").status_code == 404


def test_a_role_that_may_not_import_is_refused(client, spec, station_worker, charity_staff):
    for user in (station_worker, charity_staff):
        client.force_login(user)
        assert client.get("/imports/test_villages/").status_code == 403
        assert client.get("/imports/test_villages/template.xlsx").status_code == 403


def test_an_unknown_kind_is_404_and_anonymous_is_sent_to_sign_in(client, caseworker, spec):
    assert client.get("/imports/test_villages/").status_code == 302
    client.force_login(caseworker)
    assert client.get("/imports/no_such_kind/").status_code == 404


def test_export_workbook_round_trip():
    content = export_workbook(title="导出", headers=["姓名", "身份证号"], rows=[["王建华", "6106**********1234"]])
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["姓名", "身份证号"],
        ["王建华", "6106**********1234"],
    ]


def test_template_workbook_marks_required_columns(spec):
    sheet = load_workbook(io.BytesIO(template_workbook(spec))).worksheets[0]
    assert sheet["A1"].value.endswith("*")
