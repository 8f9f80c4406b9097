"""The unread-notification count shown in the page header."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from cases.selectors import unread_notification_count

        return unread_notification_count(user)

    # Lazy: responses that never render the header (exports, fragments) run no query.
    return {"unread_notifications": SimpleLazyObject(count)}
