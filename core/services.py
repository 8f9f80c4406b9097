"""Writes for regions and organizations."""

from __future__ import annotations

from core.regions import Progress, RegionChange, RegionImportResult, RowError, regions_import_tables

__all__ = ["RegionChange", "RegionImportResult", "RowError", "regions_import_csv", "regions_import_tables"]


def regions_import_csv(
    *, text: str, dry_run: bool = False, source: str = "", progress: Progress | None = None
) -> RegionImportResult:
    """Import one region code table (CSV text); see :mod:`core.regions`."""
    return regions_import_tables(tables=[(source, text)], dry_run=dry_run, progress=progress)
