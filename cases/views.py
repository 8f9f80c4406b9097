"""Pages: inboxes, the referral with its timeline and actions, the printable referral form,
notifications, follow-up visits, the ledger and the 幸福清单."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import JURISDICTION_ROLES, Role, User
from audit.models import AuditAction
from audit.services import audit_record
from beneficiaries.models import ConsentField, Person, Urgency
from beneficiaries.permissions import can_write_register
from beneficiaries.search import parse_id_search
from beneficiaries.selectors import (
    household_members_visible_to,
    households_visible_to,
    needs_visible_to,
    person_search,
    persons_visible_to,
)
from cases import services
from cases.exports import ledger_workbook
from cases.forms import (
    DecideForm,
    FeedbackForm,
    FollowUpForm,
    ReasonForm,
    ReferralToCharityForm,
    ReferralToGovernmentForm,
    RereferForm,
)
from cases.ledger import fulfilled_needs, helped_by, ledger_for
from cases.models import Direction, Referral, ReferralStatus
from cases.notifications import notification_mark_read, notifications_mark_all_read
from cases.permissions import (
    can_create_to_charity,
    can_create_to_government,
    follow_up_for_user,
    referral_for_user,
    role_of,
)
from cases.selectors import (
    filter_referrals,
    follow_ups_due,
    inbox_for,
    names_shown_to_receiver,
    notifications_for,
    page_of_rows,
    referred_person_for_reader,
)
from cases.services.referrals import ConsentFieldsNotCovered
from cases.transfers import transfer_request_create
from cases.transitions import ReferralError, allowed_actions
from cases.views_common import refusal_text, refuse, user_of
from cases.views_government import register_context
from core import form_tokens, offline
from core.dates import parse_day
from core.errors import ReferralHubError
from core.forms import RegionFilterForm, resolve_region
from core.models import RegionLevel
from core.selectors import regions_pickable_by
from core.spreadsheets import XLSX_CONTENT_TYPE

PAGE_SIZE = 25


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if role_of(user) not in (*JURISDICTION_ROLES, Role.CHARITY_STAFF, Role.ADMIN):
        raise PermissionDenied
    box = inbox_for(user, tab=request.GET.get("tab", ""))
    filters = {k: request.GET.get(k, "") for k in ("status", "urgency")}
    rows = filter_referrals(box.referrals, filters)
    counted = None if any(filters.values()) else {code: n for code, _label, n in box.tabs}[box.tab]
    page = page_of_rows(rows, PAGE_SIZE, request.GET.get("page"), count=counted)
    context: dict[str, Any] = {
        "box": box,
        "page": page,
        "statuses": ReferralStatus.choices,
        "urgencies": Urgency.choices,
        "now": timezone.now(),
        "is_charity": role_of(user) == Role.CHARITY_STAFF,
        "can_create_to_charity": can_create_to_charity(user),
        "can_create_to_government": can_create_to_government(user),
    }
    if context["is_charity"]:
        page.object_list = list(page.object_list)
        names = names_shown_to_receiver(page.object_list)
        for row in page.object_list:
            row.name_shown = names.get(row.pk, "")  # type: ignore[attr-defined]
    if role_of(user) == Role.STATION_WORKER:
        context["follow_ups_due"] = follow_ups_due(user).count()
    return render(request, "cases/inbox.html", context)


@login_required
def referral_new(request: HttpRequest) -> HttpResponse:
    """Refer a person of the register to a charity (caseworkers)."""
    user = user_of(request)
    if not can_create_to_charity(user):
        raise PermissionDenied
    person_id = request.GET.get("person") or request.POST.get("person")
    if not person_id:
        query = request.GET.get("q", "").strip()
        matches = person_search(user, query)[:20] if query else []
        # A searched ID number arrives as a token (beneficiaries/search.py): show its mask, not the token.
        id_search = parse_id_search(query)
        shown = id_search.masked if id_search else query
        return render(request, "cases/referral_pick_person.html", {"query": shown, "matches": matches})
    person = persons_visible_to(user).filter(pk=int(person_id) if str(person_id).isdigit() else 0).first()
    if person is None:
        raise Http404(_("No such person."))
    if request.method == "POST" and (saved_at := form_tokens.already_used(request, request.POST.get("form_token"))):
        messages.info(request, _("This referral has already been saved."))
        return redirect(saved_at)
    initial = form_tokens.fresh_initial({"needs": request.GET.getlist("need")})
    posted: QueryDict | None = request.POST or None
    if request.method == "POST" and request.POST.get("drop"):
        # "Share without these fields and send", offered when the consent does not cover them.
        posted = request.POST.copy()
        dropped = set(request.POST["drop"].split(","))
        posted.setlist("shared_fields", [f for f in request.POST.getlist("shared_fields") if f not in dropped])
        posted["then"] = "send"
    form = ReferralToCharityForm(posted, user=user, person=person, initial=initial)
    chosen = request.GET.get("to", "")
    if request.method == "GET" and chosen.isdigit():
        organization = form.fields["to_organization"].queryset.filter(pk=int(chosen)).first()  # type: ignore[attr-defined]
        if organization is not None:
            form.initial["to_organization"] = organization.pk
            form.limit_resources_to(organization)
    if request.method == "POST" and form.is_valid() and not form_tokens.claim(form.cleaned_data["form_token"]):
        messages.info(request, _("This referral has already been saved."))  # a double tap: the first one saves it
        return redirect("cases:inbox")
    not_covered: ConsentFieldsNotCovered | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        send_error: Exception | None = None
        try:
            # Create and send are one transaction: a send refused at the consent gate leaves no
            # draft behind, so a retry does not pile up drafts (issue 15).
            with transaction.atomic():
                referral = services.referral_create_to_charity(
                    by=user,
                    person=person,
                    to_organization=data["to_organization"],
                    needs=data["needs"],
                    consent=data["consent"],
                    shared_fields=data["shared_fields"],
                    urgency=data["urgency"],
                    fast_track=data["fast_track"],
                    resource=data["resource"],
                    note=data["note"],
                )
                if posted is not None and posted.get("then") == "send":
                    send_error = _send_or_refuse(referral, user)
        except ValidationError as error:
            form_tokens.release(data["form_token"])
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ReferralError as error:  # refused at the consent gate: nothing was saved
            form_tokens.release(data["form_token"])
            not_covered = error if isinstance(error, ConsentFieldsNotCovered) else None
            if not_covered is None:  # the fields not covered get their own panel, with the ways out
                form.add_error(None, error.message)
        else:
            form_tokens.mark_used(request, data["form_token"], reverse("cases:referral_detail", args=[referral.pk]))
            if posted is not None and posted.get("then") != "send":
                messages.success(request, _("The referral was saved as a draft."))
            elif send_error is None:
                messages.success(request, _("The referral was sent."))
            else:
                refuse(request, send_error)
                messages.warning(request, _("The referral was saved as a draft."))
            return redirect("cases:referral_detail", pk=referral.pk)
    if form.is_bound and form.cleaned_data.get("to_organization") is not None:
        form.limit_resources_to(form.cleaned_data["to_organization"])
    context: dict[str, Any] = {"form": form, "person": person}
    if not_covered is not None:
        labels = dict(ConsentField.choices)
        context["not_covered"] = [labels.get(code, code) for code in not_covered.fields]
        shared = posted.getlist("shared_fields") if posted is not None else []
        kept = [f for f in shared if f not in not_covered.fields]
        context["drop"] = ",".join(not_covered.fields) if kept else ""
        context["consent_url"] = reverse("beneficiaries:consent_create", args=[person.pk])
    return render(request, "cases/referral_form.html", context)


def _send_or_refuse(referral: Referral, user: User) -> Exception | None:
    """Send a just-created referral. A refusal at the consent gate propagates (and undoes the
    create); any other refusal (e.g. a conflict of interest awaiting approval) keeps the draft."""
    try:
        services.referral_send(referral=referral, by=user)
    except ReferralError as error:
        if error.code == "consent_missing":
            raise
        return error
    except (ReferralHubError, ValidationError, PermissionDenied) as error:
        return error
    return None


@login_required
def referral_new_to_government(request: HttpRequest) -> HttpResponse:
    """A charity refers someone it found who may qualify for government assistance."""
    user = user_of(request)
    if not can_create_to_government(user):
        raise PermissionDenied
    form = ReferralToGovernmentForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_create_to_government(
                by=user,
                person_details={
                    **{k: data[k] for k in ("name", "id_number", "phone", "address")},
                    "region": data["region"].code,
                },
                to_organization=data["to_organization"],
                urgency=data["urgency"],
                note=data["note"],
            )
            services.referral_send(referral=referral, by=user)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The referral was sent to %(org)s.") % {"org": referral.to_organization.name})
            return redirect("cases:referral_detail", pk=referral.pk)
    return render(request, "cases/referral_to_government_form.html", {"form": form})


def _detail_context(request: HttpRequest, pk: int, *, via: str = "page") -> dict[str, Any]:
    user = user_of(request)
    referral = referral_for_user(user, pk)
    events = referral.events.select_related("actor", "actor_organization").order_by("at", "id")
    context: dict[str, Any] = {
        "referral": referral,
        "events": events,
        "needs": referral.needs.all(),
        "actions": allowed_actions(user, referral),
        "is_charity": role_of(user) == Role.CHARITY_STAFF,
        "now": timezone.now(),
    }
    if role_of(user) == Role.CHARITY_STAFF and referral.direction == Direction.TO_CHARITY:
        context["person_view"] = referred_person_for_reader(referral=referral, reader=user, via=via, request=request)
    return context


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = _detail_context(request, pk)
    referral = context["referral"]
    user = user_of(request)
    context |= register_context(user, referral)
    context |= {
        "reason_form": ReasonForm(),
        "feedback_form": FeedbackForm(),
        "decide_form": DecideForm(),
        "rerefer_form": RereferForm(user=user, government=referral.direction == Direction.TO_GOVERNMENT)
        if "rerefer" in context["actions"]
        else None,
    }
    return render(request, "cases/referral_detail.html", context)


@login_required
def referral_print(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "cases/referral_print.html", _detail_context(request, pk, via="print"))


# --- notifications --------------------------------------------------------------------
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = notifications_for(user_of(request))
    if request.GET.get("unread") == "1":
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = notifications_for(user_of(request)).filter(pk=pk).first()
    if notification is None:
        raise Http404(_("No such notification."))
    notification_mark_read(notification=notification, by=user_of(request))
    if notification.referral_id:
        return redirect("cases:referral_detail", pk=notification.referral_id)
    if notification.need_id:
        return redirect("beneficiaries:need_detail", pk=notification.need_id)
    return redirect("cases:notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(by=user_of(request))
    return redirect("cases:notification_list")


# --- follow-up visits -----------------------------------------------------------------
@login_required
def follow_up_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if role_of(user) not in (*JURISDICTION_ROLES, Role.ADMIN):
        raise PermissionDenied
    page = Paginator(follow_ups_due(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/follow_up_list.html", {"page": page, "today": timezone.localdate()})


@login_required
def follow_up_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit form; the station phone's offline queue posts here too (``core.offline``)."""
    user = user_of(request)
    follow_up = follow_up_for_user(user, pk)
    sync = offline.is_sync(request) and request.method == "POST"
    form = FollowUpForm(request.POST or None, initial=form_tokens.fresh_initial())
    token = request.POST.get("form_token")
    if request.method == "POST" and (saved_at := form_tokens.already_used(request, token)):
        if sync:
            return offline.saved(saved_at, _("This follow-up visit has already been saved."), already=True)
        messages.info(request, _("This follow-up visit has already been saved."))
        return redirect(saved_at)
    if request.method == "POST" and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name != "form_token"}
        if not form_tokens.claim(token):
            if sync:
                return offline.busy(_("This visit is being saved by another request; it is sent again later."))
            messages.info(request, _("This follow-up visit has already been saved."))
            return redirect("cases:follow_up_list")
        try:
            services.follow_up_record(follow_up=follow_up, by=user, **fields)
        except (ReferralHubError, ValidationError, PermissionDenied) as error:
            form_tokens.release(token)
            if sync:
                status = 403 if isinstance(error, PermissionDenied) else 409
                return offline.refused(message=refusal_text(error), status=status)
            refuse(request, error)
        else:
            url = reverse("cases:follow_up_list")
            form_tokens.mark_used(request, token, url)
            if sync:
                return offline.saved(url, _("The follow-up visit was recorded."))
            messages.success(request, _("The follow-up visit was recorded."))
            return redirect(url)
    if sync:
        return offline.refused(form)
    return render(request, "cases/follow_up_form.html", {"form": form, "follow_up": follow_up})


