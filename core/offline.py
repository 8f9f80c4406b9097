"""The answer a station phone's offline queue gets for one record it sends (docs/offline.md).

The queue posts a record to the same page a person would (the need form, the follow-up visit form),
with the same fields, session and CSRF token, so every rule of that page and its service holds. It
adds the header ``X-Offline-Sync: 1`` and then reads one of these JSON answers instead of a page:
``saved`` (with the record's page; ``already`` when its form token had been used, so it was saved
before and is not saved twice), ``refused`` (with the reason, field by field) or ``busy`` (another
request holds its token: send it again later).
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, JsonResponse

SYNC_HEADER = "X-Offline-Sync"


def is_sync(request: HttpRequest) -> bool:
    return request.headers.get(SYNC_HEADER) == "1"


def saved(url: str, message: str, *, already: bool = False) -> JsonResponse:
    return JsonResponse(
        {"result": "saved", "already": already, "url": url, "message": message}, status=200 if already else 201
    )


def busy(message: str) -> JsonResponse:
    return JsonResponse({"result": "busy", "message": message}, status=409)


def refused(form: forms.Form | None = None, message: str = "", *, status: int = 400) -> JsonResponse:
    """The form's errors, each named by its field's label, as one message and field by field."""
    errors: dict[str, list[str]] = {}
    lines = [message] if message else []
    if form is not None:
        for name, messages in form.errors.items():
            errors[name] = [str(text) for text in messages]
            field = form.fields.get(name)
            label = f"{field.label}：" if field is not None and field.label and not field.widget.is_hidden else ""
            lines += [f"{label}{text}" for text in errors[name]]
    return JsonResponse({"result": "refused", "message": "；".join(lines), "errors": errors}, status=status)
