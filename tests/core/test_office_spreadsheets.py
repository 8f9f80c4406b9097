"""Issue #12, acceptance 1: the spreadsheets county offices actually have, through the upload page.

Each file is built the way an office makes it — a merged title row, a date line, everyday header
names (身份证号码, 联系电话, 家庭住址, 所属村（社区）), the data on a second sheet, full-width digits,
.xls from an old Excel, .csv saved by WPS in GBK, ID numbers typed into a General (number) column —
and each is accepted, or refused with the exact Chinese message a user reads.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
import xlwt  # type: ignore[import-untyped]
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from beneficiaries.models import AssistanceRecord, Need, Person
from core.models import ImportBatch, ImportStatus
from tests.factories import make_person, valid_id_number

NUMERIC_ID = (
    "该身份证号以数字格式保存，Excel 的数字只保留 15 位有效数字，后几位已经丢失（单元格中为 {value}）。"
    "请把该列设置为“文本”格式，再重新输入或粘贴身份证号。"
)
HEADERS = ["序号", "姓名", "身份证号码", "联系电话", "户编号", "与户主关系", "所属村（社区）", "家庭住址", "救助类别", "需求类别", "需求描述", "紧急程度", "申请金额"]  # fmt: skip
TITLE = "延川县永坪镇困难群众走访排查台账"


def digits_only_id(born: datetime.date, *, male: bool = True) -> str:
    """A valid ID number without a final X (one with an X cannot be typed as a number)."""
    while (number := valid_id_number(born, male=male)).endswith("X"):
        pass
    return number


def people(count: int = 3) -> list[list[object]]:
    """Rows as a visit team writes them: 妻, 长子, full-width digits, 5000元, 1.2万元, a zero-width space."""
    head = digits_only_id(datetime.date(1962, 4, 1), male=True)
    wife = digits_only_id(datetime.date(1964, 7, 9), male=False)
    son = digits_only_id(datetime.date(2012, 1, 20), male=True)
    rows = [
        [
            1,
            "贺金贵",
            head,
            "１３９ ９１２３ ４５６７",
            "YP-101",
            "户主",
            "永坪村",
            "永坪村4组7号",
            "低保户",
            "医疗",
            "股骨头坏死需手术",
            "紧急",
            "1.2万元",
        ],
        [
            2,
            "李桂花\u200b",
            wife,
            "+86 139-9123-4568",
            "YP-101",
            "妻",
            "永坪村",
            "永坪村4组7号",
            "农村低保",
            "",
            "",
            "",
            "",
        ],
        [3, "贺小军", son, "", "YP-101", "长子", "610622100201", "永坪村4组7号", "", "教育", "学杂费", "", "5,000元"],
    ]
    return rows[:count]


def office_xlsx(rows: list[list[object]], *, id_as_number: bool = False) -> bytes:
    """A cover sheet first, then the data sheet with a merged title and a date line above the headers."""
    workbook = Workbook()
    cover = workbook.active
    cover.title = "说明"
    cover.append(["本表由各村（社区）于每月5日前报镇民政办。"])
    sheet = workbook.create_sheet("花名册")
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.append(["填报单位：永坪镇民政办", "", "", "", "", "", "", "", "", "", "填报日期：2024年3月5日"])
    sheet.append(HEADERS)
    for row in rows:
        values = list(row)
        if id_as_number:
            values[2] = int(str(values[2]))  # typed into a General column: Excel keeps it as a number
        sheet.append(values)
    sheet.append(["合计：3人"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def office_xls(rows: list[list[object]], *, id_as_number: bool = False) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    sheet.write_merge(0, 0, 0, len(HEADERS) - 1, TITLE)
    for column, header in enumerate(HEADERS):
        sheet.write(1, column, header)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row):
            sheet.write(number, column, float(str(value)) if id_as_number and column == 2 else value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def office_csv(rows: list[list[object]], encoding: str, separator: str = ",") -> bytes:
    lines = [TITLE, separator.join(HEADERS), *(separator.join(f'"{value}"' for value in row) for row in rows)]
    return "\r\n".join(lines).replace("\u200b", "").encode(encoding)  # GBK has no zero-width space


@pytest.fixture
def upload(client, station_worker, world, django_capture_on_commit_callbacks, tasks_in_process):
    client.force_login(station_worker)

    def send(name: str, content: bytes, kind: str = "visit_register") -> ImportBatch:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/imports/{kind}/", {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 302, response.content.decode()[:2000]
        return ImportBatch.objects.latest("created_at")

    return send


def confirm(client, batch, capture) -> None:
    with capture(execute=True):
        client.post(f"/imports/batch/{batch.pk}/confirm/")
    batch.refresh_from_db()


def page(client, batch) -> str:
    return client.get(f"/imports/batch/{batch.pk}/").content.decode()


def test_an_office_workbook_with_a_title_a_cover_sheet_and_everyday_headers_imports(
    client, upload, django_capture_on_commit_callbacks
):
    batch = upload("走访排查台账.xlsx", office_xlsx(people()))
    assert batch.status == ImportStatus.READY, batch.errors
    assert (batch.total_rows, batch.valid_rows) == (3, 3)  # the 合计 line is not a row
    html = page(client, batch)
    assert "工作表“花名册”，表头在第 3 行" in html
    assert "永坪村（610622100201）" in html  # the village's name in the preview, not only its code
    confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.IMPORTED
    by_name = {person.name: person for person in Person.objects.all()}
    assert set(by_name) == {"贺金贵", "李桂花", "贺小军"}  # the zero-width space is gone
    assert by_name["贺金贵"].phone == "13991234567" and by_name["李桂花"].phone == "13991234568"
    assert [by_name[name].relation for name in ("贺金贵", "李桂花", "贺小军")] == ["head", "spouse", "child"]
    assert by_name["李桂花"].assistance_statuses == ["dibao"]
    assert "minor" in by_name["贺小军"].vulnerabilities  # born 2012: flagged as the API does
    amounts = {need.person.name: need.amount_requested for need in Need.objects.select_related("person")}
    assert amounts == {"贺金贵": Decimal("12000.00"), "贺小军": Decimal("5000.00")}


@pytest.mark.parametrize("build", [office_xlsx, office_xls], ids=["xlsx", "xls"])
def test_a_numeric_id_column_is_refused_on_every_row_with_excels_lost_digits(client, upload, build):
    rows = people()
    name = "台账.xlsx" if build is office_xlsx else "台账.xls"
    batch = upload(name, build(rows, id_as_number=True))
    assert batch.status == ImportStatus.INVALID
    assert batch.valid_rows == 0
    id_errors = [(e["row"], e["column"], e["message"]) for e in batch.errors if e["column"] == "身份证号"]
    expected = [
        (number, "身份证号", NUMERIC_ID.format(value=format(float(str(row[2])), ".6G")))
        for number, row in enumerate(rows, start=4 if build is office_xlsx else 3)
    ]
    assert id_errors == expected
    assert "（单元格中为 6.10622E+17）" in expected[0][2]  # as a General cell shows it, too short to identify anyone
    html = page(client, batch)
    assert NUMERIC_ID.format(value="6.10622E+17") in html and str(rows[0][2])[:10] not in html


def test_no_numeric_id_cell_is_ever_accepted_even_when_its_check_digit_happens_to_match(client, upload):
    """About one number in eleven still has a valid check digit after Excel rounds it: all are refused."""
    rows = []
    for serial in range(40):
        number = digits_only_id(datetime.date(1950 + serial, 1 + serial % 12, 1 + serial % 28))
        rows.append(
            [serial, f"测试{serial}", number, "", f"YP-{serial}", "户主", "永坪村", "永坪村1组", "", "", "", "", ""]
        )
    batch = upload("台账.xlsx", office_xlsx(rows, id_as_number=True))
    assert batch.status == ImportStatus.INVALID and batch.valid_rows == 0
    assert sum(e["column"] == "身份证号" and "15 位有效数字" in e["message"] for e in batch.errors) == 40


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_a_csv_in_gbk_or_utf8_with_a_title_line_imports(client, upload, encoding):
    batch = upload("走访排查台账.csv", office_csv(people(), encoding))
    assert batch.status == ImportStatus.READY, batch.errors
    assert batch.valid_rows == 3
    assert "表头在第 2 行" in page(client, batch)
    assert Person.objects.count() == 0  # nothing before confirming


def test_excels_unicode_text_export_imports(upload):
    """Excel's 另存为「Unicode 文本」: UTF-16 with a byte-order mark, tab-separated, named .txt."""
    batch = upload("走访排查台账.txt", office_csv(people(), "utf-16", separator="\t"))
    assert batch.status == ImportStatus.READY, batch.errors
    assert batch.valid_rows == 3


