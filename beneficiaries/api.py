"""The register endpoints of API.md: households/, persons/, persons/{id}/reveal/, consents/, needs/,
and assistance-records/. Serializers parse; services write; selectors decide what is visible."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from beneficiaries import services
from beneficiaries.models import (
    REVEALABLE_FIELDS,
    AssistanceRecord,
    Consent,
    ConsentField,
    ConsentPurpose,
    Household,
    Need,
    NeedStatus,
    Person,
)
from beneficiaries.permissions import can_reveal, can_write_register
from beneficiaries.reveal_policy import RevealLimitReached
from beneficiaries.selectors import (
    ENCRYPTED_PERSON_FIELDS,
    assistance_records_visible_to,
    consents_visible_to,
    households_visible_to,
    looks_like_id_number,
    masked_persons,
    name_order,
    needs_visible_to,
    person_search,
    persons_visible_to,
    register_scope,
)
from beneficiaries.services.emergencies import need_pick_up
from core.api_fields import QuickRepresentation
from core.codes import AssistanceStatus, Vulnerability
from core.dates import ApiDateField
from core.models import Organization, Region
from core.rest import IdsFirstPagination


class PersonSearchSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(max_length=40, help_text="A name prefix or an 18-character ID number")


class RegisterPermission(permissions.BasePermission):
    """Signed-in users read what they may see; writing roles write (supervisors get 403)."""

    message = _("Your role may read the register but not change it.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if getattr(view, "action", None) == "reveal":
            return can_reveal(request.user)
        if getattr(view, "action", None) == "search":
            return True  # a read sent by POST, so that an ID number stays out of the address
        return can_write_register(request.user)


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class RegionField(serializers.SlugRelatedField[Region]):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=Region.objects.all(), **kwargs)


# --- households ----------------------------------------------------------------------
class HouseholdSerializer(QuickRepresentation, serializers.ModelSerializer[Household]):
    region = RegionField()
    register_number = serializers.CharField(required=False, allow_blank=True, max_length=32)
    head = serializers.SerializerMethodField()
    members: serializers.PrimaryKeyRelatedField[Person] = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    annual_income = serializers.DecimalField(
        max_digits=12, decimal_places=2, write_only=True, required=False, allow_null=True
    )
    annual_essential_expenses = serializers.DecimalField(
        max_digits=12, decimal_places=2, write_only=True, required=False, allow_null=True
    )
    annual_medical_expenses = serializers.DecimalField(
        max_digits=12, decimal_places=2, write_only=True, required=False, allow_null=True
    )
    expenditure_hardship = serializers.BooleanField(read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "register_number",
            "region",
            "address",
            "head",
            "members",
            "annual_income",
            "annual_essential_expenses",
            "annual_medical_expenses",
            "expenditure_hardship",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_head(self, household: Household) -> int | None:
        for member in household.members.all():
            if member.relation == "head":
                return member.pk
        return None


class HouseholdViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Household],
):
    pagination_class = IdsFirstPagination  # region-prefix lists: a plan that does not follow the estimate
    serializer_class = HouseholdSerializer
    permission_classes = [RegisterPermission]
    filterset_fields = {"register_number": ["exact"], "region": ["exact"]}

    def get_queryset(self) -> QuerySet[Household]:
        user = _user(self.request)
        # Only the members this user may see (a household can span townships).
        visible = Person.objects.filter(register_scope(user) or Q(pk__in=[]))
        members = Prefetch("members", queryset=visible.only("id", "relation", "household_id"))
        return households_visible_to(user).prefetch_related(members).order_by("id")

    def perform_create(self, serializer: HouseholdSerializer) -> None:  # type: ignore[override]
        data = dict(serializer.validated_data)
        serializer.instance = services.household_create(by=_user(self.request), request=self.request, **data)

    def perform_update(self, serializer: HouseholdSerializer) -> None:  # type: ignore[override]
        data = dict(serializer.validated_data)
        data.pop("register_number", None)
        assert serializer.instance is not None  # noqa: S101
        serializer.instance = services.household_update(
            by=_user(self.request), household=serializer.instance, request=self.request, **data
        )


# --- persons ----------------------------------------------------------------------------
class PersonSerializer(QuickRepresentation, serializers.ModelSerializer[Person]):
    region = RegionField(required=False)
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all())
    id_number = serializers.CharField(write_only=True, max_length=32)
    # Written in full; read back masked (to_representation), never decrypted for a read.
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32, write_only=True)
    gender = serializers.CharField(required=False)
    birth_date = ApiDateField(required=False)
    assistance_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=AssistanceStatus.choices), required=False
    )
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Vulnerability.choices), required=False
    )
    health = serializers.CharField(write_only=True, required=False, allow_blank=True)
    disability_details = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number",
            "id_number_masked",
            "gender",
            "birth_date",
            "phone",
            "region",
            "address",
            "household",
            "relation",
            "assistance_statuses",
            "vulnerabilities",
            "disability_grade",
            "health",
            "disability_details",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id_number_masked", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # A person can only be put in a household the user may see.
            self.fields["household"].queryset = households_visible_to(request.user)  # type: ignore[attr-defined]

    def to_representation(self, instance: Person) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["phone"] = instance.phone_masked  # reads are masked; reveal/ gives the full value
        return data


class RevealSerializer(serializers.Serializer[Any]):
    field = serializers.ChoiceField(choices=[(name, name) for name in REVEALABLE_FIELDS])
    reason = serializers.CharField(max_length=500)


class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Person],
):
    """Search with ``?q=`` (a name prefix) or ``POST persons/search/`` ``{"q"}`` (a name prefix or an
    exact ID number through the blind index): an ID number in ``?q=`` is refused, since addresses
    end up in access logs (issue 14, finding 14)."""

    pagination_class = IdsFirstPagination  # region-prefix lists: a plan that does not follow the estimate
    serializer_class = PersonSerializer
    permission_classes = [RegisterPermission]
    filterset_fields = {"household": ["exact"], "region": ["exact"], "relation": ["exact"]}

    def get_queryset(self) -> QuerySet[Person]:
        user = _user(self.request)
        query = self.request.query_params.get("q", "")
        if looks_like_id_number(query):
            raise serializers.ValidationError(
                {"q": [_('Do not put an ID number in the address: search with POST persons/search/ {"q": …}.')]}
            )
        persons = person_search(user, query) if query else persons_visible_to(user)
        if self.action in ("list", "retrieve"):
            persons = masked_persons(persons)  # reads show masked copies only
        return persons.order_by(*name_order()) if query else persons.order_by("id")

    @extend_schema(request=PersonSearchSerializer, responses=PersonSerializer(many=True))
    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        """By name prefix or exact ID number, in the body; answers like the list."""
        body = PersonSearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        persons = masked_persons(person_search(_user(request), body.validated_data["q"])).order_by(*name_order())
        page = self.paginate_queryset(persons)
        data = PersonSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def perform_create(self, serializer: PersonSerializer) -> None:  # type: ignore[override]
        serializer.instance = services.person_create(
            by=_user(self.request), request=self.request, **serializer.validated_data
        )

    def perform_update(self, serializer: PersonSerializer) -> None:  # type: ignore[override]
        data = dict(serializer.validated_data)
        assert serializer.instance is not None  # noqa: S101
        person = serializer.instance
        # Identity is fixed by the ID number; sending the same values back is harmless.
        for fixed in ("id_number", "gender", "birth_date", "household"):
            value = data.pop(fixed, None)
            if value is not None and fixed != "id_number" and value != getattr(person, fixed):
                raise serializers.ValidationError({fixed: [_("This comes from the ID number and cannot be changed.")]})
        serializer.instance = services.person_update(
            by=_user(self.request), person=person, request=self.request, **data
        )

    @extend_schema(
        request=RevealSerializer,
        responses={
            200: inline_serializer("Revealed", {"field": serializers.CharField(), "value": serializers.CharField()}),
            429: inline_serializer(
                "RevealLimitReached", {"detail": serializers.CharField(), "code": serializers.CharField()}
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            value = services.person_reveal(
                by=_user(request),
                person=person,
                field=body.validated_data["field"],
                reason=body.validated_data["reason"],
                request=request,
            )
        except RevealLimitReached as error:
            return Response({"detail": error.message, "code": error.code}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        return Response({"field": body.validated_data["field"], "value": value})


# --- government assistance -----------------------------------------------------------------
class AssistanceRecordSerializer(serializers.ModelSerializer[AssistanceRecord]):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    granting_organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())

    class Meta:
        model = AssistanceRecord
        fields = [
            "id",
            "person",
            "programme",
            "amount",
            "period_start",
            "period_end",
            "granting_organization",
            "note",
            "source",
            "created_at",
        ]
        read_only_fields = ["source", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["person"].queryset = persons_visible_to(request.user)  # type: ignore[attr-defined]


class AssistanceRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[AssistanceRecord]
):
    serializer_class = AssistanceRecordSerializer
    permission_classes = [RegisterPermission]
    filterset_fields = {"person": ["exact"], "programme": ["exact"], "person__household": ["exact"]}

    def get_queryset(self) -> QuerySet[AssistanceRecord]:
        return assistance_records_visible_to(_user(self.request)).order_by("-period_start", "-id")

    def perform_create(self, serializer: AssistanceRecordSerializer) -> None:  # type: ignore[override]
        serializer.instance = services.assistance_record_create(
            by=_user(self.request), request=self.request, **serializer.validated_data
        )


# --- consents ---------------------------------------------------------------------------
class ConsentSerializer(serializers.ModelSerializer[Consent]):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    purposes = serializers.ListField(child=serializers.ChoiceField(choices=ConsentPurpose.choices))
    recipient_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    evidence = serializers.FileField(required=False, allow_null=True, write_only=True)
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = [
            "id",
            "person",
            "purposes",
            "recipient_scope",
            "recipient_organization",
            "fields",
            "method",
            "witness_name",
            "granted_at",
            "expires_at",
            "evidence",
            "evidence_url",
            "guardian_name",
            "guardian_relation",
            "status",
            "revoked_at",
            "revoke_reason",
            "created_at",
        ]
        read_only_fields = ["status", "revoked_at", "revoke_reason", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["person"].queryset = persons_visible_to(request.user)  # type: ignore[attr-defined]

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # ``fields`` is both the API name (API.md) and a Serializer attribute, so it is added here.
        declared = super().get_fields()
        declared["fields"] = serializers.ListField(child=serializers.ChoiceField(choices=ConsentField.choices))
        return declared

    def get_evidence_url(self, consent: Consent) -> str | None:
        if not consent.evidence:
            return None
        return reverse("beneficiaries:consent_evidence", args=[consent.pk])


class RevokeSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000)


class ConsentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Consent]
):
    """Consent records are never edited or deleted: a change is a revocation and a new record."""

    serializer_class = ConsentSerializer
    permission_classes = [RegisterPermission]
    filterset_fields = {"person": ["exact"], "status": ["exact"], "recipient_scope": ["exact"]}

    def get_queryset(self) -> QuerySet[Consent]:
        return consents_visible_to(_user(self.request)).order_by("-granted_at", "-id")

    def perform_create(self, serializer: ConsentSerializer) -> None:  # type: ignore[override]
        serializer.instance = services.consent_grant(
            by=_user(self.request), request=self.request, **serializer.validated_data
        )

    @extend_schema(request=RevokeSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        consent = self.get_object()
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consent = services.consent_revoke(
            by=_user(request), consent=consent, reason=body.validated_data["reason"], request=request
        )
        return Response(ConsentSerializer(consent, context=self.get_serializer_context()).data)


# --- needs -------------------------------------------------------------------------------
class NeedSerializer(QuickRepresentation, serializers.ModelSerializer[Need]):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    status = serializers.ChoiceField(choices=NeedStatus.choices, required=False)
    person_name = serializers.CharField(source="person.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "person",
            "person_name",
            "region",
            "category",
            "urgency",
            "description",
            "amount_requested",
            "source",
            "status",
            "status_note",
            "responded_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status_note", "responded_at", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["person"].queryset = persons_visible_to(request.user)  # type: ignore[attr-defined]


class NeedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Need],
):
    """PATCH ``status`` moves a need along open → matched → referred → fulfilled → closed (409 if it may not)."""

    pagination_class = IdsFirstPagination  # region-prefix lists: a plan that does not follow the estimate
    serializer_class = NeedSerializer
    permission_classes = [RegisterPermission]
    filterset_fields = {
        "status": ["exact"],
        "category": ["exact"],
        "urgency": ["exact"],
        "source": ["exact"],
        "person": ["exact"],
    }

    def get_queryset(self) -> QuerySet[Need]:
        needs = needs_visible_to(_user(self.request))
        return needs.defer(*[f"person__{name}" for name in ENCRYPTED_PERSON_FIELDS]).order_by("-created_at", "-id")

    def perform_create(self, serializer: NeedSerializer) -> None:  # type: ignore[override]
        data = dict(serializer.validated_data)
        data.pop("status", None)  # a new need is open
        serializer.instance = services.need_log(by=_user(self.request), request=self.request, **data)

    def perform_update(self, serializer: NeedSerializer) -> None:  # type: ignore[override]
        data = dict(serializer.validated_data)
        assert serializer.instance is not None  # noqa: S101
        need = serializer.instance
        user = _user(self.request)
        person = data.pop("person", None)
        data.pop("source", None)
        if person is not None and person != need.person:
            raise serializers.ValidationError({"person": [_("A need stays with its person; log a new need instead.")]})
        new_status = data.pop("status", None)
        if data:
            need = services.need_update(by=user, need=need, request=self.request, **data)
        if new_status is not None and new_status != need.status:
            need = services.need_set_status(by=user, need=need, status=new_status, request=self.request)
        serializer.instance = need

    @extend_schema(request=None, responses=NeedSerializer)
    @action(detail=True, methods=["post"], url_path="pick-up")
    def pick_up(self, request: Request, pk: str) -> Response:
        """救急难: take an emergency need (the quick-response team, the area's caseworkers and station
        workers). 409 when someone already did or the need is closed; the others are told."""
        need = self.get_object()
        need = need_pick_up(by=_user(request), need=need, request=request._request)
        return Response(NeedSerializer(need, context={"request": request}).data)
