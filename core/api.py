"""The region and organization endpoints."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import User
from core.models import Organization, Region
from core.permissions import can_edit_directory
from core.selectors import organizations_visible_to, regions_visible_to


class DirectoryWritePermission(permissions.BasePermission):
    """Anyone signed in may read what they can see; only administrators write."""

    message = _("Only administrators may change regions and organizations.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_edit_directory(request.user)


class RegionSerializer(serializers.ModelSerializer[Region]):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]
        read_only_fields = fields


class RegionViewSet(viewsets.ReadOnlyModelViewSet[Region]):
    """The 行政区划 tree as far as the signed-in user may see it."""

    serializer_class = RegionSerializer
    lookup_field = "code"
    filterset_fields = {"level": ["exact"], "parent": ["exact"], "name": ["exact", "contains"]}

    def get_queryset(self) -> QuerySet[Region]:
        return regions_visible_to(self.request.user)  # type: ignore[arg-type]


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())
    service_regions = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), many=True, required=False)

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "group_type",
            "name",
            "credit_code",
            "region",
            "service_regions",
            "contact_phone",
            "address",
            "is_active",
        ]

    def validate_credit_code(self, value: str) -> str:
        return value.strip().upper()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        group_type = attrs.get("group_type", getattr(self.instance, "group_type", ""))
        if group_type and kind != "group_organization":
            raise serializers.ValidationError(
                {"group_type": [_("Only group organizations have a group organization type.")]}
            )
        return attrs


class OrganizationViewSet(viewsets.ModelViewSet[Organization]):
    serializer_class = OrganizationSerializer
    permission_classes = [DirectoryWritePermission]
    filterset_fields = {"kind": ["exact"], "region": ["exact"], "is_active": ["exact"]}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Organization]:
        user: User = self.request.user  # type: ignore[assignment]
        return organizations_visible_to(user).prefetch_related("service_regions").order_by("id")
