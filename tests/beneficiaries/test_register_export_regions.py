"""The register and need exports give each person's region code and full path, not a bare name
that several villages may share."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_need, make_person

pytestmark = pytest.mark.django_db


def rows(response):
    assert response.status_code == 200
    values = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_the_register_export_gives_the_region_code_and_path(client, caseworker, world):
    person = make_person(world.our_village)
    make_need(person)
    client.force_login(caseworker)
    for name in ("beneficiaries:person_export", "beneficiaries:need_export"):
        [row] = rows(client.get(reverse(name)))
        assert row["行政区划代码"] == "610622100201", name
        assert row["行政区划"] == "陕西省 › 延安市 › 延川县 › 永坪镇 › 永坪村", name
