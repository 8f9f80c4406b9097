"""``POST /api/v1/applications/``: the online application without an account (docs/public-api.md).

The same service as the page (beneficiaries/services/applications.py), so the same limits: the
address and phone throttles, sizes, repeats. No honeypot here (callers are programs); the API's
own throttle (scope ``applications``) comes on top.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from beneficiaries.models import ApplicantKind, Urgency
from beneficiaries.services.applications import ApplicationThrottled, application_submit
from beneficiaries.views_public import body_too_large
from core.client_address import client_address
from core.codes import NeedCategory
from core.rest import ScopedRateThrottle
from core.selectors import application_regions


class ApplicationSerializer(serializers.Serializer[Any]):
    # Lengths are the service's (its messages name the limit); these only bound what is parsed.
    applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices, default=ApplicantKind.SELF)
    name = serializers.CharField(max_length=200)
    id_number = serializers.CharField(max_length=40)
    household_size = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=20)
    region = serializers.CharField(max_length=12, help_text="12-digit code of a township or village")
    address = serializers.CharField(required=False, allow_blank=True, max_length=400, default="")
    what_happened = serializers.CharField(max_length=4000)
    categories = serializers.ListField(child=serializers.ChoiceField(choices=NeedCategory.choices), max_length=11)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    phone = serializers.CharField(max_length=40)
    consent_version = serializers.CharField(max_length=40)
    agrees = serializers.BooleanField()
    may_text = serializers.BooleanField(default=False)


ReceiptSerializer = inline_serializer(
    "ApplicationReceipt",
    {
        "reference": serializers.CharField(),
        "already_received": serializers.BooleanField(),
        "call_back_hours": serializers.IntegerField(),
    },
)
RefusalSerializer = inline_serializer(
    "PublicRefusal", {"detail": serializers.CharField(), "code": serializers.CharField(required=False)}
)


class ApplicationView(APIView):
    """在线申请: open to the public, throttled; answers the reference number and nothing else."""

    authentication_classes: list[Any] = []  # no account; nor a session's CSRF for a public POST
    permission_classes = [permissions.AllowAny]
    throttle_scope = "applications"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        operation_id="applications_create",
        request=ApplicationSerializer,
        responses={
            201: ReceiptSerializer,
            200: OpenApiResponse(ReceiptSerializer, description="already received: the same reference"),
            400: OpenApiResponse(description="field → list of messages"),
            413: RefusalSerializer,
            429: RefusalSerializer,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        if body_too_large(request._request):
            return Response(
                {
                    "detail": _("The application is too long to be sent (more than %(kb)d KB).")
                    % {"kb": settings.APPLICATION_MAX_BODY_BYTES // 1024},
                    "code": "too_large",
                },
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        body = ApplicationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        region = application_regions().filter(code=data["region"]).first()
        try:
            receipt = application_submit(
                name=data["name"],
                id_number=data["id_number"],
                applicant_kind=data["applicant_kind"],
                household_size=data.get("household_size"),
                region=region,
                address=data["address"],
                what_happened=data["what_happened"],
                categories=list(data["categories"]),
                urgency=data["urgency"],
                phone=data["phone"],
                consent_version=data["consent_version"],
                agrees=data["agrees"],
                may_text=data["may_text"],
                client=client_address(request._request),
            )
        except ApplicationThrottled as error:
            return Response({"detail": error.message, "code": error.code}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        except ValidationError as error:
            return Response(
                {field: [str(m) for m in messages] for field, messages in error.message_dict.items()},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {
                "reference": receipt.reference,
                "already_received": receipt.already_received,
                "call_back_hours": receipt.call_back_hours,
            },
            status=status.HTTP_200_OK if receipt.already_received else status.HTTP_201_CREATED,
        )
