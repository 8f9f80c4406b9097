"""The consent texts the public agrees to online, by version. A text, once used, never changes:
a new wording is a new version (the consent record keeps the version the person agreed to).

The Chinese wording (the catalogue's translation of each msgid below) is the binding one; the
English msgid is what an English reader of the same version sees. Changing either is a new version.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CURRENT_VERSION = "online-2026-12"

TEXTS: dict[str, Promise] = {
    "online-2026-12": _(
        "I apply for assistance online of my own free will and agree that:\n"
        "1. the civil affairs service station of my township (street) and the county civil affairs bureau use "
        "the name, ID number, phone, address and situation I give to verify my situation, call me and handle "
        "the application;\n"
        "2. to help me, civil affairs may give my name, gender, birth date, phone and address to the charities "
        "of this county's assistance network, for referral, matching and follow-up visits;\n"
        "3. this consent is valid for one year from today; I may withdraw it at any time by calling the "
        "township station, after which my data is no longer given to charities.\n"
        "I confirm that what I give is true."
    ),
}

# Only when ticked: the person may receive text messages about their own case.
CONTACT_TEXT = _(
    "I agree to receive text messages about this application (received, referral results); "
    "the messages carry neither my name nor my ID number."
)
