"""The public online application (在线申请): no sign-in, a phone-first page. What comes back is
the reference number and what happens next, never anything the register holds."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from beneficiaries import consent_texts
from beneficiaries.forms_public import APPLICATION_TOKEN_SALT, ApplicationForm, application_initial
from beneficiaries.services.applications import ApplicationThrottled, application_submit
from beneficiaries.views import _apply_errors
from core import public_forms
from core.client_address import client_address


def body_too_large(request: HttpRequest) -> bool:
    """Judged by the declared length before the body is read (the API and the page alike)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > settings.APPLICATION_MAX_BODY_BYTES


def _form_page(request: HttpRequest, form: ApplicationForm, *, status: int = 200, error: str = "") -> HttpResponse:
    return render(
        request,
        "beneficiaries/application_form.html",
        {"form": form, "consent_text": consent_texts.TEXTS[consent_texts.CURRENT_VERSION], "error": error},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and body_too_large(request):
        error = _("The application is too long to be sent (more than %(kb)d KB). Please shorten what you wrote.") % {
            "kb": settings.APPLICATION_MAX_BODY_BYTES // 1024
        }
        return _form_page(request, ApplicationForm(initial=application_initial()), status=413, error=error)
    form = ApplicationForm(request.POST if request.method == "POST" else None, initial=application_initial())
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                receipt = application_submit(
                    name=data["name"],
                    id_number=data["id_number"],
                    applicant_kind=data["applicant_kind"],
                    household_size=data["household_size"],
                    region=data["region"],
                    address=data["address"],
                    what_happened=data["what_happened"],
                    categories=list(data["categories"]),
                    urgency=data["urgency"],
                    phone=data["phone"],
                    consent_version=data["consent_version"],
                    agrees=data["agrees"],
                    may_text=data["may_text"],
                    client=client_address(request),
                )
            except ApplicationThrottled as error:
                form.add_error(None, error.message)
                return _form_page(request, form, status=429)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                return render(request, "beneficiaries/application_received.html", {"receipt": receipt})
        # Shown again with a fresh token, so the time limit does not block the corrected resend.
        resent = request.POST.copy()
        resent["form_token"] = public_forms.shown_token(APPLICATION_TOKEN_SALT)
        form.data = resent
    return _form_page(request, form)
