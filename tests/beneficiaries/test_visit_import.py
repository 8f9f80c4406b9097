"""The visit spreadsheet (走访排查台账): template, per-row errors, all-or-nothing import."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from audit.models import AuditEntry
from beneficiaries.imports import VisitRegisterImport
from beneficiaries.models import Household, Need, Person
from core.models import ImportBatch, ImportStatus
from core.spreadsheets import get_spec
from tests.factories import PASSWORD, valid_id_number

SPEC = VisitRegisterImport()


def row(**overrides):
    values = {
        "name": "贺金贵",
        "id_number": valid_id_number(date(1955, 8, 1), male=True),
        "phone": "13991234567",
        "household": "YP-001",
        "relation": "户主",
        "region": "610622100201",
        "address": "永坪村4组7号",
        "assistance_statuses": "低保、防止返贫监测",
        "vulnerabilities": "",
        "need_category": "医疗",
        "need_description": "股骨头坏死需手术",
        "urgency": "紧急",
        "amount_requested": "12000",
    }
    values.update(overrides)
    return values


def xlsx(rows, name="走访排查台账.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.chinese_header() for column in SPEC.columns])
    for values in rows:
        sheet.append([values.get(column.key, "") for column in SPEC.columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_the_kind_is_registered_with_chinese_headers(client, station_worker):
    assert isinstance(get_spec("visit_register"), VisitRegisterImport)
    client.login(username=station_worker.username, password=PASSWORD)
    response = client.get("/imports/visit_register/template.xlsx")
    assert response.status_code == 200
    headers = [cell.value for cell in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    assert headers[:2] == ["姓名*", "身份证号*"]


def test_clean_row_accepts_chinese_labels(station_worker, world):
    record, errors = SPEC.clean_row(row(), row=2, user=station_worker)
    assert errors == [] and record is not None
    assert record["relation"] == "head" and record["assistance_statuses"] == ["dibao", "relapse_monitoring"]
    assert record["need"]["category"] == "medical" and record["need"]["urgency"] == "urgent"
    preview = SPEC.preview(record)
    assert record["id_number"] not in preview and "139****4567" in preview


@pytest.mark.parametrize(
    ("overrides", "column", "words"),
    [
        ({"id_number": "610622195508011234"}, "身份证号", "校验码"),
        ({"region": "610622100999"}, "村（社区）区划代码", "未知"),
        ({"region": "610622102201"}, "村（社区）区划代码", "辖区"),
        ({"name": ""}, "姓名", "必须填写"),
        ({"relation": "邻居"}, "与户主关系", "邻居"),
        ({"need_category": "旅游"}, "需求类别", "旅游"),
    ],
)
def test_each_bad_row_gets_a_chinese_message_on_its_column(station_worker, world, overrides, column, words):
    from tests.factories import region

    region("610622102201", "文安驿村")
    record, errors = SPEC.clean_row(row(**overrides), row=5, user=station_worker)
    assert record is None
    assert any(e.row == 5 and e.column == column and words in e.message for e in errors), errors


def test_cross_row_checks_find_the_same_id_twice_and_two_heads(station_worker, world):
    number = valid_id_number()

    def clean(values, number):
        record, _errors = SPEC.clean_row(values, row=number, user=station_worker)
        assert record is not None
        return number, record

    rows = [clean(row(id_number=number), 2), clean(row(id_number=number, relation="配偶"), 3), clean(row(), 4)]
    errors = SPEC.check_rows(rows, user=station_worker)
    assert any(e.row == 3 and "第 2 行" in e.message for e in errors), errors
    assert any(e.row == 4 and "户主" in e.message for e in errors), errors


def _upload(client, user, file, capture):
    client.login(username=user.username, password=PASSWORD)
    with capture(execute=True):
        client.post("/imports/visit_register/", {"file": file})
    return ImportBatch.objects.latest("created_at")


def test_a_good_file_imports_households_people_and_needs_on_confirm(
    client, station_worker, world, django_capture_on_commit_callbacks
):
    file = xlsx(
        [
            row(),
            row(name="贺秀兰", id_number=valid_id_number(date(1957, 2, 2)), relation="配偶", need_category=""),
            row(
                name="马振华",
                id_number=valid_id_number(date(1970, 3, 3), male=True),
                household="YP-002",
                need_category="",
            ),
        ]
    )
    batch = _upload(client, station_worker, file, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.READY, batch.errors
    assert not Person.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/batch/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED and batch.imported_rows == 3
    assert Household.objects.count() == 2
    assert Person.objects.get(name="贺秀兰").household == Person.objects.get(name="贺金贵").household
    need = Need.objects.get()
    assert need.person.name == "贺金贵" and need.amount_requested == 12000 and need.logged_by == station_worker
    assert AuditEntry.objects.filter(action="import").count() == 5  # 2 households + 3 people


def test_a_file_with_some_bad_rows_imports_nothing(client, station_worker, world, django_capture_on_commit_callbacks):
    file = xlsx([row(), row(name="坏行", id_number="123", household="YP-009")])
    batch = _upload(client, station_worker, file, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, "身份证号")]
    page = client.get(f"/imports/batch/{batch.pk}/").content.decode()
    assert "18" in page
    assert not Person.objects.exists() and not Household.objects.exists()


def test_a_wrong_file_type_is_refused(client, station_worker, world):
    client.login(username=station_worker.username, password=PASSWORD)
    response = client.post("/imports/visit_register/", {"file": SimpleUploadedFile("台账.docx", b"PK\x03\x04 a,b")})
    assert response.status_code == 200 and ".xlsx" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_supervisors_and_charities_may_not_import(client, supervisor, charity_staff, world):
    for user in (supervisor, charity_staff):
        client.login(username=user.username, password=PASSWORD)
        assert client.get("/imports/visit_register/").status_code == 403


def assistance_xlsx(rows):
    from beneficiaries.imports import AssistanceRecordImport

    workbook = Workbook()
    sheet = workbook.active
    columns = AssistanceRecordImport.columns
    sheet.append([column.chinese_header() for column in columns])
    for values in rows:
        sheet.append([values.get(column.key, "") for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("救助发放记录.xlsx", buffer.getvalue())


def test_government_assistance_records_are_imported_for_registered_people(
    client, caseworker, people, world, django_capture_on_commit_callbacks
):
    from beneficiaries.models import AssistanceRecord

    number = Person.objects.get(pk=people.in_township.pk).id_number
    good = {
        "id_number": number,
        "programme": "最低生活保障",
        "amount": "620",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "granting_organization": world.bureau.name,
    }
    client.login(username=caseworker.username, password=PASSWORD)
    other = Person.objects.get(pk=people.other_county.pk).id_number
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/assistance_records/", {"file": assistance_xlsx([good, {**good, "id_number": other}])})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, "身份证号")]  # outside the county
    assert not AssistanceRecord.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/imports/assistance_records/", {"file": assistance_xlsx([good, {**good, "programme": "临时救助"}])}
        )
    batch = ImportBatch.objects.latest("created_at")
    assert batch.status == ImportStatus.READY, batch.errors
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/batch/{batch.pk}/confirm/")
    records = AssistanceRecord.objects.order_by("programme")
    assert [(r.programme, r.source, r.person_id) for r in records] == [
        ("dibao", "imported", people.in_township.pk),
        ("temporary", "imported", people.in_township.pk),
    ]


@pytest.mark.django_db
def test_rechecking_people_already_registered_decrypts_nothing(station_worker, world, monkeypatch):
    """A re-checked file that is already imported is as fast as the first check: the "already
    registered" messages read the name, village and household number, never the encrypted fields
    (ID number, phone, health, incomes) of every person and household the file names."""
    from beneficiaries import crypto
    from beneficiaries.services import duplicate_messages
    from tests.factories import make_person

    people = [make_person(world.our_village, phone="13991234567", health="高血压") for _ in range(5)]
    decrypted: list[str] = []
    real = crypto.decrypt

    def counted(token: str) -> str:
        decrypted.append(token)
        return real(token)

    monkeypatch.setattr(crypto, "decrypt", counted)
    messages = duplicate_messages(station_worker, [person.id_number_index for person in people])
    assert decrypted == []
    assert messages[str(people[0].id_number_index)].startswith(f"该身份证号已登记：{people[0].name}，永坪村，户编号 ")
