"""REST endpoints of API.md: ``referrals/`` (+ actions), ``ledger/``, ``notifications/``.

Serializers parse and present; every decision is in ``cases.services`` / ``cases.selectors``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Role, User
from beneficiaries.models import Consent, Need, Person, Programme, Relation, Urgency
from beneficiaries.selectors import (
    ENCRYPTED_PERSON_FIELDS,
    household_members_visible_to,
    households_visible_to,
    persons_visible_to,
)
from cases import services
from cases.government import referral_duplicates, referral_register_person
from cases.ledger import ledger_for
from cases.models import Direction, Notification, Outcome, Referral, ReferralEvent
from cases.notifications import notification_mark_read
from cases.permissions import RECEIVER, is_on_side, referral_for_user, require_side, role_of
from cases.selectors import (
    PersonView,
    filter_referrals,
    notifications_for,
    referrals_visible_to,
    referred_person_for_reader,
    visible_after_own_step,
)
from cases.transitions import TRANSITIONS
from charities.models import DeliveredService, Resource
from core.api_fields import QuickRepresentation
from core.dates import ApiDateField
from core.models import Organization
from core.rest import IdsFirstPagination


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class ReferralEventSerializer(QuickRepresentation, serializers.ModelSerializer[ReferralEvent]):
    actor = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField()

    class Meta:
        model = ReferralEvent
        fields = ["action", "from_status", "to_status", "actor", "organization", "reason", "at"]

    def get_actor(self, event: ReferralEvent) -> str:
        return event.actor.display_name if event.actor else _("System")

    def get_organization(self, event: ReferralEvent) -> str:
        return event.actor_organization.name if event.actor_organization else ""


class ReferralSerializer(QuickRepresentation, serializers.ModelSerializer[Referral]):
    reference = serializers.CharField(read_only=True)
    person_name = serializers.SerializerMethodField()
    person_details = serializers.SerializerMethodField()
    person_view = serializers.SerializerMethodField()
    possible_duplicates = serializers.SerializerMethodField()
    events = ReferralEventSerializer(many=True, read_only=True)
    from_organization_name = serializers.CharField(source="from_organization.name", read_only=True)
    to_organization_name = serializers.CharField(source="to_organization.name", read_only=True)
    # Empty until feedback is given: the schema must say so (read-only fields lose allow_blank otherwise).
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "direction",
            "person",
            "person_name",
            "person_details",
            "person_view",
            "possible_duplicates",
            "region",
            "needs",
            "from_organization",
            "from_organization_name",
            "to_organization",
            "to_organization_name",
            "consent",
            "shared_fields",
            "urgency",
            "fast_track",
            "status",
            "respond_by",
            "start_by",
            "feedback_by",
            "resource",
            "previous",
            "note",
            "eligible",
            "programme",
            "decision_reason",
            "outcome",
            "amount",
            "items",
            "services",
            "feedback_note",
            "helped_on",
            "sent_at",
            "ended_at",
            "created_at",
            "updated_at",
            "events",
        ]
        read_only_fields = fields

    def _is_charity_receiver(self, referral: Referral) -> bool:
        user = self.context["request"].user
        return role_of(user) == Role.CHARITY_STAFF and referral.direction == Direction.TO_CHARITY

    def _in_list(self) -> bool:
        # The consented view is checked live per referral (queries); lists leave it out so
        # their query count stays fixed, and the detail (``referrals/{id}/``) shows it.
        view = self.context.get("view")
        return getattr(view, "action", "") == "list"

    def _person_view(self, referral: Referral) -> PersonView:
        """The charity's view of the person, read once per response through the audited selector."""
        views: dict[int, PersonView] = self.context.setdefault("_person_views", {})
        if referral.pk not in views:
            request = self.context["request"]
            views[referral.pk] = referred_person_for_reader(
                referral=referral, reader=request.user, via="api", request=request
            )
        return views[referral.pk]

    def get_person_name(self, referral: Referral) -> str:
        if self._is_charity_receiver(referral):
            if self._in_list():
                return ""
            view = self._person_view(referral)
            return next((value for code, _l, value in view.fields if code == "name"), "")
        if role_of(self.context["request"].user) == Role.CHARITY_STAFF:
            # The referring charity sees what it sent, never the register's current record (finding 16).
            return str(referral.person_details.get("name", ""))
        return referral.person_name

    def get_person_details(self, referral: Referral) -> dict[str, Any]:
        # Encrypted copies and the blind index never leave the server; masked ones do.
        return {
            k: v for k, v in referral.person_details.items() if not k.endswith("_encrypted") and k != "id_number_index"
        }

    def get_possible_duplicates(self, referral: Referral) -> list[str]:
        """To government, for the office only: references of other open referrals about the same person."""
        user = self.context["request"].user
        if referral.direction != Direction.TO_GOVERNMENT or self._in_list() or not is_on_side(user, referral, RECEIVER):
            return []
        return [other.reference for other in referral_duplicates(referral).only("id")[:20]]

    def get_person_view(self, referral: Referral) -> dict[str, Any] | None:
        """What the receiving charity may see of the person: exactly the consented fields."""
        if not self._is_charity_receiver(referral) or self._in_list():
            return None
        view = self._person_view(referral)
        if not view.fields:
            return {"fields": {}, "id_number_masked": "", "hidden_reason": view.hidden_reason}
        return {"fields": {code: value for code, _l, value in view.fields}, "id_number_masked": view.id_number_masked}


