"""``POST /api/v1/status-lookup/``: reference + last four phone digits → the stage, nothing else."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from charities.lookup import LookupThrottled, stage_label, status_lookup
from charities.views_lookup import NOT_FOUND
from core.client_address import client_address
from core.codes import PublicStage
from core.rest import ScopedRateThrottle


class StatusLookupSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(max_length=30)
    phone_last4 = serializers.CharField(max_length=4)


StageSerializer = inline_serializer(
    "PublicStage",
    {
        "reference": serializers.CharField(),
        "stage": serializers.ChoiceField(choices=PublicStage.choices),
        "stage_label": serializers.CharField(),
    },
)
NoMatchSerializer = inline_serializer(
    "PublicLookupRefusal", {"detail": serializers.CharField(), "code": serializers.CharField(required=False)}
)


class StatusLookupView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_scope = "status_lookup"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        operation_id="status_lookup",
        request=StatusLookupSerializer,
        responses={
            200: StageSerializer,
            400: OpenApiResponse(description="field → list of messages"),
            404: OpenApiResponse(NoMatchSerializer, description="no match: the same answer whatever the reason"),
            429: NoMatchSerializer,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        body = StatusLookupSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            stage = status_lookup(
                reference=body.validated_data["reference"],
                phone_last4=body.validated_data["phone_last4"],
                client=client_address(request._request),
            )
        except LookupThrottled as error:
            return Response({"detail": error.message, "code": error.code}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if stage is None:
            return Response({"detail": str(NOT_FOUND), "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
        reference = body.validated_data["reference"].strip().upper()
        return Response({"reference": reference, "stage": stage, "stage_label": stage_label(stage)})