def test_a_csv_with_an_id_in_scientific_notation_is_refused(upload):
    rows = people(1)
    rows[0][2] = "4.51029196711093E+17"  # what Excel saves for a number column
    batch = upload("走访排查台账.csv", office_csv(rows, "gbk"))
    assert batch.status == ImportStatus.INVALID
    assert [e["message"] for e in batch.errors if e["column"] == "身份证号"] == [NUMERIC_ID.format(value="4.51029E+17")]


def test_an_xls_from_an_old_excel_imports(client, upload):
    batch = upload("走访排查台账.xls", office_xls(people()))
    assert batch.status == ImportStatus.READY, batch.errors
    assert batch.valid_rows == 3 and batch.source["format"] == "xls"


def test_a_sheet_without_the_required_columns_is_refused_naming_them(upload):
    workbook = Workbook()
    workbook.active.append(["姓名", "联系电话", "家庭住址"])
    workbook.active.append(["贺金贵", "13991234567", "永坪村4组7号"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = upload("名单.xlsx", buffer.getvalue())
    assert batch.status == ImportStatus.INVALID
    assert batch.errors[0]["message"] == (
        "没有哪个工作表的表头包含这些必填列：身份证号、户编号、与户主关系、村（社区）区划代码。"
        "请检查列名：模板的“填写说明”工作表列出了每一列可用的名称。"
    )


def test_the_correct_row_count_leaves_out_rows_that_fail_the_duplicate_check(client, upload):
    rows = people(2)
    rows[1][2] = rows[0][2]  # the same ID number twice
    batch = upload("台账.xlsx", office_xlsx(rows))
    assert batch.status == ImportStatus.INVALID
    assert (batch.total_rows, batch.valid_rows) == (2, 1)
    assert [(e["row"], e["message"]) for e in batch.errors] == [(5, "同一身份证号已出现在第 4 行。")]


def test_every_error_is_kept_the_page_says_it_shows_some_and_the_report_has_all(client, upload):
    rows = [
        [n, f"测试{n}", "61062219800517001", "", f"H{n}", "户主", "永坪村", "永坪村1组", "", "", "", "", ""]
        for n in range(250)
    ]
    batch = upload("台账.xlsx", office_xlsx(rows))
    assert len(batch.errors) == 250
    html = page(client, batch)
    assert "此处显示 250 个问题中的前 200 个；错误报告中列出了全部问题。" in html
    response = client.get(f"/imports/batch/{batch.pk}/errors.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:4] == ("问题", "行号", "序号", "姓名")
    assert len(table) == 251  # every row of the user's sheet, each with its problem beside it
    assert table[1][1] == 4 and table[1][3] == "测试0" and "18 位" in table[1][0]


def test_the_error_report_is_only_the_uploaders(client, upload, caseworker, admin_user):
    """It holds the rows as sent (full ID numbers): not even an administrator, who sees the batch, gets it."""
    rows = people(1)
    rows[0][2] = "123"
    batch = upload("台账.xlsx", office_xlsx(rows))
    client.force_login(caseworker)
    assert client.get(f"/imports/batch/{batch.pk}/errors.xlsx").status_code == 404
    client.force_login(admin_user)
    assert client.get(f"/imports/batch/{batch.pk}/").status_code == 200
    assert "errors.xlsx" not in client.get(f"/imports/batch/{batch.pk}/").content.decode()
    assert client.get(f"/imports/batch/{batch.pk}/errors.xlsx").status_code == 404
    client.logout()
    assert client.get(f"/imports/batch/{batch.pk}/errors.xlsx").status_code == 302


def records_xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2024年第一季度救助发放台账"])
    sheet.append(
        ["序号", "姓名", "公民身份号码", "救助项目", "发放金额（元）", "开始日期", "截止日期", "发放单位", "备注"]
    )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("programme", "amount", "start", "end", "expected"),
    [
        ("低保户", "620元", "2024年3月5日", "2024年6月30日", ("dibao", "620.00", "2024-03-05", "2024-06-30")),
        ("农村低保", "1,200.50", "2024/3/5", "2024/6/30", ("dibao", "1200.50", "2024-03-05", "2024-06-30")),
        ("城乡低保", "0.12万元", "2024.03.05", "2024.06.30", ("dibao", "1200.00", "2024-03-05", "2024-06-30")),
        ("特困供养", 980, "2024-3-5", "2024-6-30", ("tekun", "980.00", "2024-03-05", "2024-06-30")),
        ("医疗救助", 5000.0, 45356, datetime.datetime(2024, 6, 30), ("medical", "5000.00", "2024-03-05", "2024-06-30")),
        (
            "临时救助",
            "５０００元",
            "２０２４年３月５日",
            "20240630",
            ("temporary", "5000.00", "2024-03-05", "2024-06-30"),
        ),
    ],
)
def test_assistance_records_read_every_date_and_money_spelling(
    client, upload, world, django_capture_on_commit_callbacks, programme, amount, start, end, expected
):
    person = make_person(world.our_village, name="贺金贵")
    batch = upload(
        "救助发放台账.xlsx",
        records_xlsx([[1, "贺金贵", person.id_number, programme, amount, start, end, "延川县民政局", ""]]),
        kind="assistance_records",
    )
    assert batch.status == ImportStatus.READY, batch.errors
    html = page(client, batch)
    assert "延川县民政局" in html and person.id_number not in html
    confirm(client, batch, django_capture_on_commit_callbacks)
    record = AssistanceRecord.objects.get(person=person)
    assert (
        record.programme,
        str(record.amount),
        record.period_start.isoformat(),
        record.period_end.isoformat(),
    ) == expected


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (
            "start",
            "2024年13月5日",
            "“2024年13月5日”不是日期，请写作 2024-03-05（也可写 2024年3月5日、2024/3/5 或 2024.3.5）。",
        ),
        ("start", "三月五日", "“三月五日”不是日期，请写作 2024-03-05（也可写 2024年3月5日、2024/3/5 或 2024.3.5）。"),
        ("amount", "五千元", "“五千元”不是以元为单位的金额，请写作 1200、1200.50、1,200元 或 1.2万元。"),
        ("amount", "-50", "“-50”不是以元为单位的金额，请写作 1200、1200.50、1,200元 或 1.2万元。"),
        ("programme", "扶贫", "无法识别的取值“扶贫”，请按填写说明填写。"),
    ],
)
def test_assistance_records_refuse_what_is_not_a_date_an_amount_or_a_programme(upload, world, column, value, message):
    person = make_person(world.our_village, name="贺金贵")
    row: dict[str, object] = {"programme": "低保", "amount": "620", "start": "2024-01-01", "end": "2024-06-30"}
    row[column] = value
    batch = upload(
        "救助发放台账.xlsx",
        records_xlsx(
            [
                [
                    1,
                    "贺金贵",
                    person.id_number,
                    row["programme"],
                    row["amount"],
                    row["start"],
                    row["end"],
                    "延川县民政局",
                    "",
                ]
            ]
        ),
        kind="assistance_records",
    )
    assert batch.status == ImportStatus.INVALID
    assert message in [error["message"] for error in batch.errors]


