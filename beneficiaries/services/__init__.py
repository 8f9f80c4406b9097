"""Writes to the register. Each is one transaction and one audit entry.

Input errors raise ``ValidationError`` keyed by field (the API answers 400, pages
show them by the field); a wrong state raises ``RegisterError`` (409). One module per
aggregate; callers import from the package.
"""

from beneficiaries.services.applications import (
    ApplicationReceipt,
    ApplicationThrottled,
    application_called_back,
    application_submit,
)
from beneficiaries.services.assistance import (
    assistance_conflicts,
    assistance_record_create,
    assistance_records_import,
)
from beneficiaries.services.common import (
    EVIDENCE_EXTENSIONS,
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    RegisterError,
    check_codes,
    money,
    writable_region_of,
)
from beneficiaries.services.consent import (
    consent_grant,
    consent_proof_errors,
    consent_revoke,
    consents_expire,
)
from beneficiaries.services.early_warning import (
    warning_rule_evaluate,
)
from beneficiaries.services.households import (
    household_create,
    household_update,
)
from beneficiaries.services.needs import (
    need_log,
    need_set_status,
    need_update,
)
from beneficiaries.services.persons import (
    PERSON_EDITABLE,
    CheckedIdentity,
    check_identity,
    duplicate_message,
    duplicate_messages,
    person_create,
    person_reveal,
    person_update,
)

__all__ = [
    "EVIDENCE_EXTENSIONS",
    "EVIDENCE_MAX_BYTES",
    "EVIDENCE_TYPES",
    "PERSON_EDITABLE",
    "ApplicationReceipt",
    "ApplicationThrottled",
    "CheckedIdentity",
    "RegisterError",
    "application_called_back",
    "application_submit",
    "assistance_conflicts",
    "assistance_record_create",
    "assistance_records_import",
    "check_codes",
    "check_identity",
    "consent_grant",
    "consent_proof_errors",
    "consent_revoke",
    "consents_expire",
    "duplicate_message",
    "duplicate_messages",
    "household_create",
    "household_update",
    "money",
    "need_log",
    "need_set_status",
    "need_update",
    "person_create",
    "person_reveal",
    "person_update",
    "warning_rule_evaluate",
    "writable_region_of",
]