# --- ledger and 幸福清单 -------------------------------------------------------------
@login_required
def ledger_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    person_id, household_id = request.GET.get("person", ""), request.GET.get("household", "")
    if person_id.isdigit():
        persons = persons_visible_to(user).filter(pk=int(person_id))
        subject: Any = persons.first()
    elif household_id.isdigit():
        subject = households_visible_to(user).filter(pk=int(household_id)).first()
        persons = household_members_visible_to(user, subject)
    else:
        raise Http404(_("No such person."))
    if subject is None:
        raise Http404(_("No such person."))
    return render(request, "cases/ledger.html", {"subject": subject, "ledger": ledger_for(persons)})


def _ledger_persons(request: HttpRequest, user: User) -> tuple[QuerySet[Person], str]:
    """The people an export covers, as the user may see them, and a name for the file: one
    person, one household, or a region (a county, township or village; default: the user's
    jurisdiction). Missing and not yours look the same (404)."""
    person_id, household_id = request.GET.get("person", ""), request.GET.get("household", "")
    if person_id.isdigit():
        persons = persons_visible_to(user).filter(pk=int(person_id))
        if not persons.exists():
            raise Http404(_("No such person."))
        return persons, f"person-{int(person_id)}"
    if household_id.isdigit():
        household = households_visible_to(user).filter(pk=int(household_id)).first()
        if household is None:
            raise Http404(_("No such person."))
        return Person.objects.filter(household=household), f"household-{household.pk}"
    if role_of(user) not in (*JURISDICTION_ROLES, Role.ADMIN):
        raise Http404(_("No such person."))
    try:
        region = resolve_region(
            request.GET.get("region", ""),
            queryset=regions_pickable_by(user),
            levels=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE],
        )
    except ValidationError as error:
        raise Http404(error.messages[0]) from error
    region = region or user.jurisdiction
    if region is None:
        raise Http404(_("Choose a county or a township."))
    return persons_visible_to(user).filter(region.subtree_q("region__code")), region.code


