"""Issue #14 finding 3: a spreadsheet zip bomb is refused before anything unpacks it, for every import.

The attack: a small .xlsx whose shared strings expand to hundreds of MB (the probe's 820 KB file took
a worker to 1.9 GB), or two cells at A1 and XFD1048576, which a reader that lays a sheet out as a
grid turns into 17 billion cells (python-calamine aborts the whole process on it). Each is uploaded
through the import page of every kind and refused with the same Chinese message; the unpacking
stops at the limit (measured with tracemalloc).
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile

import pytest
import xlwt  # type: ignore[import-untyped]
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.models import ImportBatch, ImportStatus
from core.sheet_reader import ImportFileError, read_workbook

TOO_BIG = (
    "文件中的数据超出一次可检查的范围（超过 {cells} 个单元格，或解压后超过 {mb} MB）。"
    "请删除设置了格式的空行空列，或拆分成较小的文件。"
)
DAMAGED = "无法读取该 Excel 文件，文件可能已损坏或不完整"


def small_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(["姓名", "身份证号"])
    workbook.active.append(["贺金贵", "610622195508010011"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def shared_strings_bomb(megabytes: int) -> bytes:
    """The workbook above with a shared string of ``megabytes`` MB: about 1 KB per MB once zipped."""
    source = zipfile.ZipFile(io.BytesIO(small_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "xl/sharedStrings.xml":
                archive.writestr(info.filename, source.read(info.filename))
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = "贺".encode() * (1 << 18)
            for _ in range(megabytes * 1_048_576 // len(chunk)):
                member.write(chunk)
            member.write(b"</t></si></sst>")
    return out.getvalue()


def lying_sizes(content: bytes, member: str, declared: int) -> bytes:
    """The same zip with ``member``'s uncompressed size rewritten to ``declared`` in both headers."""
    data = bytearray(content)
    info = zipfile.ZipFile(io.BytesIO(content)).getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, declared)  # local file header
    central = data.find(b"PK\x01\x02" + data[info.header_offset + 4 : info.header_offset + 6])
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == member.encode():
            struct.pack_into("<I", data, central + 24, declared)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def sparse_corners() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "姓名"
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def message(settings) -> str:
    return TOO_BIG.format(cells=f"{settings.IMPORT_MAX_CELLS:,}", mb=settings.IMPORT_MAX_EXPANDED_BYTES // 1_048_576)


@pytest.fixture
def uploader(client, world, station_worker, charity_staff, django_capture_on_commit_callbacks, tasks_in_process):
    def send(kind: str, name: str, content: bytes) -> ImportBatch:
        client.force_login(charity_staff if kind == "supply_list" else station_worker)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/imports/{kind}/", {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 302
        return ImportBatch.objects.latest("created_at")

    return send


KINDS = ["visit_register", "assistance_records", "supply_list"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_shared_strings_bomb_is_refused_for_every_kind(uploader, settings, client, kind):
    bomb = shared_strings_bomb(160)  # 160 MB unpacked, over the 100 MB limit
    assert len(bomb) < 1_000_000
    batch = uploader(kind, "台账.xlsx", bomb)
    assert batch.status == ImportStatus.INVALID
    assert [error["message"] for error in batch.errors] == [message(settings)]
    assert message(settings) in client.get(f"/imports/batch/{batch.pk}/").content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_two_cells_at_opposite_corners_are_refused_for_every_kind(uploader, settings, kind):
    batch = uploader(kind, "台账.xlsx", sparse_corners())
    assert batch.status == ImportStatus.INVALID
    assert [error["message"] for error in batch.errors] == [message(settings)]


def test_a_bomb_that_hides_its_size_is_stopped_at_the_limit(settings):
    """The archive says 1 KB; unpacking stops once the real bytes pass the limit, holding little memory."""
    settings.IMPORT_MAX_EXPANDED_BYTES = 20 * 1_048_576
    liar = lying_sizes(shared_strings_bomb(60), "xl/sharedStrings.xml", 1024)
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as refused:
            read_workbook(io.BytesIO(liar), "台账.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.message.startswith(DAMAGED) or refused.value.message == message(settings)
    assert peak < 40 * 1_048_576


def test_the_declared_size_refuses_before_unpacking(settings):
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as refused:
            read_workbook(io.BytesIO(shared_strings_bomb(160)), "台账.xlsx")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.message == message(settings)
    assert peak < 10 * 1_048_576


def test_too_many_cells_in_a_csv_or_an_xls_are_refused(settings):
    settings.IMPORT_MAX_CELLS = 1000
    csv = "\n".join(",".join(["贺金贵"] * 20) for _ in range(60)).encode()
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("花名册")
    for row in range(60):
        for column in range(20):
            sheet.write(row, column, "贺金贵")
    xls = io.BytesIO()
    book.save(xls)
    for name, content in (("台账.csv", csv), ("台账.xls", xls.getvalue())):
        with pytest.raises(ImportFileError) as refused:
            read_workbook(io.BytesIO(content), name)
        assert refused.value.message == message(settings), name


def test_an_ordinary_workbook_passes_the_guard():
    workbook = read_workbook(io.BytesIO(small_workbook()), "台账.xlsx")
    assert workbook.sheets[0].rows == [["姓名", "身份证号"], ["贺金贵", "610622195508010011"]]