class ReferralCreateSerializer(serializers.Serializer[Any]):
    direction = serializers.ChoiceField(choices=Direction.choices)
    person = serializers.IntegerField(required=False, allow_null=True)
    person_details = serializers.DictField(required=False)
    needs = serializers.ListField(child=serializers.IntegerField(), required=False)
    to_organization = serializers.IntegerField(required=False, allow_null=True)
    consent = serializers.IntegerField(required=False, allow_null=True)
    shared_fields = serializers.ListField(child=serializers.CharField(), required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    fast_track = serializers.BooleanField(required=False, default=False)
    resource = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, default="")


class AcceptSerializer(serializers.Serializer[Any]):
    start = serializers.BooleanField(required=False, default=False)


class FeedbackSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True, min_value=0)
    items = serializers.CharField(required=False, allow_blank=True, default="")
    services = serializers.ListField(
        child=serializers.ChoiceField(choices=DeliveredService.choices), required=False, default=list
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    helped_on = ApiDateField(required=False, allow_null=True)


class DecideSerializer(serializers.Serializer[Any]):
    eligible = serializers.BooleanField()
    programme = serializers.ChoiceField(choices=Programme.choices, required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class LinkPersonSerializer(serializers.Serializer[Any]):
    person = serializers.IntegerField()


class RegisterPersonSerializer(serializers.Serializer[Any]):
    household = serializers.IntegerField(required=False, allow_null=True)
    relation = serializers.ChoiceField(choices=Relation.choices, required=False, default=Relation.HEAD)


class RereferSerializer(serializers.Serializer[Any]):
    to_organization = serializers.IntegerField()
    consent = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# Which side of a referral may take each action: the state machine's, plus linking a person.
_ACTION_SIDES = {name: transition.side for name, transition in TRANSITIONS.items()} | {
    "link_person": RECEIVER,
    "register_person": RECEIVER,
}


def _get_or_400(queryset: QuerySet[Any], pk: Any, field: str) -> Any:
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise serializers.ValidationError({field: [_("Not found or not yours to choose.")]})
    return obj


def _timeline() -> QuerySet[ReferralEvent]:
    return ReferralEvent.objects.select_related("actor", "actor_organization").order_by("at", "id")


class ReferralViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Referral]
):
    """Referrals in both directions. Actions are POSTs to ``referrals/{id}/{action}/``; 409 when
    the state does not allow it, 403 when your side may not do it, 404 when you cannot see it."""

    pagination_class = IdsFirstPagination  # region-prefix lists: a plan that does not follow the estimate
    serializer_class = ReferralSerializer

    def get_queryset(self) -> QuerySet[Referral]:
        events = _timeline()
        referrals = referrals_visible_to(_user(self.request))
        if self.action == "list":
            referrals = filter_referrals(referrals, {k: str(v) for k, v in self.request.query_params.items()})
        if self.action == "list":
            # A list row shows the person's name only (the consented view is the detail's): no
            # household, no consent, and none of the encrypted columns (a decryption each).
            referrals = referrals.select_related("person", "from_organization", "to_organization").defer(
                *[f"person__{name}" for name in ENCRYPTED_PERSON_FIELDS]
            )
        else:
            referrals = referrals.select_related("person__household", "from_organization", "to_organization", "consent")
        return referrals.prefetch_related("needs", Prefetch("events", queryset=events)).order_by("-updated_at", "-id")

    def get_object(self) -> Referral:
        referral_for_user(_user(self.request), self.kwargs["pk"])  # 404 for missing and forbidden alike
        return super().get_object()

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        data = ReferralCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["direction"] == Direction.TO_CHARITY:
            if not services.can_create_to_charity(user):
                raise PermissionDenied(_("Only civil affairs caseworkers refer people to charities."))
            person = _get_or_400(persons_visible_to(user), v.get("person"), "person")
            if person is None:
                raise serializers.ValidationError({"person": [_("Choose the person to refer.")]})
            to_org = _get_or_400(
                Organization.objects.filter(is_active=True), v.get("to_organization"), "to_organization"
            )
            if to_org is None:
                raise serializers.ValidationError({"to_organization": [_("Choose the organization to refer to.")]})
            needs = list(Need.objects.filter(person=person, pk__in=v.get("needs") or []))
            if len(needs) != len(set(v.get("needs") or [])):
                raise serializers.ValidationError({"needs": [_("Every need must be this person's.")]})
            referral = services.referral_create_to_charity(
                by=user,
                person=person,
                to_organization=to_org,
                needs=needs,
                consent=_get_or_400(Consent.objects.filter(person=person), v.get("consent"), "consent"),
                shared_fields=v.get("shared_fields") or [],
                urgency=v.get("urgency", ""),
                fast_track=v["fast_track"],
                resource=_get_or_400(Resource.objects.filter(organization=to_org), v.get("resource"), "resource"),
                note=v["note"],
            )
        else:
            if not services.can_create_to_government(user):
                raise PermissionDenied(_("Only charity staff refer people to government."))
            person_id = v.get("person")
            # Only someone this charity sees through a referral: any other id answers like a missing one.
            seen = referrals_visible_to(user).filter(person=person_id).values("person") if person_id else None
            person = Person.objects.filter(pk__in=seen).first() if seen is not None else None
            if person_id and person is None:
                raise serializers.ValidationError({"person": [_("Not found or not yours to choose.")]})
            referral = services.referral_create_to_government(
                by=user,
                person=person,
                person_details=v.get("person_details"),
                to_organization=_get_or_400(
                    Organization.objects.filter(is_active=True), v.get("to_organization"), "to_organization"
                ),
                urgency=v.get("urgency", Urgency.ROUTINE),
                note=v["note"],
            )
        return Response(self._present(referral.pk), status=status.HTTP_201_CREATED)

    def _present(self, pk: int) -> dict[str, Any]:
        return dict(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    def _present_after_step(self, before: Referral, result: Referral) -> dict[str, Any] | None:
        """The answer to a step, from the row the service locked and saved: no second visibility
        query, no re-read of the referral; only its needs and timeline are read (two queries).
        ``None`` when the user may no longer see it (e.g. the charity declined it)."""
        if result.pk != before.pk:  # a step that made another referral (refer again)
            try:
                return self._present(result.pk)
            except Referral.DoesNotExist:
                return None
        if not visible_after_own_step(_user(self.request), result):
            return None
        prefetch_related_objects([result], "needs", Prefetch("events", queryset=_timeline()))
        return dict(self.get_serializer(result).data)

    def _act(
        self, request: Request, pk: str, run: Any, body: type[serializers.Serializer[Any]] | None = None
    ) -> Response:
        referral = referral_for_user(_user(request), pk)
        # The wrong side hears 403 before anything about its request body.
        require_side(_user(request), referral, _ACTION_SIDES[str(self.action)])
        values: dict[str, Any] = {}
        if body is not None:
            parsed = body(data=request.data)
            parsed.is_valid(raise_exception=True)
            values = dict(parsed.validated_data)
        result = run(referral, _user(request), values)
        answer = self._present_after_step(referral, result)
        if answer is None:  # e.g. declined: the charity no longer sees it
            return Response({"id": result.pk, "status": result.status})
        return Response(answer)

    @extend_schema(request=None, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, lambda r, u, v: services.referral_send(referral=r, by=u))

    @extend_schema(request=AcceptSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        return self._act(
            request, pk, lambda r, u, v: services.referral_accept(referral=r, by=u, start=v["start"]), AcceptSerializer
        )

    @extend_schema(request=ReasonSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            lambda r, u, v: services.referral_decline(referral=r, by=u, reason=v["reason"]),
            ReasonSerializer,
        )

    @extend_schema(request=None, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, lambda r, u, v: services.referral_start(referral=r, by=u))

    @extend_schema(request=FeedbackSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: str) -> Response:
        def run(r: Referral, u: User, v: dict[str, Any]) -> Referral:
            return services.referral_feedback(
                referral=r,
                by=u,
                feedback=services.Feedback(
                    outcome=v["outcome"],
                    amount=v.get("amount"),
                    items=v["items"],
                    services=v["services"],
                    note=v["note"],
                    helped_on=v.get("helped_on"),
                ),
            )

        return self._act(request, pk, run, FeedbackSerializer)

    @extend_schema(request=None, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self._act(request, pk, lambda r, u, v: services.referral_close(referral=r, by=u))

    @extend_schema(request=ReasonSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            lambda r, u, v: services.referral_withdraw(referral=r, by=u, reason=v["reason"]),
            ReasonSerializer,
        )

    @extend_schema(request=DecideSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            lambda r, u, v: services.referral_decide(
                referral=r, by=u, eligible=v["eligible"], programme=v["programme"], reason=v["reason"]
            ),
            DecideSerializer,
        )

    @extend_schema(request=LinkPersonSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def link_person(self, request: Request, pk: str) -> Response:
        """To government: after verifying the details, the office links the referral to the person it registered."""

        def run(r: Referral, u: User, v: dict[str, Any]) -> Referral:
            person = persons_visible_to(u).filter(pk=v["person"]).first()
            if person is None:
                require_side(u, r, RECEIVER)  # the wrong side hears 403, not a hint about the register
                raise serializers.ValidationError({"person": [_("Not found or not yours to choose.")]})
            return services.referral_link_person(referral=r, by=u, person=person)

        return self._act(request, pk, run, LinkPersonSerializer)

    @extend_schema(request=RegisterPersonSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def register_person(self, request: Request, pk: str) -> Response:
        """To government: enter the person the charity referred in the register (a new household, or
        ``household`` of your jurisdiction) and link the referral to them, from the charity's details."""

        def run(r: Referral, u: User, v: dict[str, Any]) -> Referral:
            household = _get_or_400(households_visible_to(u), v.get("household"), "household")
            referral_register_person(referral=r, by=u, household=household, relation=v["relation"])
            r.refresh_from_db()
            return r

        return self._act(request, pk, run, RegisterPersonSerializer)

    @extend_schema(request=RereferSerializer, responses=ReferralSerializer)
    @action(detail=True, methods=["post"])
    def rerefer(self, request: Request, pk: str) -> Response:
        """Refer a declined or expired referral to another organization in one step (a new referral linked to this one)."""

        def run(r: Referral, u: User, v: dict[str, Any]) -> Referral:
            to_org = _get_or_400(Organization.objects.filter(is_active=True), v["to_organization"], "to_organization")
            consent = _get_or_400(Consent.objects.filter(person_id=r.person_id or 0), v.get("consent"), "consent")
            return services.referral_rerefer(
                referral=r, by=u, to_organization=to_org, consent=consent, reason=v["reason"]
            )

        return self._act(request, pk, run, RereferSerializer)


# --- ledger ----------------------------------------------------------------------------
class LedgerEntrySerializer(serializers.Serializer[Any]):
    source = serializers.ChoiceField(choices=["government", "charity", "direct"])  # type: ignore[assignment]
    person_id = serializers.IntegerField()
    person_name = serializers.CharField()
    category = serializers.CharField()
    what = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    organization = serializers.CharField()
    period_start = ApiDateField()
    period_end = ApiDateField()
    referral_id = serializers.IntegerField(allow_null=True)
    record_id = serializers.IntegerField(allow_null=True)
    direct_help_id = serializers.IntegerField(allow_null=True)
    duplicate = serializers.BooleanField()


class LedgerGapSerializer(serializers.Serializer[Any]):
    need_id = serializers.IntegerField()
    person_id = serializers.IntegerField()
    person_name = serializers.CharField()
    category = serializers.CharField()
    logged_on = ApiDateField()
    deadline = ApiDateField()


class LedgerViewSet(viewsets.ViewSet):
    """``?person=`` or ``?household=``: government assistance, charity help through referrals
    and help given directly (``source`` ``direct``, from ``direct-help/``) in time order,
    with ``duplicate`` flags (same need category, overlapping periods) and ``gaps`` (open needs
    with no help past their deadline)."""

    @extend_schema(responses=LedgerEntrySerializer(many=True))
    def list(self, request: Request) -> Response:
        user = _user(request)
        person_id, household_id = request.query_params.get("person"), request.query_params.get("household")
        try:
            if person_id:
                persons = persons_visible_to(user).filter(pk=int(person_id))
            elif household_id:
                household = households_visible_to(user).filter(pk=int(household_id)).first()
                if household is None:
                    raise Http404(_("No such household."))
                persons = household_members_visible_to(user, household)
            else:
                raise serializers.ValidationError({"person": [_("Give ?person= or ?household=.")]})
        except ValueError:
            raise Http404(_("No such person.")) from None
        if person_id and not persons.exists():
            raise Http404(_("No such person."))
        ledger = ledger_for(persons)
        return Response(
            {
                "count": len(ledger.entries),
                "duplicate_count": ledger.duplicate_count,
                "results": LedgerEntrySerializer(ledger.entries, many=True).data,
                "gaps": LedgerGapSerializer(ledger.gaps, many=True).data,
            }
        )


# --- notifications -----------------------------------------------------------------------
class NotificationSerializer(serializers.ModelSerializer[Notification]):
    """``title`` and ``body`` are said in the caller's language (the request's), from the stored keys."""

    title = serializers.CharField(source="shown_title", read_only=True)
    body = serializers.CharField(source="shown_body", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "referral", "need", "created_at", "read_at"]
        read_only_fields = fields


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Notification]):
    """The signed-in user's in-app notifications. POST ``notifications/{id}/read/``."""

    serializer_class = NotificationSerializer
    filterset_fields: list[str] = []

    def get_queryset(self) -> QuerySet[Notification]:
        notifications = notifications_for(_user(self.request))
        if self.request.query_params.get("unread") in ("1", "true"):
            notifications = notifications.filter(read_at__isnull=True)
        return notifications

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        notification = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if notification is None:
            raise Http404(_("No such notification."))
        notification_mark_read(notification=notification, by=_user(request))
        return Response(NotificationSerializer(notification).data)
