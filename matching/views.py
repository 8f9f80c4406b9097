"""Pages: the list of runs (start one, watch its progress), a run's proposals by need or by
resource with score and reasons, and confirming or rejecting them one by one or many at once."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from core.errors import ReferralHubError
from core.forms import resolve_region, search_url
from core.models import RegionLevel
from core.selectors import regions_pickable_by
from matching import services
from matching.models import MatchProposal, NightlyRun, ProposalStatus, RunStatus
from matching.permissions import (
    can_read,
    can_run,
    nightly_region_for,
    proposal_for_user,
    region_for_run,
    run_for_user,
)
from matching.problem import Reason
from matching.reasons import reason_text
from matching.selectors import (
    nightly_progress,
    proposals_visible_to,
    run_counts,
    run_is_wider_than_jurisdiction,
    runs_visible_to,
    with_counts,
)

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _reader(request: HttpRequest) -> User:
    user = _user(request)
    if not can_read(user):
        raise PermissionDenied
    return user


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    runs = with_counts(runs_visible_to(user)).order_by("-created_at", "-id")
    page = Paginator(runs, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "can_run": can_run(user),
        "region_search": search_url([RegionLevel.COUNTY, RegionLevel.TOWNSHIP]),
        "polling": any(run.is_active for run in page.object_list),
    }
    template = "matching/_run_rows.html" if request.headers.get("HX-Request") == "true" else "matching/run_list.html"
    return render(request, template, context)


@login_required
@require_GET
def nightly(request: HttpRequest) -> HttpResponse:
    """The nightly matching county by county (queued, running, done with its proposals, failed with
    the reason), for the counties under the user's city or province; the last nights to choose."""
    user = _user(request)
    region = nightly_region_for(user)
    raw = request.GET.get("night", "")
    progress = nightly_progress(region, int(raw) if raw.isdigit() else None)
    context = {
        "region": region,
        "progress": progress,
        "nights": NightlyRun.objects.all()[:14],
        "statuses": RunStatus.choices,
    }
    template = "matching/_nightly_rows.html" if request.headers.get("HX-Request") == "true" else "matching/nightly.html"
    return render(request, template, context)


@login_required
@require_POST
def run_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_run(user):
        raise PermissionDenied
    try:
        # The picker sends a path or a name (a code still works); within the user's jurisdiction.
        chosen = resolve_region(
            request.POST.get("region", ""),
            queryset=regions_pickable_by(user),
            levels=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP],
        )
        region = region_for_run(user, chosen.code if chosen is not None else "")
        run = services.run_start(region=region, by=user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("matching:run_list")
    except ReferralHubError as error:
        messages.error(request, error.message)
        return redirect("matching:run_list")
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("matching:run_list")
    messages.success(request, _("Matching started for %(region)s.") % {"region": region.name})
    return redirect("matching:run_detail", pk=run.pk)


def _rows(proposals: list[MatchProposal]) -> list[dict[str, Any]]:
    rows = []
    for proposal in proposals:
        reasons = [Reason.from_json(data) for data in proposal.reasons if isinstance(data, dict)]
        rows.append(
            {
                "proposal": proposal,
                "reasons": [(reason_text(reason), reason.points) for reason in reasons],
                "consent": services.consent_covers(proposal),
            }
        )
    return rows


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _reader(request)
    run = run_for_user(user, pk)
    if request.headers.get("HX-Request") == "true":
        context = {"run": run, "counts": run_counts(run, user), "partial": True}
        return render(
            request, "matching/_run_status.html", context | {"wide": run_is_wider_than_jurisdiction(user, run)}
        )
    by = "resource" if request.GET.get("by") == "resource" else "need"
    status = request.GET.get("status", "")
    proposals = proposals_visible_to(user).filter(run=run)
    if status in ProposalStatus.values:
        proposals = proposals.filter(status=status)
    # Highest score first (within each resource when grouped by resource).
    order = ("resource__name", "resource_id", "-score", "id") if by == "resource" else ("-score", "need_id", "id")
    page = Paginator(proposals.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "counts": run_counts(run, user),
        "wide": run_is_wider_than_jurisdiction(user, run),
        "page": page,
        "rows": _rows(list(page.object_list)),
        "by": by,
        "status": status,
        "statuses": ProposalStatus.choices,
        "can_decide": can_run(user),
    }
    return render(request, "matching/run_detail.html", context)


def _back(request: HttpRequest, proposal: MatchProposal) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/matching/"):
        return redirect(target)
    return redirect("matching:run_detail", pk=proposal.run_id)


def _confirmed_message(request: HttpRequest, proposal: MatchProposal) -> None:
    if services.consent_covers(proposal):
        messages.success(
            request,
            _("A draft referral to %(org)s was made for %(name)s. Send it from the referral page.")
            % {"org": proposal.resource.organization.name, "name": proposal.need.person.name},
        )
    else:
        messages.warning(
            request,
            _(
                "A draft referral to %(org)s was made for %(name)s, but the person has not consented to sharing their details with this organisation. Record the consent before sending it."
            )
            % {"org": proposal.resource.organization.name, "name": proposal.need.person.name},
        )


@login_required
@require_POST
def proposal_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    proposal = proposal_for_user(user, pk, decide=True)
    try:
        proposal = services.proposal_confirm(proposal=proposal, by=user)
    except ReferralHubError as error:
        messages.error(request, error.message)
    else:
        _confirmed_message(request, proposal)
    return _back(request, proposal)


@login_required
@require_POST
def proposal_reject(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    proposal = proposal_for_user(user, pk, decide=True)
    try:
        services.proposal_reject(proposal=proposal, by=user)
    except ReferralHubError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Rejected. This resource will not be proposed for this need again."))
    return _back(request, proposal)


@login_required
@require_POST
def proposals_confirm_many(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    run = run_for_user(user, pk)
    if not can_run(user):
        raise PermissionDenied
    ids = [int(value) for value in request.POST.getlist("proposal") if value.isdigit()]
    if not ids:
        messages.error(request, _("Tick the proposals to confirm first."))
        return redirect("matching:run_detail", pk=run.pk)
    chosen = list(proposals_visible_to(user).filter(run=run, pk__in=ids).order_by("id"))
    outcome = services.proposals_confirm_many(proposals=chosen, by=user)
    if outcome.confirmed:
        waiting = services.proposals_awaiting_consent(outcome.confirmed)
        messages.success(
            request,
            _("%(n)d draft referrals were made.") % {"n": len(outcome.confirmed)},
        )
        if waiting:
            messages.warning(
                request,
                _("%(n)d of them need the person's consent for the receiving organisation before they can be sent.")
                % {"n": len(waiting)},
            )
    for proposal, reason in outcome.refused:
        messages.error(request, f"{proposal.need.person.name}：{reason}")
    target = request.POST.get("next", "")
    return redirect(target) if target.startswith("/matching/") else redirect("matching:run_detail", pk=run.pk)
