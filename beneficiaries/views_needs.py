"""Register pages for the need list (需求清单), probable duplicates and the register's exports.

Split from beneficiaries/views.py (one module under ~600 lines); the same access helpers open each view.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from audit.models import AuditAction
from audit.selectors import audit_entries_for
from audit.services import audit_record
from beneficiaries import services
from beneficiaries.exports import needs_workbook, persons_workbook
from beneficiaries.forms import (
    NeedForm,
    NeedStatusForm,
)
from beneficiaries.models import OPEN_NEED_STATUSES, Need, NeedStatus, Urgency
from beneficiaries.permissions import (
    can_refer,
    can_write_register,
    need_for_user,
    person_for_user,
    require_write,
)
from beneficiaries.search import search_for_log
from beneficiaries.selectors import (
    ENCRYPTED_PERSON_FIELDS,
    needs_visible_to,
    open_needs_like,
    person_search,
    probable_duplicates,
)
from beneficiaries.views import (
    PAGE_SIZE,
    _apply_errors,
    _by_index,
    _id_search_redirect,
    _query_context,
    _region_filter,
    _register_reader,
)
from beneficiaries.views_emergency import emergency_context
from core import form_tokens, offline
from core.codes import NeedCategory
from core.paging import ids_first_page
from core.spreadsheets import XLSX_CONTENT_TYPE


# --- needs -----------------------------------------------------------------------------
def _filtered_needs(request: HttpRequest, user: User) -> tuple[QuerySet[Need], dict[str, str]]:
    needs = needs_visible_to(user)
    filters = {key: request.GET.get(key, "") for key in ("region", "status", "category", "urgency", "q")}
    if chosen_region := _region_filter(request, user).chosen:
        needs = needs.filter(chosen_region.subtree_q("region__code"))
    if filters["status"] in NeedStatus.values:
        needs = needs.filter(status=filters["status"])
    if filters["category"] in NeedCategory.values:
        needs = needs.filter(category=filters["category"])
    if filters["urgency"] in Urgency.values:
        needs = needs.filter(urgency=filters["urgency"])
    if filters["q"].strip() or request.GET.get("idx"):
        needs = needs.filter(person__in=_by_index(person_search(user, filters["q"]), request).values("id"))
    needs = needs.select_related("application").defer(
        *[f"person__{name}" for name in ENCRYPTED_PERSON_FIELDS], "application__phone"
    )
    return needs.order_by("-created_at", "-id"), filters


@login_required
@require_GET
def need_list(request: HttpRequest) -> HttpResponse:
    user = _register_reader(request)
    if (redirect_to := _id_search_redirect(request)) is not None:
        return redirect_to
    needs, filters = _filtered_needs(request, user)
    page = ids_first_page(needs, PAGE_SIZE, request.GET.get("page"))
    return render(
        request,
        "beneficiaries/need_list.html",
        {
            "page": page,
            **filters,
            **_query_context(request),
            "region_form": _region_filter(request, user),
            "statuses": NeedStatus.choices,
            "categories": NeedCategory.choices,
            "urgencies": Urgency.choices,
            "can_write": can_write_register(user),
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def need_create(request: HttpRequest) -> HttpResponse:
    """The need form; the station phone's offline queue posts here too (``core.offline``: the same
    checks, answered in JSON)."""
    user = _register_reader(request)
    require_write(user)
    sync = offline.is_sync(request)
    initial: dict[str, Any] = {}
    chosen = None
    person_id = request.POST.get("person") or request.GET.get("person")
    if person_id:
        try:
            chosen = person_for_user(user, person_id)
        except Http404:
            chosen = None
        initial["person"] = chosen.pk if chosen else None
    form = NeedForm(request.POST or None, initial=form_tokens.fresh_initial(initial))
    repeats: list[Need] = []
    if request.method == "POST" and (saved_at := form_tokens.already_used(request, request.POST.get("form_token"))):
        if sync:
            return offline.saved(saved_at, _("This need has already been saved."), already=True)
        messages.info(request, _("This need has already been saved."))
        return redirect(saved_at)
    if request.method == "POST" and form.is_valid():
        if chosen is not None and not form.cleaned_data["confirm_new"]:
            repeats = list(open_needs_like(chosen, form.cleaned_data["category"]))
        if chosen is None:
            form.add_error(
                None,
                _("This person is not in the register of your area (moved, or not yours): choose the person again.")
                if person_id and sync
                else _("Find and choose the person first."),
            )
        elif repeats:
            # The queue keeps its answers on the phone, which holds masked data only: no name there.
            form.add_error(
                None,
                _("This person already has an open need of this kind. Tick “Record as a new need” to save it anyway.")
                if sync
                else _("%(name)s already has an open need of this kind. Tick “Record as a new need” to save it anyway.")
                % {"name": chosen.name},
            )
        elif not form_tokens.claim(form.cleaned_data["form_token"]):  # a double tap: the first one saves it
            if sync:
                return offline.busy(_("This need is being saved by another request; it is sent again later."))
            messages.info(request, _("This need has already been saved."))
            return redirect("beneficiaries:need_list")
        else:
            try:
                need = services.need_log(
                    by=user,
                    person=chosen,
                    category=form.cleaned_data["category"],
                    urgency=form.cleaned_data["urgency"],
                    description=form.cleaned_data["description"],
                    amount_requested=form.cleaned_data["amount_requested"],
                    source=form.cleaned_data["source"],
                    request=request,
                )
            except ValidationError as error:
                form_tokens.release(form.cleaned_data["form_token"])
                _apply_errors(form, error)
            else:
                url = reverse("beneficiaries:need_detail", args=[need.pk])
                form_tokens.mark_used(request, form.cleaned_data["form_token"], url)
                if sync:
                    return offline.saved(url, _("The need was saved."))
                messages.success(request, _("Need logged for %(name)s.") % {"name": chosen.name})
                return redirect("beneficiaries:need_list")
    if sync and request.method == "POST":
        return offline.refused(form)
    return render(request, "beneficiaries/need_form.html", {"form": form, "chosen": chosen, "repeats": repeats})


@login_required
@require_http_methods(["GET", "POST"])
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _register_reader(request)
    need = need_for_user(user, pk)
    form = NeedStatusForm(request.POST or None, initial={"status": need.status})
    if request.method == "POST" and request.POST.get("action") == "called_back":
        try:
            services.application_called_back(by=user, need=need, request=request)
        except services.RegisterError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Recorded: the applicant was called back."))
        return redirect("beneficiaries:need_detail", pk=need.pk)
    if request.method == "POST":
        require_write(user)
        if form.is_valid():
            try:
                services.need_set_status(
                    by=user,
                    need=need,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except services.RegisterError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Status changed."))
            return redirect("beneficiaries:need_detail", pk=need.pk)
    return render(
        request,
        "beneficiaries/need_detail.html",
        {
            "need": need,
            "form": form,
            "can_write": can_write_register(user),
            "can_refer": can_refer(user) and need.status in OPEN_NEED_STATUSES,
            "audit": audit_entries_for(need)[:10],
            **emergency_context(user, need),
            "now": timezone.now(),
        },
    )


# --- duplicates and exports ------------------------------------------------------------------
@login_required
@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    user = _register_reader(request)
    return render(request, "beneficiaries/duplicate_list.html", {"groups": probable_duplicates(user)})


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def person_export(request: HttpRequest) -> HttpResponse:
    user = _register_reader(request)
    query = request.GET.get("q", "").strip()
    persons = _by_index(person_search(user, query), request).order_by("id")
    content = persons_workbook(persons)
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        target=user,
        changes={"what": "persons", "q": search_for_log(query)},
        request=request,
    )
    return _xlsx(content, f"register-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@require_GET
def need_export(request: HttpRequest) -> HttpResponse:
    user = _register_reader(request)
    needs, filters = _filtered_needs(request, user)
    content = needs_workbook(needs)
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        target=user,
        changes={"what": "needs", **filters, "q": search_for_log(filters.get("q", ""))},
        request=request,
    )
    return _xlsx(content, f"needs-{timezone.localdate():%Y%m%d}.xlsx")
