"""The register's spreadsheet imports: the visit register (走访排查台账) and government assistance records."""

from beneficiaries.imports.assistance import AssistanceRecordImport
from beneficiaries.imports.visits import VisitRegisterImport

__all__ = ["AssistanceRecordImport", "VisitRegisterImport"]
