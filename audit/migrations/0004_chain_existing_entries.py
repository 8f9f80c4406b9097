"""Fill the region and person of existing entries and chain them (issue #7).

The append-only trigger is switched off for this one migration's transaction only: it is the
single place that writes to existing audit rows, and it only adds the new columns.
"""

from django.db import migrations

from audit.chain import GENESIS, compute_hash

PERSON_LABEL = "beneficiaries.person"


def _subjects(apps, target_type, ids):
    """{target id: (region code, person pk)} for one target type, from the current rows."""
    try:
        model = apps.get_model(*target_type.split("."))
    except (LookupError, ValueError):
        return {}
    names = {field.attname for field in model._meta.concrete_fields}
    found = {}
    for obj in model._base_manager.filter(pk__in=ids):
        person_pk = obj.pk if target_type == PERSON_LABEL else getattr(obj, "person_id", None)
        region = getattr(obj, "region_id", None) if "region_id" in names else None
        if not region and "jurisdiction_id" in names:
            region = obj.jurisdiction_id
        found[str(obj.pk)] = (region or "", person_pk)
    person_model = apps.get_model("beneficiaries", "Person")
    lacking = {person for region, person in found.values() if not region and person is not None}
    regions = dict(person_model._base_manager.filter(pk__in=lacking).values_list("pk", "region_id"))
    return {key: (region or regions.get(person, ""), person) for key, (region, person) in found.items()}


def forward(apps, schema_editor):
    entry_model = apps.get_model("audit", "AuditEntry")
    head_model = apps.get_model("audit", "AuditChainHead")
    user_model = apps.get_model("accounts", "User")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
    users = {}
    for user in user_model._base_manager.select_related("organization"):
        users[user.pk] = user.jurisdiction_id or (user.organization.region_id if user.organization_id else "") or ""
    prev, last_id, length = GENESIS, None, 0
    while True:
        batch = list(entry_model._base_manager.filter(id__gt=last_id or 0).order_by("id")[:2000])
        if not batch:
            break
        by_type = {}
        for entry in batch:
            by_type.setdefault(entry.target_type, []).append(entry.target_id)
        subjects = {}
        for target_type, ids in by_type.items():
            for key, value in _subjects(apps, target_type, ids).items():
                subjects[(target_type, key)] = value
        for entry in batch:
            entry.region_code, entry.person_pk = subjects.get((entry.target_type, entry.target_id), ("", None))
            entry.actor_region_code = users.get(entry.actor_id, "") if entry.actor_id else ""
            entry.prev_hash = prev
            values = {field.attname: getattr(entry, field.attname) for field in entry._meta.concrete_fields}
            entry.entry_hash = prev = compute_hash(values, prev)
        entry_model._base_manager.bulk_update(
            batch, ["region_code", "person_pk", "actor_region_code", "prev_hash", "entry_hash"]
        )
        last_id, length = batch[-1].id, length + len(batch)
    head_model._base_manager.update_or_create(
        pk=1, defaults={"last_entry_id": last_id, "last_hash": prev, "length": length}
    )
    if postgres:
        schema_editor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_and_scope"), ("beneficiaries", "0003_register_consent_needs"), ("accounts", "0004_totpdevice")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
