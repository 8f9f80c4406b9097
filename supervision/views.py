"""Supervision pages: the audit log, complaint handling, conflict alerts, declarations, approvals."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from audit.selectors import AuditFilters, audit_entries_filtered, can_read_audit_log
from beneficiaries.crypto import blind_index
from beneficiaries.models import Person
from beneficiaries.search import ID_SEARCH_PREFIX, parse_id_search
from beneficiaries.selectors import persons_visible_to
from beneficiaries.validators import normalize_id_number
from charities.models import ComplaintEvent, ComplaintStatus
from charities.permissions import can_read_complaints, complaint_for_user
from charities.services import can_handle_complaints, complaint_move, complaint_next_step
from core.errors import ReferralHubError
from core.texts import bracketed
from supervision.audit_display import describe_changes, describe_target
from supervision.forms import ApprovalForm, AuditFilterForm, ComplaintFilterForm, ConcludeForm, DeclarationForm
from supervision.models import ApprovalStatus
from supervision.permissions import (
    approval_for_user,
    can_approve,
    can_declare,
    can_read_conflicts,
    declaration_for_user,
)
from supervision.selectors import (
    ComplaintFilters,
    approvals_visible_to,
    approvals_waiting_for,
    complaint_counts,
    complaints_filtered,
    declarations_of,
    flags_visible_to,
)
from supervision.services import (
    declaration_create,
    declaration_withdraw,
    referral_approval_grant,
    referral_approval_refuse,
)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- audit log -----------------------------------------------------------------------------


def _actors_for(user: User) -> list[tuple[int, str]]:
    users = User.objects.filter(is_active=True)
    if not user.is_admin_role and user.jurisdiction is not None:
        users = users.filter(
            user.jurisdiction.subtree_q("jurisdiction__code")
            | user.jurisdiction.subtree_q("organization__region__code")
        )
    return [(u.pk, f"{u.display_name}{bracketed(u.username)}") for u in users.order_by("username")[:500]]


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_read_audit_log(user):
        raise PermissionDenied(_("Only supervisors and administrators read the audit log."))
    form = AuditFilterForm(request.GET or None, actors=_actors_for(user))
    valid = form.is_valid() if request.GET else True
    cleaned = form.cleaned_data if request.GET and valid else {}
    persons = persons_visible_to(user)
    person: Person | None = None
    candidates: list[Person] = []
    person_q = (cleaned.get("person_q") or "").strip()
    if person_q.startswith(ID_SEARCH_PREFIX) and (id_search := parse_id_search(person_q)) is not None:
        # A search form posts the number; it comes back as a token (beneficiaries/search.py).
        found = persons.filter(id_number_index=id_search.index).first()
        query = request.GET.copy()
        query.pop("person_q", None)
        query["person"] = str(found.pk) if found else "0"
        return redirect(f"{reverse('supervision:audit_log')}?{urlencode(query, doseq=True)}")
    if person_q:
        number = normalize_id_number(person_q)
        if len(number) >= 15 and number[:-1].isdigit():
            # Never keep an ID number in the page address: swap it for the person's id at once.
            found = persons.filter(id_number_index=blind_index(number)).first()
            query = request.GET.copy()
            query.pop("person_q", None)
            query.pop("page", None)
            if found is None:
                messages.warning(request, _("No person with this ID number in your jurisdiction."))
                query["person"] = "0"
            else:
                query["person"] = str(found.pk)
            return redirect(f"{reverse('supervision:audit_log')}?{urlencode(query, doseq=True)}")
        candidates = list(persons.filter(name__startswith=person_q).order_by("name", "id")[:20])
        if len(candidates) == 1:
            person, candidates = candidates[0], []
    person_pk: int | None = None
    raw_person = request.GET.get("person", "")
    if person is not None:
        person_pk = person.pk
    elif raw_person.isdigit():
        person_pk = int(raw_person)
        person = persons.filter(pk=person_pk).first()
    filters = AuditFilters(
        actor=cleaned.get("actor"),
        person=person_pk if not candidates else -1,
        action=cleaned.get("action") or "",
        since=cleaned.get("since"),
        until=cleaned.get("until"),
    )
    entries = audit_entries_filtered(user, filters) if valid else audit_entries_filtered(user, AuditFilters(person=-1))
    page = Paginator(entries.select_related("actor"), PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.change_lines = describe_changes(entry.changes or {})
        entry.target_label = describe_target(entry.target_type, entry.target_id)
    return render(
        request,
        "supervision/audit_log.html",
        {"form": form, "page": page, "person": person, "person_pk": person_pk, "candidates": candidates},
    )


# --- complaints ----------------------------------------------------------------------------


@login_required
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_read_complaints(user):
        raise PermissionDenied(_("Only supervisors and administrators read complaints."))
    form = ComplaintFilterForm(request.GET or None)
    cleaned = form.cleaned_data if request.GET and form.is_valid() else {}
    filters = ComplaintFilters(
        status=cleaned.get("status") or "",
        since=cleaned.get("since"),
        until=cleaned.get("until"),
        q=cleaned.get("q") or "",
    )
    complaints = complaints_filtered(user, filters)
    counts = complaint_counts(complaints)
    if filters.status:
        complaints = complaints.filter(status=filters.status)
    page = Paginator(complaints.order_by("-received_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/complaint_list.html",
        {
            "form": form,
            "page": page,
            "counts": [(status, label, counts[status]) for status, label in ComplaintStatus.choices],
            "total": sum(counts.values()),
        },
    )


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not can_read_complaints(user):
        raise PermissionDenied(_("Only supervisors and administrators read complaints."))
    complaint = complaint_for_user(user, pk)
    if request.method == "POST" and not can_handle_complaints(user):
        raise PermissionDenied(_("Only supervisors of the county handle complaints."))
    conclude_form = ConcludeForm(request.POST if request.POST.get("step") == "conclude" else None)
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "investigate":
                complaint_move(complaint=complaint, by=user, to_status=ComplaintStatus.INVESTIGATING, request=request)
                messages.success(request, _("The complaint is now under investigation."))
                return redirect("supervision:complaint_detail", pk=complaint.pk)
            if step == "conclude" and conclude_form.is_valid():
                complaint_move(
                    complaint=complaint,
                    by=user,
                    to_status=ComplaintStatus.CONCLUDED,
                    conclusion=conclude_form.cleaned_data["conclusion"],
                    request=request,
                )
                messages.success(request, _("The complaint is concluded."))
                return redirect("supervision:complaint_detail", pk=complaint.pk)
            if step not in ("investigate", "conclude"):
                messages.error(request, _("Unknown step."))
        except ReferralHubError as error:
            messages.error(request, error.message)
            return redirect("supervision:complaint_detail", pk=complaint.pk)
        except ValidationError as error:
            for message in error.messages:
                conclude_form.add_error("conclusion", message)
    return render(
        request,
        "supervision/complaint_detail.html",
        {
            "complaint": complaint,
            "events": ComplaintEvent.objects.filter(complaint=complaint).select_related("by"),
            "next_step": complaint_next_step(complaint) if can_handle_complaints(user) else None,
            "conclude_form": conclude_form,
        },
    )


# --- conflicts of interest -----------------------------------------------------------------


@login_required
@require_GET
def conflict_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_read_conflicts(user):
        raise PermissionDenied(_("Only caseworkers, supervisors and administrators read conflict of interest alerts."))
    page = Paginator(flags_visible_to(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/conflict_list.html", {"page": page})


@login_required
def declaration_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_declare(user):
        raise PermissionDenied(_("Only staff of civil affairs and of charities declare relatives."))
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declaration_create(by=user, request=request, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Declared. Needs, referrals and assistance for this person will be flagged."))
            return redirect("supervision:declaration_list")
    return render(request, "supervision/declaration_list.html", {"form": form, "declarations": declarations_of(user)})


@login_required
@require_POST
def declaration_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    declaration = declaration_for_user(user, pk)
    try:
        declaration_withdraw(declaration=declaration, by=user, request=request)
        messages.success(request, _("Declaration withdrawn."))
    except ReferralHubError as error:
        messages.error(request, error.message)
    return redirect("supervision:declaration_list")


@login_required
@require_GET
def approval_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_approve(user):
        raise PermissionDenied(_("Only civil affairs caseworkers approve referrals."))
    return render(
        request,
        "supervision/approval_list.html",
        {
            "waiting": approvals_waiting_for(user)[:200],
            "mine": approvals_visible_to(user).filter(requested_by=user).order_by("-requested_at")[:50],
            "form": ApprovalForm(),
            "pending": ApprovalStatus.PENDING,
            "refused": ApprovalStatus.REFUSED,
        },
    )


def _approval_decide(request: HttpRequest, pk: int, *, grant: bool) -> HttpResponse:
    """复核审批: approve (同意) or refuse (驳回) one pending second approval, with an optional note."""
    user = _user(request)
    if not can_approve(user):
        raise PermissionDenied(_("Only civil affairs caseworkers approve referrals."))
    approval = approval_for_user(user, pk)
    form = ApprovalForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    decide = referral_approval_grant if grant else referral_approval_refuse
    try:
        decide(approval=approval, by=user, note=note, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except ReferralHubError as error:
        messages.error(request, error.message)
    else:
        done = (
            _("Approved. The caseworker who asked can now send referral %(ref)s.")
            if grant
            else _("Refused. Referral %(ref)s cannot be sent; its caseworker was told why.")
        )
        messages.success(request, done % {"ref": approval.referral.reference})
    return redirect("supervision:approval_list")


@login_required
@require_POST
def approval_grant(request: HttpRequest, pk: int) -> HttpResponse:
    return _approval_decide(request, pk, grant=True)


@login_required
@require_POST
def approval_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _approval_decide(request, pk, grant=False)
