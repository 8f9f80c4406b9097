"""The audit log is append-only: no update or delete through the model, the queryset, the admin
or (on PostgreSQL) the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AuditEntry, AuditLogIsAppendOnly
from audit.services import audit_record
from tests.factories import PASSWORD


@pytest.fixture
def entry(caseworker, world):
    return audit_record(actor=caseworker, action="change", target=world.bureau, changes={"fields": ["name"]})


def test_an_entry_records_who_what_and_from_where(rf, caseworker, world, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    settings.TRUSTED_PROXY_COUNT = 2  # the client's address as the outer of two proxies saw it
    request = rf.post("/x/", HTTP_USER_AGENT="pytest", HTTP_X_FORWARDED_FOR="10.1.2.3, 10.0.0.1")
    entry = audit_record(actor=caseworker, action="reveal", target=world.bureau, reason="核对", request=request)
    assert entry.actor_name == caseworker.display_name
    assert entry.target_type == "core.organization" and entry.target_id == str(world.bureau.pk)
    assert entry.ip_address == "10.1.2.3" and entry.user_agent == "pytest" and entry.path == "/x/"


def test_an_entry_cannot_be_saved_again_or_deleted(entry):
    entry.reason = "改写"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()


def test_the_queryset_refuses_bulk_update_and_delete(entry):
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


def test_the_admin_lists_but_offers_no_add_change_or_delete(client, admin_user, entry):
    client.login(username=admin_user.username, password=PASSWORD)
    listing = client.get(reverse("admin:audit_auditentry_changelist"))
    assert listing.status_code == 200 and "action-select" not in listing.content.decode()
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    change = client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"reason": "x"})
    assert change.status_code == 403
    assert client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, reason="").exists()


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_in_sql(entry):
    for sql in ("UPDATE audit_auditentry SET reason = 'x' WHERE id = %s", "DELETE FROM audit_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk, reason="").exists()
