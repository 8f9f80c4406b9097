"""Re-encrypt every sensitive value under the current (first) key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first, keep the old ones after it, run this command,
then remove the old keys. It works in batches ordered by id, each batch in its
own transaction, and prints where it is; ``--start-id`` resumes after an
interruption (running it again from the start is harmless, just slower).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from beneficiaries.crypto import rotate

# (table, encrypted columns)
TABLES: dict[str, list[str]] = {
    "beneficiaries_person": ["id_number", "phone", "health", "disability_details"],
    "beneficiaries_household": [
        "annual_income",
        "previous_annual_income",
        "annual_essential_expenses",
        "annual_medical_expenses",
    ],
    # Staff authenticator secrets use the same keys: left out, dropping the old key would break every
    # two-step sign-in.
    "accounts_totpdevice": ["secret"],
}


class Command(BaseCommand):
    help = "Re-encrypt sensitive register fields with the current key (batched, resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--start-id", type=int, default=0, help="Resume: only rows with a larger id.")
        parser.add_argument("--table", choices=sorted(TABLES), help="Only this table.")

    def handle(self, *args: Any, batch_size: int, start_id: int, table: str | None, **options: Any) -> None:
        for name in [table] if table else list(TABLES):
            rotated = self._rotate_table(name, TABLES[name], batch_size=batch_size, start_id=start_id)
            self.stdout.write(f"{name}: {rotated} rows re-encrypted")

    def _rotate_table(self, table: str, columns: list[str], *, batch_size: int, start_id: int) -> int:
        # Raw SQL on the ciphertext: MultiFernet.rotate re-encrypts without the
        # plain value ever reaching model code.
        quote = connection.ops.quote_name
        column_sql = ", ".join(quote(column) for column in columns)
        assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
        last_id = start_id
        total = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, {column_sql} FROM {quote(table)} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608 - names are constants above
                    [last_id, batch_size],
                )
                rows = cursor.fetchall()
                if not rows:
                    return total
                for row_id, *values in rows:
                    new_values = [rotate(value) if value else value for value in values]
                    cursor.execute(
                        f"UPDATE {quote(table)} SET {assignments} WHERE id = %s",  # noqa: S608 - names are constants above
                        [*new_values, row_id],
                    )
                last_id = rows[-1][0]
                total += len(rows)
            self.stdout.write(f"{table}: up to id {last_id} ({total} rows); resume with --start-id {last_id}")
