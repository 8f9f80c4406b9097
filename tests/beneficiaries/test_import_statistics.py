"""After a large import the planner's statistics of the tables it wrote are taken again (issue #17):
autovacuum waits for a tenth of a table to change, and the region-filtered lists would plan from the
sample taken before the import."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import ImportBatch, ImportStatus
from tests.beneficiaries.test_visit_import import _upload, row, xlsx
from tests.factories import valid_id_number


def analyzed(sql: list[str]) -> set[str]:
    return {q.split('"')[1] for q in sql if q.startswith("ANALYZE")}


def confirm(client, batch: ImportBatch, capture) -> list[str]:
    with CaptureQueriesContext(connection) as ctx, capture(execute=True):
        client.post(f"/imports/batch/{batch.pk}/confirm/")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED, batch.errors
    return [q["sql"] for q in ctx.captured_queries]


def two_people():
    return xlsx(
        [
            row(),
            row(name="贺秀兰", id_number=valid_id_number(date(1957, 2, 2)), relation="配偶", need_category=""),
        ]
    )


def test_a_large_import_analyzes_what_it_wrote(
    client, station_worker, world, settings, django_capture_on_commit_callbacks
) -> None:
    settings.ANALYZE_AFTER_ROWS = 2
    batch = _upload(client, station_worker, two_people(), django_capture_on_commit_callbacks)
    sql = confirm(client, batch, django_capture_on_commit_callbacks)
    if connection.vendor == "postgresql":
        assert analyzed(sql) == {"beneficiaries_household", "beneficiaries_person", "beneficiaries_need"}
    else:
        assert analyzed(sql) == set()  # SQLite keeps no such statistics


def test_a_small_import_leaves_it_to_autovacuum(
    client, station_worker, world, settings, django_capture_on_commit_callbacks
) -> None:
    settings.ANALYZE_AFTER_ROWS = 3
    batch = _upload(client, station_worker, two_people(), django_capture_on_commit_callbacks)
    assert analyzed(confirm(client, batch, django_capture_on_commit_callbacks)) == set()


def test_loading_the_region_table_analyzes_it(db, tmp_path, settings, django_capture_on_commit_callbacks) -> None:
    from io import StringIO

    from django.core.management import call_command

    settings.ANALYZE_AFTER_ROWS = 5
    path = tmp_path / "regions.csv"
    path.write_text("code,name\n610000,陕西省\n610600,延安市\n610622,延川县\n610622100,永坪镇\n610622100201,永坪村\n")
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        call_command("import_regions", str(path), stdout=StringIO())
    assert analyzed([q["sql"] for q in ctx.captured_queries]) == (
        {"core_region"} if connection.vendor == "postgresql" else set()
    )
