"""Issue #12, acceptance 4: the import API (/api/v1/imports/) — upload, status, errors, confirm.

Through the API with a token, as a province system or a script would: the same checks and the same
permissions as the import pages (only who may use the kind, only the uploader; an administrator
reads the counts, never the errors, which hold the rows as uploaded).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from beneficiaries.models import Person
from charities.models import Resource
from core.models import ImportBatch
from tests.charities.test_supply_list_import import row as supply_row
from tests.charities.test_supply_list_import import xlsx as supply_xlsx
from tests.conftest import api_as
from tests.core.test_office_spreadsheets import NUMERIC_ID, office_xlsx, people

pytestmark = pytest.mark.django_db

BATCH_FIELDS = ["id", "kind", "status", "total_rows", "valid_rows", "error_count", "source", "created_at"]


@pytest.fixture
def send(django_capture_on_commit_callbacks, tasks_in_process):
    """POST a file as this client; the check runs in-process on commit, as a worker would run it."""

    def post(client, kind: str, name: str, content: bytes, expect: int = 201) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/imports/", {"kind": kind, "file": SimpleUploadedFile(name, content)}, format="multipart"
            )
        assert response.status_code == expect, response.content.decode()[:2000]
        body = response.json()
        if expect != 201:
            return body
        # The answer is the batch as created (a worker checks it next); then its state once checked.
        assert set(BATCH_FIELDS) <= set(body) and body["status"] in ("validating", "ready", "invalid")
        return client.get(f"/api/v1/imports/{body['id']}/").json()

    return post


def confirm(client, batch_id: str, capture) -> Any:
    with capture(execute=True):
        return client.post(f"/api/v1/imports/{batch_id}/confirm/")


def test_a_visit_register_goes_in_through_the_api(station_worker, world, send, django_capture_on_commit_callbacks):
    client = api_as(station_worker)
    created = send(client, "visit_register", "走访排查台账.xlsx", office_xlsx(people()))
    assert created["kind"] == "visit_register"
    assert (created["status"], created["total_rows"], created["valid_rows"], created["error_count"]) == (
        "ready",
        3,
        3,
        0,
    )
    assert created["source"]["sheet"] == "花名册" and created["source"]["header_row"] == 3
    assert created["created_at"]
    shown = client.get(f"/api/v1/imports/{created['id']}/").json()
    assert shown["status"] == "ready" and shown["progress"] == 100
    assert [batch["id"] for batch in client.get("/api/v1/imports/").json()["results"]] == [created["id"]]

    response = confirm(client, created["id"], django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert response.json()["status"] == "importing"
    done = client.get(f"/api/v1/imports/{created['id']}/").json()
    assert (done["status"], done["imported_rows"]) == ("imported", 3)
    assert set(Person.objects.values_list("name", flat=True)) == {"贺金贵", "李桂花", "贺小军"}

    again = confirm(client, created["id"], django_capture_on_commit_callbacks)
    assert again.status_code == 409
    assert again.json() == {
        "detail": "此文件现在不能导入：文件有错误，或正在导入，或已经导入过。",
        "code": "import_not_ready",
    }


def test_a_supply_list_goes_in_through_the_api(charity_staff, world, send, django_capture_on_commit_callbacks):
    client = api_as(charity_staff)
    created = send(client, "supply_list", "supply.xlsx", supply_xlsx([supply_row(), supply_row(name="助医金")]).read())
    assert (created["status"], created["valid_rows"], created["error_count"]) == ("ready", 2, 0)
    assert confirm(client, created["id"], django_capture_on_commit_callbacks).status_code == 202
    assert client.get(f"/api/v1/imports/{created['id']}/").json()["status"] == "imported"
    assert set(Resource.objects.filter(organization=world.charity).values_list("name", flat=True)) == {
        "助学金",
        "助医金",
    }


def test_a_numeric_id_column_is_refused_with_every_error_listed_and_paginated(
    station_worker, world, send, django_capture_on_commit_callbacks
):
    client = api_as(station_worker)
    rows = people()
    created = send(client, "visit_register", "台账.xlsx", office_xlsx(rows, id_as_number=True))
    assert created["status"] == "invalid" and created["valid_rows"] == 0
    listed = client.get(f"/api/v1/imports/{created['id']}/errors/?page_size=2").json()
    assert listed["count"] == created["error_count"] >= 3 and len(listed["results"]) == 2 and listed["next"]
    every = client.get(f"/api/v1/imports/{created['id']}/errors/?page_size=200").json()["results"]
    id_errors = [(e["row"], e["column"], e["message"]) for e in every if e["column"] == "身份证号"]
    assert id_errors == [
        (number, "身份证号", NUMERIC_ID.format(value=format(float(str(row[2])), ".6G")))
        for number, row in enumerate(rows, start=4)
    ]
    response = confirm(client, created["id"], django_capture_on_commit_callbacks)
    assert response.status_code == 409 and response.json()["code"] == "import_not_ready"
    assert not Person.objects.exists()


def test_a_bad_kind_or_a_bad_file_is_a_400_with_the_reason(station_worker, world, send):
    client = api_as(station_worker)
    body = send(client, "no_such_kind", "a.xlsx", b"x", expect=400)
    assert body == {"kind": ["没有这种导入：no_such_kind。"]}
    body = send(client, "visit_register", "台账.docx", b"PK\x03\x04 not a sheet", expect=400)
    assert list(body) == ["file"] and ".xlsx" in body["file"][0]
    missing = client.post("/api/v1/imports/", {"kind": "visit_register"}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()
    assert not ImportBatch.objects.exists()


def test_anonymous_is_401(api, world):
    assert api.get("/api/v1/imports/").status_code == 401
    assert api.post("/api/v1/imports/", {"kind": "visit_register"}, format="multipart").status_code == 401


def test_a_role_that_may_not_use_the_kind_is_403(supervisor, charity_staff, world, send):
    send(api_as(supervisor), "visit_register", "台账.xlsx", office_xlsx(people()), expect=403)
    send(api_as(charity_staff), "visit_register", "台账.xlsx", office_xlsx(people()), expect=403)
    assert not ImportBatch.objects.exists()


def test_another_countys_caseworker_finds_no_batch_of_ours(
    station_worker, other_county_caseworker, world, send, django_capture_on_commit_callbacks
):
    created = send(api_as(station_worker), "visit_register", "台账.xlsx", office_xlsx(people(), id_as_number=True))
    other = api_as(other_county_caseworker)
    for path in ("", "errors/"):
        assert other.get(f"/api/v1/imports/{created['id']}/{path}").status_code == 404
    assert confirm(other, created["id"], django_capture_on_commit_callbacks).status_code == 404
    assert other.get("/api/v1/imports/").json()["count"] == 0


def test_another_charity_finds_no_supply_list_batch_of_ours(
    charity_staff, other_charity_staff, world, send, django_capture_on_commit_callbacks
):
    created = send(api_as(charity_staff), "supply_list", "supply.xlsx", supply_xlsx([supply_row()]).read())
    other = api_as(other_charity_staff)
    assert other.get(f"/api/v1/imports/{created['id']}/").status_code == 404
    assert other.get(f"/api/v1/imports/{created['id']}/errors/").status_code == 404
    assert confirm(other, created["id"], django_capture_on_commit_callbacks).status_code == 404
    assert not Resource.objects.exists()


def test_the_administrator_reads_the_counts_but_not_the_errors_and_does_not_confirm(
    station_worker, admin_user, world, send, django_capture_on_commit_callbacks
):
    created = send(api_as(station_worker), "visit_register", "台账.xlsx", office_xlsx(people(), id_as_number=True))
    admin = api_as(admin_user)
    shown = admin.get(f"/api/v1/imports/{created['id']}/")
    assert shown.status_code == 200 and shown.json()["error_count"] == created["error_count"]
    assert "errors" not in shown.json() and "preview" not in shown.json()
    refused = admin.get(f"/api/v1/imports/{created['id']}/errors/")
    assert refused.status_code == 403 and str(people()[0][2])[:10] not in refused.content.decode()
    assert confirm(admin, created["id"], django_capture_on_commit_callbacks).status_code == 403
    assert admin.get("/api/v1/imports/").json()["count"] == 0  # the list is the caller's own


def test_a_malformed_batch_id_is_a_404(station_worker, world):
    assert api_as(station_worker).get("/api/v1/imports/not-a-uuid-at-all-but-long-enough-x/").status_code == 404
    assert api_as(station_worker).get(f"/api/v1/imports/{'0' * 32}/").status_code == 404


def test_the_schema_describes_the_import_responses(station_worker, world):
    schema = api_as(station_worker).get("/api/schema/?format=json").json()
    create = schema["paths"]["/api/v1/imports/"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]
    assert {"201", "400"} <= set(create["responses"])
    confirm_op = schema["paths"]["/api/v1/imports/{id}/confirm/"]["post"]
    assert {"202", "409"} <= set(confirm_op["responses"])
    errors = schema["paths"]["/api/v1/imports/{id}/errors/"]["get"]["responses"]["200"]
    assert "Paginated" in errors["content"]["application/json"]["schema"]["$ref"]


def test_an_imported_file_sent_again_is_refused_row_by_row_in_as_many_queries_for_more_rows(
    station_worker, world, send, django_capture_on_commit_callbacks
):
    """The "already registered" check asks the database per 2,000 rows, not twice per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from beneficiaries.services import duplicate_messages
    from tests.factories import make_person

    client = api_as(station_worker)
    content = office_xlsx(people())
    created = send(client, "visit_register", "台账.xlsx", content)
    confirm(client, created["id"], django_capture_on_commit_callbacks)
    again = send(client, "visit_register", "台账.xlsx", content)
    assert again["status"] == "invalid" and again["valid_rows"] == 0
    errors = client.get(f"/api/v1/imports/{again['id']}/errors/").json()["results"]
    registered = [e for e in errors if e["column"] == "身份证号"]
    assert [e["row"] for e in registered] == [4, 5, 6]
    assert registered[0]["message"] == "该身份证号已登记：贺金贵，永坪村，户编号 YP-101。请打开已有记录，不要重复登记。"

    few = [make_person(world.our_village).id_number_index for _ in range(2)]
    many = few + [make_person(world.our_village).id_number_index for _ in range(20)]
    with CaptureQueriesContext(connection) as for_few:
        assert len(duplicate_messages(station_worker, few)) == 2
    with CaptureQueriesContext(connection) as for_many:
        assert len(duplicate_messages(station_worker, many)) == 22
    assert len(for_many) == len(for_few)
