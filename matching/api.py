"""REST endpoints of API.md: ``matching-runs/`` and ``match-proposals/`` (+ ``confirm`` and ``reject``).

Serializers parse and present; decisions are in ``matching.services`` and ``matching.permissions``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from matching import services
from matching.models import BudgetStageChoice, MatchingRun, MatchProposal, ProposalStatus
from matching.permissions import can_read, proposal_for_user, region_for_run, run_for_user
from matching.problem import Reason
from matching.reasons import reason_text
from matching.selectors import (
    filter_proposals,
    proposals_visible_to,
    run_counts,
    run_is_wider_than_jurisdiction,
    runs_visible_to,
    with_counts,
)


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _require_read(user: User) -> None:
    if not can_read(user):
        raise PermissionDenied(_("Your role does not take part in matching."))


# County-wide figures of a run, null for a user whose jurisdiction is narrower than the run's region.
WIDE_FIGURES = (
    "needs_count",
    "resources_count",
    "candidate_pairs",
    "total_score",
    "flow_score",
    "score_bound",
    "gap_percent",
)


class MatchingRunSerializer(serializers.ModelSerializer[MatchingRun]):
    region_name = serializers.CharField(source="region.name", read_only=True)
    started_by_name = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    gap_percent = serializers.FloatField(read_only=True, allow_null=True)
    # "" until the run has solved (the schema must say so: a queued run answers with it).
    budget_stage = serializers.ChoiceField(choices=BudgetStageChoice.choices, allow_blank=True, read_only=True)

    class Meta:
        model = MatchingRun
        fields = [
            "id",
            "region",
            "region_name",
            "status",
            "progress",
            "error",
            "started_by",
            "started_by_name",
            "as_of",
            "counts",
            "needs_count",
            "resources_count",
            "candidate_pairs",
            "total_score",
            "flow_score",
            "score_bound",
            "gap_percent",
            "budget_stage",
            "solve_seconds",
            "attempts",
            "weights",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
        extra_kwargs = {name: {"allow_null": True} for name in WIDE_FIGURES}

    def get_started_by_name(self, run: MatchingRun) -> str:
        return run.started_by.display_name if run.started_by else _("Nightly run")

    def to_representation(self, instance: MatchingRun) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and run_is_wider_than_jurisdiction(request.user, instance):
            # A county run seen from a township: only the township's own proposals are counted.
            data["counts"] = run_counts(instance, request.user)
            for wide in WIDE_FIGURES:
                data[wide] = None
        return data

    def get_counts(self, run: MatchingRun) -> dict[str, int]:
        return {
            "proposed": run.proposed_count,
            "confirmed": getattr(run, "confirmed_count", 0),
            "rejected": getattr(run, "rejected_count", 0),
            "fulfilled": getattr(run, "fulfilled_count", 0),
        }


class RunCreateSerializer(serializers.Serializer[Any]):
    region = serializers.CharField(required=False, allow_blank=True, default="")


class MatchProposalSerializer(serializers.ModelSerializer[MatchProposal]):
    person = serializers.IntegerField(source="need.person_id", read_only=True)
    person_name = serializers.CharField(source="need.person.name", read_only=True)
    need_category = serializers.CharField(source="need.category", read_only=True)
    resource_name = serializers.CharField(source="resource.name", read_only=True)
    organization = serializers.IntegerField(source="resource.organization_id", read_only=True)
    organization_name = serializers.CharField(source="resource.organization.name", read_only=True)
    reasons = serializers.SerializerMethodField()
    reason_text = serializers.SerializerMethodField()

    class Meta:
        model = MatchProposal
        fields = [
            "id",
            "run",
            "need",
            "need_category",
            "person",
            "person_name",
            "resource",
            "resource_name",
            "organization",
            "organization_name",
            "score",
            "reasons",
            "reason_text",
            "amount",
            "status",
            "decided_at",
            "referral",
        ]
        read_only_fields = fields

    def get_reasons(self, proposal: MatchProposal) -> list[dict[str, Any]]:
        """Each part of the score: the code and its parameters as data, and the sentence to show."""
        return [
            {**data, "text": reason_text(Reason.from_json(data))} for data in proposal.reasons if isinstance(data, dict)
        ]

    def get_reason_text(self, proposal: MatchProposal) -> str:
        return " · ".join(
            f"{reason_text(Reason.from_json(data))}（+{data.get('points', 0):g}）"
            for data in proposal.reasons
            if isinstance(data, dict)
        )


class MatchingRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[MatchingRun]
):
    """Matching runs. POST starts one for ``region`` (a region code; default: your jurisdiction);
    GET shows ``status`` (queued, running, done, failed), ``progress`` (0–100), the counts
    (proposed, confirmed, rejected, fulfilled) and ``error`` when it failed."""

    serializer_class = MatchingRunSerializer

    queryset = MatchingRun.objects.none()

    def get_queryset(self) -> QuerySet[MatchingRun]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return MatchingRun.objects.none()
        user = _user(self.request)
        _require_read(user)
        return with_counts(runs_visible_to(user)).order_by("-created_at", "-id")

    def get_object(self) -> MatchingRun:
        _require_read(_user(self.request))
        run_for_user(_user(self.request), self.kwargs["pk"])  # 404 for missing and forbidden alike
        return super().get_object()

    @extend_schema(request=RunCreateSerializer, responses={201: MatchingRunSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        body = RunCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        region = region_for_run(user, body.validated_data["region"])
        run = services.run_start(region=region, by=user)
        return Response(self.get_serializer(with_counts(runs_visible_to(user)).get(pk=run.pk)).data, status=201)


class MatchProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[MatchProposal]):
    """What runs propose: ``need``, ``resource``, ``score`` and ``reasons``. Filter with ``?run=``,
    ``?need=``, ``?resource=``, ``?status=`` (proposed, confirmed, rejected). POST
    ``{id}/confirm/`` makes the draft referral; POST ``{id}/reject/`` remembers the pair so no
    later run proposes it again. 409 when the proposal was already decided or the resource is full."""

    serializer_class = MatchProposalSerializer

    queryset = MatchProposal.objects.none()

    def get_queryset(self) -> QuerySet[MatchProposal]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return MatchProposal.objects.none()
        user = _user(self.request)
        _require_read(user)
        proposals = proposals_visible_to(user)
        if self.action == "list":
            params = {k: str(v) for k, v in self.request.query_params.items()}
            if params.get("status") and params["status"] not in ProposalStatus.values:
                raise serializers.ValidationError({"status": [_("Unknown status.")]})
            proposals = filter_proposals(proposals, params)
        return proposals.order_by("run_id", "-score", "id")

    def get_object(self) -> MatchProposal:
        _require_read(_user(self.request))
        return proposal_for_user(_user(self.request), self.kwargs["pk"])

    @extend_schema(request=None, responses=MatchProposalSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        """Make the draft referral to the resource's organisation. ``consent_in_force`` says whether
        the person's consent already covers that organisation; if not, record it before sending."""
        user = _user(request)
        proposal = proposal_for_user(user, pk, decide=True)
        proposal = services.proposal_confirm(proposal=proposal, by=user)
        covered = services.consent_covers(proposal)
        data = dict(MatchProposalSerializer(proposal, context=self.get_serializer_context()).data)
        data["consent_in_force"] = covered
        data["message"] = (
            _("A draft referral was made. Send it from the referral page.")
            if covered
            else _(
                "A draft referral was made, but %(name)s has not consented to sharing their details with %(org)s. Record the consent before sending it."
            )
            % {"name": proposal.need.person.name, "org": proposal.resource.organization.name}
        )
        return Response(data, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses=MatchProposalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        user = _user(request)
        proposal = proposal_for_user(user, pk, decide=True)
        proposal = services.proposal_reject(proposal=proposal, by=user)
        return Response(MatchProposalSerializer(proposal, context=self.get_serializer_context()).data)