@login_required
def ledger_export(request: HttpRequest) -> HttpResponse:
    """The ledger as .xlsx: ``?person=``, ``?household=`` or ``?region=`` (a county or township)."""
    user = user_of(request)
    persons, name = _ledger_persons(request, user)
    content = ledger_workbook(persons)
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        target=user,
        changes={"what": "ledger", "scope": name},
        request=request,
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="ledger-{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


def _happiness_filters(request: HttpRequest) -> tuple[dict[str, Any], RegionFilterForm]:
    user = user_of(request)
    if role_of(user) not in (*JURISDICTION_ROLES, Role.ADMIN):
        raise PermissionDenied

    region_form = RegionFilterForm(request.GET, queryset=regions_pickable_by(user), auto_id="h-%s")
    return {
        "region": region_form.chosen,
        "since": parse_day(request.GET.get("since")),
        "until": parse_day(request.GET.get("until")),
    }, region_form


@login_required
def happiness_list(request: HttpRequest) -> HttpResponse:
    """幸福清单: needs fulfilled, by region and period."""
    filters, region_form = _happiness_filters(request)
    needs = fulfilled_needs(needs_visible_to(user_of(request)), **filters)
    page = Paginator(needs, PAGE_SIZE).get_page(request.GET.get("page"))
    helpers = helped_by([n.pk for n in page.object_list])
    rows = [(need, helpers.get(need.pk)) for need in page.object_list]
    # The match (issue #6) that led to each fulfilled need, and the statistics of recent runs.
    from matching.selectors import happiness_context

    context = {"page": page, "rows": rows, "filters": filters, "region_form": region_form}
    context.update(happiness_context(user_of(request), [n.pk for n in page.object_list]))
    return render(request, "cases/happiness.html", context)


