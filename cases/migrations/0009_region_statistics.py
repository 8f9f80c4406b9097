"""A finer statistics sample of the referral's region code (issue #17, "stable plans").

Lists filter by a region prefix (``region_id LIKE '611021%'``), which PostgreSQL estimates from the
column's histogram. With the default 100 buckets a county of 100 (1 % of the rows) fell inside one
or two buckets, and one ANALYZE in three estimated 800 rows for 10,000; with 500 it stays within
a few per cent (bench/plans.py, docs/performance.md). SQLite has no such statistics: nothing to do.
"""

from django.db import migrations

TABLES = ["cases_referral"]
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
    dependencies = [("cases", "0008_notification_need")]

    operations = [migrations.RunPython(finer, default)]
