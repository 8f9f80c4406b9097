"""The audit log is hash-chained; verify_audit_log names the first broken link (issue #7, Acceptance 3)."""

from __future__ import annotations

import importlib
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import translation

from audit.chain import GENESIS, compute_hash, entry_values, verify_chain
from audit.models import AuditChainHead, AuditEntry
from audit.services import audit_record, audit_record_many
from tests.factories import make_person


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The command speaks the active language (Chinese by default); these tests read the English text.
    with translation.override("en"):
        yield


@contextmanager
def tampering() -> Iterator[None]:
    """What someone with database access does: raw SQL, the append-only trigger switched off."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks before ALTER
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        yield
        if postgres:
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    return out.getvalue()


@pytest.fixture
def entries(caseworker, world):
    return [
        audit_record(actor=caseworker, action="change", target=world.bureau, changes={"fields": ["name"], "n": i})
        for i in range(5)
    ]


def test_each_entry_carries_the_hash_of_the_one_before(entries):
    assert entries[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
    stored = AuditEntry.objects.get(pk=entries[2].pk)
    assert stored.entry_hash == compute_hash(entry_values(stored), stored.prev_hash)
    head = AuditChainHead.objects.get()
    assert (head.last_entry_id, head.last_hash, head.length) == (entries[-1].pk, entries[-1].entry_hash, 5)


def test_an_intact_log_verifies(entries):
    out = _verify()
    assert "5" in out and entries[-1].entry_hash in out


def test_values_hash_the_same_after_the_database_round_trip(rf, caseworker, world):
    request = rf.get("/p/", REMOTE_ADDR="2001:0db8:0000:0000:0000:0000:0000:0001", HTTP_USER_AGENT="手机浏览器")
    audit_record(
        actor=caseworker,
        action="export",
        target=world.bureau,
        changes={"amount": 2.0, "big": 1e20, "share": 0.125, "text": "延川县", "nested": {"b": [1, None, True]}},
        reason="核对 \u2028 换行\n",
        request=request,
    )
    audit_record(actor=None, action="status", target=world.charity)
    assert verify_chain().broken is None


def test_bulk_entries_are_chained_in_order(caseworker, world):
    people = [make_person(region=world.our_village) for _ in range(3)]
    audit_record(actor=caseworker, action="change", target=world.bureau)
    assert audit_record_many(actor=caseworker, action="import", targets=people, changes={"import": "x"}) == 3
    rows = list(AuditEntry.objects.order_by("id"))
    assert [row.prev_hash for row in rows[1:]] == [row.entry_hash for row in rows[:-1]]
    assert {row.person_pk for row in rows[1:]} == {person.pk for person in people}
    assert {row.region_code for row in rows[1:]} == {world.our_village.code}
    assert verify_chain().broken is None


def test_changing_one_field_of_one_row_is_named(entries):
    with tampering():
        _sql("UPDATE audit_auditentry SET reason = %s WHERE id = %s", ["改过", entries[2].pk])
    with pytest.raises(CommandError, match=rf"#{entries[2].pk} .*changed after it was written"):
        _verify()


def test_the_report_is_in_chinese_by_default(entries):
    with tampering():
        _sql("UPDATE audit_auditentry SET target_repr = %s WHERE id = %s", ["改过", entries[1].pk])
    with translation.override("zh-hans"), pytest.raises(CommandError, match=rf"第 {entries[1].pk} 号记录.*被改动"):
        _verify()


def test_a_row_changed_and_rehashed_breaks_the_next_link(entries):
    target = AuditEntry.objects.get(pk=entries[1].pk)
    target.reason = "改过"
    new_hash = compute_hash(entry_values(target), target.prev_hash)
    with tampering():
        _sql("UPDATE audit_auditentry SET reason = %s, entry_hash = %s WHERE id = %s", ["改过", new_hash, target.pk])
    report = verify_chain()
    assert report.broken is not None and report.broken.entry_id == entries[2].pk and report.checked == 2
    with pytest.raises(CommandError, match=rf"#{entries[2].pk} .*#{entries[1].pk}"):
        _verify()


def test_a_removed_row_is_noticed_at_the_next_one(entries):
    with tampering():
        _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[3].pk])
    with pytest.raises(CommandError, match=rf"#{entries[4].pk} "):
        _verify()


def test_removing_the_first_or_the_latest_rows_is_noticed(entries):
    with tampering():
        _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    with pytest.raises(CommandError, match="latest entries were removed"):
        _verify()
    with tampering():
        _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[0].pk])
    with pytest.raises(CommandError, match=rf"#{entries[1].pk} .*first entry"):
        _verify()


def test_the_migration_chains_entries_written_before_chaining(caseworker, world):
    from django.apps import apps

    person = make_person(region=world.our_village)
    # Rows as they were before chaining: no hash, no region, no head.
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=caseworker,
                actor_name="x",
                action="reveal",
                target_type="beneficiaries.person",
                target_id=str(person.pk),
            ),
            AuditEntry(action="status", target_type="core.organization", target_id=str(world.charity.pk)),
        ]
    )
    AuditChainHead.objects.all().delete()
    migration = importlib.import_module("audit.migrations.0004_chain_existing_entries")

    class Editor:
        def __init__(self) -> None:
            self.connection = connection

        def execute(self, sql: str) -> None:
            _sql(sql, [])

    migration.forward(apps, Editor())
    reveal, status = AuditEntry.objects.order_by("id")
    assert (reveal.person_pk, reveal.region_code, reveal.actor_region_code) == (
        person.pk,
        world.our_village.code,
        caseworker.jurisdiction_id,
    )
    assert status.region_code == world.charity.region_id and status.prev_hash == reveal.entry_hash
    assert verify_chain().broken is None
    audit_record(actor=caseworker, action="change", target=world.bureau)
    assert verify_chain().broken is None and verify_chain().checked == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_cannot_fork_the_chain(django_db_blocker):
    from core.models import Organization, OrganizationKind, Region

    region = Region.objects.create(code="610000000000", name="陕西省", level=1)
    organization = Organization.objects.create(kind=OrganizationKind.CHARITY, name="并发测试", region=region)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer() -> None:
        try:
            barrier.wait()
            for i in range(15):
                audit_record(actor=None, action="change", target=organization, changes={"i": str(Decimal(i))})
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_chain()
    assert report.broken is None and report.checked == 60
    assert AuditEntry.objects.values("prev_hash").distinct().count() == 60
