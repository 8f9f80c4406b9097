"""The one answer to "which role does this user act in?" (superusers handled here, once)."""

from __future__ import annotations

from typing import Any

from accounts.models import Role


def effective_role(user: Any) -> str:
    """A superuser acts as an administrator whatever role field they carry; anonymous users have none."""
    if not getattr(user, "is_authenticated", False):
        return ""
    return Role.ADMIN if getattr(user, "is_superuser", False) else str(getattr(user, "role", ""))
