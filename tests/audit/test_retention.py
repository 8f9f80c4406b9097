"""Retention (at least 6 months) is kept by never deleting: nothing in the code removes entries,
and removing what an entry points at leaves the entry alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db.models import ProtectedError

from audit.models import AuditEntry
from audit.services import audit_record

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = [p for p in ROOT.iterdir() if (p / "apps.py").exists() or p.name == "referral_hub"]


def test_deleting_a_user_with_entries_is_refused(caseworker, world):
    entry = audit_record(actor=caseworker, action="change", target=world.bureau)
    with pytest.raises(ProtectedError):
        caseworker.delete()
    assert AuditEntry.objects.filter(pk=entry.pk, actor=caseworker).exists()


def test_removing_the_object_concerned_keeps_its_entries(caseworker, world):
    from core.models import Organization

    organization = world.other_charity
    entry = audit_record(actor=caseworker, action="change", target=organization)
    Organization.objects.filter(pk=organization.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk, target_repr=str(organization)).exists()


def test_no_code_deletes_or_truncates_audit_entries():
    pattern = re.compile(r"(DELETE\s+FROM|TRUNCATE)\s+\"?audit_auditentry|AuditEntry\.objects[^\n]*\.delete\(", re.I)
    offenders = [
        str(path.relative_to(ROOT))
        for directory in APP_DIRS
        for path in directory.rglob("*.py")
        if "migrations" not in path.parts and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