@login_required
def happiness_export(request: HttpRequest) -> HttpResponse:
    from core.spreadsheets import export_workbook

    filters, _region_form = _happiness_filters(request)
    needs = list(fulfilled_needs(needs_visible_to(user_of(request)), **filters)[:20000])
    helpers = helped_by([n.pk for n in needs])
    headers = [
        _("Person"),
        _("Region"),
        _("Need category"),
        _("Description"),
        _("Fulfilled on"),
        _("Helped by"),
        _("Amount (yuan)"),
    ]
    rows = [
        [
            need.person.name,
            need.region.name,
            need.get_category_display(),
            need.description,
            timezone.localdate(need.updated_at),
            helpers[need.pk].to_organization.name if need.pk in helpers else "",
            helpers[need.pk].amount if need.pk in helpers else None,
        ]
        for need in needs
    ]
    content = export_workbook(title=_("Happiness list"), headers=headers, rows=rows)
    # Names of people leave the platform: who exported what is kept in the audit log.
    audit_record(
        actor=user_of(request),
        action=AuditAction.EXPORT,
        target=user_of(request),
        changes={
            "export": "happiness_list",
            "rows": len(rows),
            "region": filters["region"].code if filters["region"] else "",
        },
        request=request,
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="happiness-list.xlsx"'
    return response


class TransferRequestForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=18)
    reason = forms.CharField(
        label=gettext_lazy("Why the record should move here"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


@login_required
def transfer_request(request: HttpRequest) -> HttpResponse:
    """Ask the office holding a record for it (the number is posted, never in the address)."""
    user = user_of(request)
    if not can_write_register(user) or user.jurisdiction_id is None or user.is_admin_role:
        raise PermissionDenied
    form = TransferRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transfer_request_create(
                by=user, id_number=form.cleaned_data["id_number"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # The same answer whether a record was found: the page is no oracle for ID numbers.
            messages.success(request, _("The request was sent to the office that holds the record, if there is one."))
            return redirect("beneficiaries:person_list")
    return render(request, "cases/transfer_request.html", {"form": form})
