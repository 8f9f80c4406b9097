"""Hash chaining of the audit log.

Every entry carries ``prev_hash`` (the ``entry_hash`` of the entry before it, in id order; the
first entry has ``GENESIS``) and its own ``entry_hash``: SHA-256 over a canonical JSON
serialisation of its fields and ``prev_hash``. Changing, removing or inserting a row anywhere
breaks a link that ``manage.py verify_audit_log`` finds.

Writers append under one lock (the single ``AuditChainHead`` row, ``SELECT … FOR UPDATE``) held
until their transaction commits, so two concurrent transactions cannot both chain onto the same
entry: chain order is commit order is id order. SQLite ignores ``FOR UPDATE``; there a no-op
``UPDATE`` of the head takes the database's write lock before the head is read.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import F

from audit.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64

# The fields an entry's hash covers (plus prev_hash). Adding a field here changes every hash:
# it needs a migration that re-chains the log.
HASHED_FIELDS = (
    "at",
    "actor_id",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "changes",
    "reason",
    "ip_address",
    "user_agent",
    "path",
    "region_code",
    "actor_region_code",
    "person_pk",
)


def _canonical_json_value(value: Any) -> Any:
    # PostgreSQL's jsonb gives back 2.0 as 2.0 but 1e20 as 100000000000000000000: integral floats
    # are hashed as integers so a value hashes the same before and after the round trip.
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {str(key): _canonical_json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_json_value(item) for item in value]
    return value


def _canonical_field(name: str, value: Any) -> Any:
    if name == "at":
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None
    if name == "ip_address":
        # The database may store an address in another spelling (inet normalises IPv6).
        return str(ipaddress.ip_address(value)) if value else None
    if name == "changes":
        return _canonical_json_value(value or {})
    return value


def canonical_bytes(values: dict[str, Any], prev_hash: str) -> bytes:
    payload = {name: _canonical_field(name, values.get(name)) for name in HASHED_FIELDS}
    payload["prev_hash"] = prev_hash
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def entry_values(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def compute_hash(values: dict[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(canonical_bytes(values, prev_hash)).hexdigest()


def lock_chain_head() -> AuditChainHead:
    """Lock and return the chain head; call inside a transaction."""
    if connection.vendor == "sqlite":
        AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON).update(length=F("length"))
    head = AuditChainHead.objects.select_for_update(no_key=True).filter(pk=AuditChainHead.SINGLETON).first()
    if head is None:
        # A fresh database (or a flushed test database): an empty chain starts at GENESIS.
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=AuditChainHead.SINGLETON)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update(no_key=True).get(pk=AuditChainHead.SINGLETON)
    return head


def chain_entries(entries: list[AuditEntry], *, head: AuditChainHead) -> str:
    """Fill prev_hash and entry_hash of unsaved entries, in order; returns the new head hash."""
    prev = head.last_hash
    for entry in entries:
        entry.prev_hash = prev
        entry.entry_hash = compute_hash(entry_values(entry), prev)
        prev = entry.entry_hash
    return prev


@dataclass(frozen=True)
class BrokenLink:
    entry_id: int | None
    at: datetime | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_hash: str
    broken: BrokenLink | None


def _rows(batch_size: int) -> Iterator[dict[str, Any]]:
    fields = ("id", *HASHED_FIELDS, "prev_hash", "entry_hash")
    last_id = 0
    while True:
        batch = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id").values(*fields)[:batch_size])
        if not batch:
            return
        yield from batch
        last_id = batch[-1]["id"]


def verify_chain(*, batch_size: int = 5000) -> ChainReport:
    """Walk the log in id order and return the first broken link (or none)."""
    from django.utils.translation import gettext as _

    prev_hash, prev_id, checked = GENESIS, None, 0
    for row in _rows(batch_size):
        if row["prev_hash"] != prev_hash:
            if prev_id is None:
                problem = _(
                    "it is the first entry but does not start the chain: entries before it were removed, "
                    "or its recorded previous hash was changed"
                )
            else:
                problem = _(
                    "its recorded previous hash is not the hash of entry #%(prev)s: entries between them "
                    "were removed or inserted, or entry #%(prev)s was re-hashed after a change"
                ) % {"prev": prev_id}
            return ChainReport(checked, prev_hash, BrokenLink(row["id"], row["at"], problem))
        recomputed = compute_hash(row, row["prev_hash"])
        if recomputed != row["entry_hash"]:
            problem = _(
                "its content does not match its hash (stored %(stored)s…, computed %(computed)s…): "
                "a field of this entry was changed after it was written"
            ) % {"stored": row["entry_hash"][:12], "computed": recomputed[:12]}
            return ChainReport(checked, prev_hash, BrokenLink(row["id"], row["at"], problem))
        prev_hash, prev_id, checked = row["entry_hash"], row["id"], checked + 1
    head = AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON).first()
    if head is None and checked:
        problem = _("the chain head record is missing: it was removed from the database")
        return ChainReport(checked, prev_hash, BrokenLink(prev_id, None, problem))
    if head is not None and (head.last_hash != prev_hash or head.length != checked):
        problem = _(
            "the log ends at entry #%(last)s after %(count)s entries, but the chain head records "
            "%(head_count)s entries ending at entry #%(head_last)s: the latest entries were removed"
        ) % {"last": prev_id, "count": checked, "head_count": head.length, "head_last": head.last_entry_id}
        return ChainReport(checked, prev_hash, BrokenLink(prev_id, None, problem))
    return ChainReport(checked, prev_hash, None)
