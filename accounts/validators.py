from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User


class MixedCharactersValidator:
    """A password mixes at least three of: lower case, upper case, digits, symbols (MLPS 2.0)."""

    def validate(self, password: str, user: User | None = None) -> None:
        kinds = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(kinds) < 3:
            raise ValidationError(
                _("The password must mix at least three of: lower-case letters, upper-case letters, digits, symbols."),
                code="password_not_mixed",
            )

    def get_help_text(self) -> str:
        return _("Mix at least three of: lower-case letters, upper-case letters, digits, symbols.")
