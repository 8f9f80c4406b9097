from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import two_factor
from accounts.models import User
from accounts.services import client_ip, login_failure_record, login_lockout, login_success_record
from core.models import Organization, Region


class TokenView(ObtainAuthToken):
    """POST ``{"username", "password"}`` → ``{"token"}``."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    parser_classes = APIView.parser_classes  # the project's strict JSON parser (core/rest.py), not ObtainAuthToken's

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "otp": serializers.CharField(
                    required=False, help_text="6-digit code, for accounts with two-step sign-in"
                ),
            },
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        username = str(request.data.get("username", "")).strip()
        ip_address = client_ip(request)
        lockout = login_lockout(username=username, ip_address=ip_address)
        if lockout is not None:
            return Response({"non_field_errors": [lockout.message]}, status=status.HTTP_403_FORBIDDEN)
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            login_failure_record(username=username, ip_address=ip_address, request=request._request)
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user: User = serializer.validated_data["user"]
        if two_factor.needs_second_step(user):
            device = two_factor.confirmed_device(user)
            if device is None:
                message = _("Set up two-step sign-in on the web page first; then ask for a token with the code.")
                return Response({"non_field_errors": [message]}, status=status.HTTP_403_FORBIDDEN)
            if not two_factor.code_verify(device=device, code=str(request.data.get("otp", ""))):
                login_failure_record(username=username, ip_address=ip_address, request=request._request)
                message = _("Send the 6-digit code from your authenticator app as “otp”.")
                return Response({"otp": [message]}, status=status.HTTP_400_BAD_REQUEST)
        login_success_record(user=user, request=request._request)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeSerializer(serializers.ModelSerializer[User]):
    # Null for staff without an organization (admins) or a jurisdiction (charity staff): the schema says so.
    organization: serializers.PrimaryKeyRelatedField[Organization] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    organization_name = serializers.CharField(source="organization.name", read_only=True, default=None, allow_null=True)
    region: serializers.PrimaryKeyRelatedField[Region] = serializers.PrimaryKeyRelatedField(
        source="jurisdiction", read_only=True, allow_null=True
    )
    region_name = serializers.CharField(source="jurisdiction.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "organization", "organization_name", "region", "region_name"]
        read_only_fields = fields


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        return Response(MeSerializer(user).data)
