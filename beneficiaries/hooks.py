"""What the register asks the apps above it (core.hooks explains why hooks, not imports).

- ``consent_ended(consent, by, reason)``: a consent was revoked or expired. The cases app withdraws
  every open referral under it and ends the receivers' sight of the person (SPEC rule 2). Required:
  a consent cannot end while nobody is listening.
- ``records_created(kind, records, by)``: needs or assistance records were written (one or many,
  ``records`` a list of ``(object id, person)``). The supervision app flags those about a declared
  relative (严防优亲厚友, SPEC rule 11).
- ``recorder_conflicts(kind, persons, by)``: before writing, the ids of the persons ``by`` may not
  record this kind for (their own declared relatives, for government assistance). Each receiver
  returns a set; the union is refused.
"""

from __future__ import annotations

from core.hooks import Hook

consent_ended = Hook("beneficiaries.consent_ended", required=True)
records_created = Hook("beneficiaries.records_created")
recorder_conflicts = Hook("beneficiaries.recorder_conflicts")
need_picked_up = Hook("beneficiaries.need_picked_up")
