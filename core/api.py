"""The region and organization endpoints."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from charities.permissions import organization_for_manager
from charities.services import (
    PROFILE_FIELDS,
    organization_invite_staff,
    organization_remove_staff,
    organization_update_profile,
)
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


class OrganizationWritePermission(DirectoryWritePermission):
    """As the directory, except that an organization's own administrators edit its profile
    and staff (checked per object by ``organization_for_manager``)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.user and request.user.is_authenticated and getattr(view, "action", None) in PROFILE_ACTIONS:
            return True
        return super().has_permission(request, view)


PROFILE_ACTIONS = frozenset({"update", "partial_update", "staff", "remove_staff"})


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
            "registration_authority",
            "rating",
            "focus_groups",
            "contact_person",
            "introduction",
            "website",
            "disclosures",
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


class StaffMemberSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "username", "full_name", "phone", "is_active"]
        read_only_fields = ["id", "is_active"]


class OrganizationViewSet(viewsets.ModelViewSet[Organization]):
    serializer_class = OrganizationSerializer
    permission_classes = [OrganizationWritePermission]
    filterset_fields = {"kind": ["exact"], "region": ["exact"], "is_active": ["exact"]}
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Organization]:
        user: User = self.request.user  # type: ignore[assignment]
        return organizations_visible_to(user).prefetch_related("service_regions").order_by("id")

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Administrators change everything; an organization's own administrators its profile only."""
        user: User = request.user  # type: ignore[assignment]
        if can_edit_directory(user):
            return super().update(request, *args, **kwargs)
        organization = organization_for_manager(user, kwargs["pk"])
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(organization, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        validated = dict(serializer.validated_data)
        regions = validated.pop("service_regions", None)
        # A full PUT repeats the registration facts; only a real change to them is refused.
        refused = sorted(
            name
            for name, value in validated.items()
            if name not in PROFILE_FIELDS and getattr(organization, name) != value
        )
        if refused:
            raise PermissionDenied(
                _("Only system administrators change these fields: %(fields)s.") % {"fields": ", ".join(refused)}
            )
        organization_update_profile(
            organization=organization,
            by=user,
            changes={name: value for name, value in validated.items() if name in PROFILE_FIELDS},
            service_region_codes=None if regions is None else [region.code for region in regions],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=organization.pk)).data)

    @action(detail=True, methods=["get", "post"])
    def staff(self, request: Request, pk: str) -> Response:
        """GET the organization's active staff; POST ``username``, ``full_name``, ``phone`` invites a member.

        The answer to an invitation carries ``invite_url`` once: a one-time link with which the new member
        chooses a password (there is no initial password for the inviter to know).
        """
        user: User = request.user  # type: ignore[assignment]
        organization = organization_for_manager(user, pk)
        if request.method == "GET":
            members = organization.staff.filter(is_active=True).order_by("username")
            return Response(StaffMemberSerializer(members, many=True).data)
        serializer = StaffMemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = organization_invite_staff(
            organization=organization,
            by=user,
            username=serializer.validated_data["username"],
            full_name=serializer.validated_data.get("full_name", ""),
            phone=serializer.validated_data.get("phone", ""),
        )
        # A one-time link with which the new member chooses a password; nobody else learns it.
        body = {
            **StaffMemberSerializer(invitation.user).data,
            "invite_url": request.build_absolute_uri(invitation.invite_path),
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path=r"staff/(?P<user_id>[0-9]+)/remove")
    def remove_staff(self, request: Request, pk: str, user_id: str) -> Response:
        user: User = request.user  # type: ignore[assignment]
        organization = organization_for_manager(user, pk)
        member = organization.staff.filter(pk=int(user_id), is_active=True).first()
        if member is None:
            raise Http404(_("No such member of this organization."))
        organization_remove_staff(organization=organization, by=user, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)
