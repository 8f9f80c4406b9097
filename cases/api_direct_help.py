"""``direct-help/``: help given outside a referral (SPEC rule 16, API.md). POST finds the person by
exact ID number (``id_number``, write-only) and records the help with the person's consent; GET
lists the records the user may see (charity staff: their organization's; offices and
supervisors: their jurisdiction's). Reads show the person masked; the ID number never comes back."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from beneficiaries.models import ConsentMethod
from beneficiaries.reveal_policy import RevealLimitReached
from cases.models import DirectHelp, HelpGiver, HelpKind
from cases.services.direct_help import (
    can_record_direct_help,
    direct_help_find,
    direct_help_record,
    direct_help_visible_to,
    mask_name,
)
from charities.models import DeliveredService
from core.codes import NeedCategory
from core.dates import ApiDateField


class ConsentProofSerializer(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    witness_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    guardian_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class ConsentShownSerializer(ConsentProofSerializer):
    evidence_attached = serializers.BooleanField(read_only=True)


@extend_schema_field(ConsentShownSerializer)
class ConsentField(serializers.Field):
    """``consent``: an object ``{"method", "witness_name"?, "guardian_name"?}``; in a multipart
    upload (a signed form as ``consent_evidence``) the same object as a JSON string."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("Give the consent as an object with its method.")) from None
        proof = ConsentProofSerializer(data=data)
        if not isinstance(data, dict) or not proof.is_valid():
            raise serializers.ValidationError(
                proof.errors if isinstance(data, dict) else _("Give the consent as an object with its method.")
            )
        return dict(proof.validated_data)

    def to_representation(self, value: DirectHelp) -> dict[str, Any]:
        return {
            "method": value.consent_method,
            "witness_name": value.consent_witness,
            "guardian_name": value.consent_guardian,
            "evidence_attached": bool(value.consent_evidence),
        }


class DirectHelpSerializer(serializers.ModelSerializer[DirectHelp]):
    id_number = serializers.CharField(write_only=True, max_length=40)
    person_name_masked = serializers.SerializerMethodField()
    person_id_number_masked = serializers.CharField(source="person.id_number_masked", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    kind = serializers.ChoiceField(choices=HelpKind.choices)
    giver = serializers.ChoiceField(choices=HelpGiver.choices, required=False)
    category = serializers.ChoiceField(choices=NeedCategory.choices, required=False, allow_blank=True)
    services = serializers.ListField(
        child=serializers.ChoiceField(choices=DeliveredService.choices), required=False, max_length=10
    )
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    given_on = ApiDateField()
    consent = ConsentField(source="*")
    consent_evidence = serializers.FileField(write_only=True, required=False)

    class Meta:
        model = DirectHelp
        fields = [
            "id",
            "id_number",
            "person_name_masked",
            "person_id_number_masked",
            "giver",
            "organization",
            "organization_name",
            "helper_name",
            "kind",
            "category",
            "amount",
            "items",
            "services",
            "given_on",
            "note",
            "consent",
            "consent_evidence",
            "created_at",
        ]
        read_only_fields = ["id", "organization", "created_at"]

    def get_person_name_masked(self, record: DirectHelp) -> str:
        return mask_name(record.person.name)


class DirectHelpViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[DirectHelp]
):
    """Help given outside a referral: it joins the ledger (``ledger/``) with its own ``source``
    (``direct``), so duplicates across government programmes, referrals and direct help show."""

    serializer_class = DirectHelpSerializer
    filterset_fields: list[str] = []

    def get_queryset(self) -> QuerySet[DirectHelp]:
        return direct_help_visible_to(self.request.user)  # type: ignore[arg-type]

    @extend_schema(responses={201: DirectHelpSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user: User = request.user  # type: ignore[assignment]
        if not can_record_direct_help(user):  # the role first: a supervisor's body is never read
            raise PermissionDenied(_("Only charity staff, caseworkers and station workers record help given directly."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        v = serializer.validated_data
        try:
            found = direct_help_find(by=user, id_number=v["id_number"])
        except RevealLimitReached as error:  # the hourly cap of lookups, like persons/{id}/reveal/
            return Response({"detail": error.message, "code": error.code}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        record = direct_help_record(
            by=user,
            person=found.person,
            kind=v["kind"],
            giver=v.get("giver", ""),
            helper_name=v.get("helper_name", ""),
            category=v.get("category", ""),
            amount=v.get("amount"),
            items=v.get("items", ""),
            services=v.get("services", []),
            given_on=v["given_on"],
            note=v.get("note", ""),
            consent_method=v["method"],
            consent_witness=v.get("witness_name", ""),
            consent_guardian=v.get("guardian_name", ""),
            consent_evidence=v.get("consent_evidence"),
            request=request._request,
        )
        return Response(DirectHelpSerializer(record).data, status=status.HTTP_201_CREATED)
