"""A finer statistics sample of the region code of needs, people and households (issue #17, "stable plans").

Lists filter by a region prefix (``region_id LIKE '611021%'``), which PostgreSQL estimates from the
column's histogram. With the default 100 buckets a township of 100 (1 % of the needs) fell inside one
or two buckets, and one ANALYZE in three was off by a factor of several; with 500 it stays within
a few per cent (bench/plans.py, docs/performance.md). SQLite has no such statistics: nothing to do.
"""

from django.db import migrations

TABLES = ["beneficiaries_need", "beneficiaries_person", "beneficiaries_household"]
TARGET = 500


def finer(apps, schema_editor, target=TARGET):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN region_id SET STATISTICS {target}")
        schema_editor.execute(f"ANALYZE {table} (region_id)")


def default(apps, schema_editor):
    finer(apps, schema_editor, target=-1)


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0007_need_pick_up")]

    operations = [migrations.RunPython(finer, default)]
