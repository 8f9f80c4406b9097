"""受理编号: the reference number a member of the public is given (a complaint ``TS…``, an online
application ``SQ…``), one generator for both: prefix, the local date, six random digits.

Random, not sequential: a reference must not tell how many others applied, nor lead to theirs.
The status lookup reads the prefix to know what was filed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.utils import timezone

COMPLAINT_PREFIX = "TS"
APPLICATION_PREFIX = "SQ"


def reference_new(prefix: str, *, taken: Callable[[str], bool], attempts: int = 5) -> str:
    """A fresh reference; ``taken`` says whether one is already used (a unique column backs it)."""
    reference = ""
    for _attempt in range(attempts):
        reference = f"{prefix}{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"
        if not taken(reference):
            break
    return reference


def reference_normalise(text: str) -> str:
    """What a person typed (spaces, lower case, full-width letters and digits) as a reference."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", text).split()).upper()[:20]
