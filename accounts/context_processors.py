from __future__ import annotations

from django.http import HttpRequest

from accounts.navigation import groups_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_groups": []}
    groups = groups_for(user, request.path)
    return {"nav_groups": groups, "nav_items": [item for group in groups for item in group["items"]]}
