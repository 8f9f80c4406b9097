from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import logout as django_logout
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import two_factor
from accounts.models import ApiToken, User
from accounts.services import client_ip, login_failure_record, login_lockout, login_success_record, logout_record
from accounts.tokens import api_token_issue, api_token_revoke
from core.models import Organization, Region
from core.rest import ScopedRateThrottle


class TokenView(APIView):
    """POST ``{"username", "password"}`` (and ``"otp"`` for two-step accounts) → ``{"token", "expires_at"}``."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []
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
        responses=inline_serializer(
            "TokenResponse", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
        ),
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        # A body that is not a JSON object (`0`, `[]`) is the serializer's 400, not a 500 here.
        fields = request.data if isinstance(request.data, Mapping) else {}
        username = str(fields.get("username", "")).strip()
        ip_address = client_ip(request)
        lockout = login_lockout(username=username, ip_address=ip_address)
        if lockout is not None:
            return Response({"non_field_errors": [lockout.message]}, status=status.HTTP_403_FORBIDDEN)
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            login_failure_record(username=username, ip_address=ip_address, request=request._request)
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user: User = serializer.validated_data["user"]
        if user.must_change_password:
            message = _("Change the password an administrator set for you on the web page first.")
            return Response({"non_field_errors": [message]}, status=status.HTTP_403_FORBIDDEN)
        with_second_step = two_factor.needs_second_step(user)
        if with_second_step:
            device = two_factor.confirmed_device(user)
            if device is None:
                message = _("Set up two-step sign-in on the web page first; then ask for a token with the code.")
                return Response({"non_field_errors": [message]}, status=status.HTTP_403_FORBIDDEN)
            if not two_factor.code_verify(device=device, code=str(fields.get("otp", ""))):
                login_failure_record(username=username, ip_address=ip_address, request=request._request)
                message = _("Send the 6-digit code from your authenticator app as “otp”.")
                return Response({"otp": [message]}, status=status.HTTP_400_BAD_REQUEST)
        login_success_record(user=user, request=request._request)
        issued = api_token_issue(user=user, with_second_step=with_second_step)
        return Response({"token": issued.key, "expires_at": issued.expires_at})


class LogoutView(APIView):
    """POST: end the token this request carries (a session is signed out instead)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        if isinstance(request.auth, ApiToken):
            api_token_revoke(token=request.auth)
        else:
            django_logout(request._request)
        logout_record(user=user, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
