"""The ``resources/`` and ``complaints/`` endpoints of API.md.

Serializers only parse; every check with a message a user acts on lives in
``charities.services`` so the pages, the API and the import say the same thing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from charities.models import Complaint, ComplaintStatus, Resource, ResourceStatus
from charities.permissions import (
    can_edit_resources_of,
    can_read_complaints,
    complaint_for_user,
    resource_for_editor,
    resource_for_user,
    supplier_organization_for,
)
from charities.selectors import SupplyFilters, complaints_visible_to, supply_list
from charities.services import (
    ResourceData,
    complaint_move,
    complaint_submit,
    resource_create,
    resource_set_status,
    resource_update,
)
from core.models import Organization, Region
from core.rest import ScopedRateThrottle


@extend_schema_field({"type": "array", "items": {"type": "string", "example": "610622000000"}})
class RegionCodesField(serializers.Field):
    """A list of region codes; reads give the codes of a many-to-many relation."""

    default_error_messages = {"not_a_list": "Give a list of region codes."}

    def to_representation(self, value: Any) -> list[str]:
        return [region.code for region in value.all()]

    def to_internal_value(self, data: Any) -> list[str]:
        if isinstance(data, str):
            data = [code for code in data.replace(",", " ").split() if code]
        if not isinstance(data, list):
            raise serializers.ValidationError(_("Give a list of region codes."))
        return [str(code).strip() for code in data]


class EligibilitySerializer(serializers.Serializer):
    min_age = serializers.IntegerField(required=False, allow_null=True)
    max_age = serializers.IntegerField(required=False, allow_null=True)
    assistance_statuses = serializers.ListField(child=serializers.CharField(), required=False)
    vulnerabilities = serializers.ListField(child=serializers.CharField(), required=False)
    income_ceiling = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    conditions = serializers.ListField(child=serializers.CharField(), required=False)
    notes = serializers.CharField(source="eligibility_notes", required=False, allow_blank=True)


class CapacitySerializer(serializers.Serializer):
    people = serializers.IntegerField(source="capacity_people", required=False, allow_null=True)
    amount = serializers.DecimalField(
        source="capacity_amount", max_digits=14, decimal_places=2, required=False, allow_null=True
    )


class CapacityLeftSerializer(serializers.Serializer):
    people = serializers.IntegerField(source="people_left", read_only=True)
    amount = serializers.DecimalField(source="amount_left", max_digits=14, decimal_places=2, read_only=True)


class ResourceSerializer(serializers.ModelSerializer[Resource]):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    categories = serializers.ListField(child=serializers.CharField(), required=False)
    service_regions = RegionCodesField(required=False)
    designated_counties = RegionCodesField(required=False)
    eligibility = EligibilitySerializer(source="*", required=False)
    capacity = CapacitySerializer(source="*", required=False)
    capacity_left = CapacityLeftSerializer(source="*", read_only=True)
    status = serializers.ChoiceField(choices=ResourceStatus.choices, required=False)
    people_helped = serializers.IntegerField(read_only=True, default=0)
    amount_delivered = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, default=Decimal(0))

    class Meta:
        model = Resource
        fields = [
            "id",
            "organization",
            "organization_name",
            "name",
            "purpose",
            "kind",
            "form",
            "categories",
            "service_regions",
            "designated_counties",
            "eligibility",
            "capacity",
            "capacity_left",
            "per_person_limit",
            "starts_on",
            "ends_on",
            "status",
            "people_helped",
            "amount_delivered",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


# serializer key → ResourceData attribute
_DATA_KEYS = {"service_regions": "service_region_codes", "designated_counties": "designated_county_codes"}


def _resource_data(validated: dict[str, Any], base: ResourceData | None) -> ResourceData:
    values: dict[str, Any] = dict(vars(base)) if base is not None else {"name": "", "kind": "", "form": ""}
    for key, value in validated.items():
        if key in ("organization", "status"):
            continue
        values[_DATA_KEYS.get(key, key)] = value
    return ResourceData(**values)


class ResourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The supply list. Charity staff keep their own organization's; jurisdiction roles read what serves them."""

    serializer_class = ResourceSerializer
    filterset_fields: dict[str, list[str]] = {}

    def get_queryset(self) -> QuerySet[Resource]:
        user: User = self.request.user  # type: ignore[assignment]
        params = self.request.query_params
        region = None
        if code := params.get("region", "").strip():
            region = Region.objects.filter(code=code).first()
            if region is None:
                return Resource.objects.none()
        filters = SupplyFilters(
            q=params.get("q", "").strip(),
            category=params.get("category", "").strip(),
            region=region,
            focus_group=params.get("focus_group", "").strip(),
            available_only=params.get("available", "") in ("1", "true"),
            kind=params.get("kind", "").strip(),
            status=params.get("status", "").strip(),
        )
        return supply_list(user, filters).order_by("-updated_at", "-id")

    def get_object(self) -> Resource:
        user: User = self.request.user  # type: ignore[assignment]
        pk = self.kwargs["pk"]
        if self.request.method in permissions.SAFE_METHODS:
            resource = resource_for_user(user, pk)
        else:
            resource = resource_for_editor(user, pk)
        return self.get_queryset().filter(pk=resource.pk).first() or resource

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user: User = request.user  # type: ignore[assignment]
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        validated = dict(serializer.validated_data)
        organization = validated.get("organization")
        if user.is_admin_role:
            if organization is None:
                raise serializers.ValidationError({"organization": [_("Say which organization offers this.")]})
        else:
            own = supplier_organization_for(user)
            if organization is not None and organization.pk != own.pk:
                raise PermissionDenied(_("You can only add resources to your own organization."))
            organization = own
        if not can_edit_resources_of(user, organization):
            raise PermissionDenied(_("Only the organization's own staff change its resources."))
        publish = validated.get("status") == ResourceStatus.OPEN
        resource = resource_create(
            organization=organization, data=_resource_data(validated, None), by=user, publish=publish
        )
        body = self.get_serializer(self.get_queryset().get(pk=resource.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user: User = request.user  # type: ignore[assignment]
        resource = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(resource, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        validated = dict(serializer.validated_data)
        organization = validated.get("organization")
        if organization is not None and organization.pk != resource.organization_id:
            raise PermissionDenied(_("A resource cannot move to another organization."))
        new_status = validated.get("status")
        if set(validated) - {"organization", "status"}:
            resource = resource_update(
                resource=resource, data=_resource_data(validated, ResourceData.from_resource(resource)), by=user
            )
        if new_status and new_status != resource.status:
            resource = resource_set_status(resource=resource, status=new_status, by=user)
        return Response(self.get_serializer(self.get_queryset().get(pk=resource.pk)).data)


# --- complaints ---------------------------------------------------------------------------


class ComplaintSerializer(serializers.ModelSerializer[Complaint]):
    about_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.filter(is_active=True), required=False, allow_null=True
    )
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "content",
            "contact",
            "about_organization",
            "region",
            "status",
            "conclusion",
            "received_at",
        ]
        read_only_fields = ["id", "reference", "status", "conclusion", "received_at"]


class ComplaintReceiptSerializer(serializers.ModelSerializer[Complaint]):
    class Meta:
        model = Complaint
        fields = ["reference", "status", "received_at"]
        read_only_fields = fields


class ComplaintPermission(permissions.BasePermission):
    """Anyone may file; supervisors (and administrators) read."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method == "POST":
            return True
        if not (request.user and request.user.is_authenticated):
            raise NotAuthenticated()
        return can_read_complaints(request.user)


class ComplaintViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """投诉举报: POST open to the public (throttled); GET for supervisors of the region concerned."""

    serializer_class = ComplaintSerializer
    permission_classes = [ComplaintPermission]
    filterset_fields = {"status": ["exact"]}

    def get_throttles(self) -> list[Any]:
        if self.request.method == "POST":
            self.throttle_scope = "complaints"
            return [ScopedRateThrottle()]
        return super().get_throttles()

    def get_queryset(self) -> QuerySet[Complaint]:
        return complaints_visible_to(self.request.user).order_by("-received_at", "-id")  # type: ignore[arg-type]

    def get_object(self) -> Complaint:
        return complaint_for_user(self.request.user, self.kwargs["pk"])  # type: ignore[arg-type]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        complaint = complaint_submit(
            content=data["content"],
            contact=data.get("contact", ""),
            about_organization=data.get("about_organization"),
            region=data.get("region"),
        )
        return Response(ComplaintReceiptSerializer(complaint).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Supervisors of the county move a complaint received → investigating → concluded (issue #7)."""
        complaint = complaint_patch(request=request, complaint=self.get_object())
        return Response(self.get_serializer(complaint).data)


class ComplaintStepSerializer(serializers.Serializer[Complaint]):
    status = serializers.ChoiceField(choices=[ComplaintStatus.INVESTIGATING, ComplaintStatus.CONCLUDED])
    conclusion = serializers.CharField(required=False, allow_blank=True, max_length=5000)


def complaint_patch(*, request: Request, complaint: Complaint) -> Complaint:
    """``PATCH complaints/{id}/`` ``{"status", "conclusion"?}``: one step of the handling workflow."""
    body = ComplaintStepSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return complaint_move(
        complaint=complaint,
        by=request.user,  # type: ignore[arg-type]
        to_status=body.validated_data["status"],
        conclusion=body.validated_data.get("conclusion", ""),
        request=request._request,
    )