def test_an_xlsx_named_xls_is_read_as_what_it_is(client, upload):
    batch = upload("走访排查台账.xls", office_xlsx(people()))
    assert batch.status == ImportStatus.READY, batch.errors
    assert batch.source["format"] == "xlsx"


def test_a_web_page_named_xls_is_refused_saying_how_to_save_it(client, station_worker, world):
    client.force_login(station_worker)
    page = b"<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></body></html>"
    response = client.post("/imports/visit_register/", {"file": SimpleUploadedFile("导出数据.xls", page)})
    assert response.status_code == 200
    assert "此文件是以 Excel 文件名保存的网页" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_template_lists_the_names_each_column_may_have(client, station_worker, world):
    client.force_login(station_worker)
    response = client.get("/imports/visit_register/template.xlsx")
    notes = load_workbook(io.BytesIO(response.content))["填写说明"]
    rows = {row[0]: row for row in notes.iter_rows(values_only=True) if row and row[0]}
    assert rows["身份证号"][4].startswith("身份证号码、公民身份号码")
    assert "所属村（社区）" in rows["村（社区）区划代码"][4]
    assert "联系电话" in rows["电话"][4]
    assert any("标题行会被跳过" in str(row[0]) for row in notes.iter_rows(values_only=True) if row[0])
