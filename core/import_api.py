"""``/api/v1/imports/``: the spreadsheet imports without a browser (docs/api-imports.md).

The same services as the import pages (core/imports.py): the view reads the request, the services
decide. Only the person who uploaded a batch sees its errors (they hold the rows as uploaded, full
ID numbers included) or confirms it; an administrator reads any batch's status and counts only.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from core.errors import ReferralHubError
from core.imports import import_batch_confirm, import_batch_for_user, import_batch_start, import_progress, spec_for_user
from core.models import ImportBatch
from core.spreadsheets import ImportFileError, get_spec, registered_specs


class ImportBatchSerializer(serializers.ModelSerializer[ImportBatch]):
    error_count = serializers.SerializerMethodField(help_text=gettext_lazy("How many errors the check found."))
    progress = serializers.SerializerMethodField(help_text=gettext_lazy("0–100 while checking or importing."))

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "original_name",
            "total_rows",
            "valid_rows",
            "imported_rows",
            "error_count",
            "source",
            "failure_reason",
            "created_at",
            "updated_at",
            "confirmed_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "source": {"help_text": gettext_lazy("Which sheet and header row were read, the format and encoding.")}
        }

    def get_error_count(self, batch: ImportBatch) -> int:
        return len(batch.errors or [])

    def get_progress(self, batch: ImportBatch) -> int:
        return import_progress(batch)


class ImportUploadSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(
        max_length=64,
        help_text=gettext_lazy("The kind of spreadsheet: visit_register, assistance_records or supply_list."),
    )
    file = serializers.FileField(
        allow_empty_file=True, help_text=gettext_lazy("The spreadsheet (.xlsx, .xls or .csv).")
    )

    def validate_kind(self, value: str) -> str:
        if get_spec(value) is None:
            raise serializers.ValidationError(_("No such kind of import: %(kind)s.") % {"kind": value[:64]})
        return value


class ImportErrorSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text=gettext_lazy("The spreadsheet row (0: the file as a whole)."))
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


UPLOAD_REFUSED = inline_serializer(
    "ImportUploadRefused",
    fields={
        "kind": serializers.ListField(child=serializers.CharField(), required=False),
        "file": serializers.ListField(child=serializers.CharField(), required=False),
    },
)
NOT_READY = inline_serializer(
    "ImportNotReady", fields={"detail": serializers.CharField(), "code": serializers.CharField()}
)


def _may_import_something(user: User) -> bool:
    return any(spec.can_use(user) for spec in registered_specs())


class ImportErrorPageSerializer(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ImportErrorSerializer(many=True)


class ImportBatchDetailSerializer(ImportBatchSerializer):
    errors = serializers.SerializerMethodField(  # type: ignore[assignment]  # DRF pops declared fields: no clash with .errors
        help_text=gettext_lazy(
            "Every error, paginated with ?page= (API.md: GET imports/{id}/); null for an administrator "
            "reading someone else's batch (the errors hold the rows as uploaded)."
        )
    )

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "errors"]
        read_only_fields = fields

    @extend_schema_field(ImportErrorPageSerializer(allow_null=True))
    def get_errors(self, batch: ImportBatch) -> dict[str, Any] | None:
        return self.context.get("errors_page")


def _error_rows(batch: ImportBatch) -> list[dict[str, Any]]:
    return [
        {"row": int(error.get("row", 0)), "column": str(error.get("column", "")), "message": str(error["message"])}
        for error in batch.errors or []
    ]


@extend_schema_view(
    list=extend_schema(summary="The caller's own import batches, newest first"),
    retrieve=extend_schema(
        summary="One batch: its status, progress, counts and every error (paginated, ?page=)",
        responses=ImportBatchDetailSerializer,
    ),
)
class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ImportBatch]):
    """Spreadsheet imports: POST a file with its kind, follow the batch's status, read every error, confirm."""

    serializer_class = ImportBatchSerializer
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[ImportBatch]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return ImportBatch.objects.none()
        user: User = self.request.user  # type: ignore[assignment]
        return ImportBatch.objects.filter(created_by=user).order_by("-created_at")

    def get_object(self) -> ImportBatch:
        user: User = self.request.user  # type: ignore[assignment]
        return import_batch_for_user(user, self.kwargs["pk"])

    def _own_batch(self) -> ImportBatch:
        """The errors and the confirm are the uploader's alone: an administrator reads the counts only."""
        batch = self.get_object()
        if batch.created_by_id != self.request.user.pk:
            raise PermissionDenied(_("Only the person who uploaded this file may read its errors or import it."))
        return batch

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()
        errors_page: dict[str, Any] | None = None
        if batch.created_by_id == request.user.pk:
            page = self.paginate_queryset(_error_rows(batch))  # type: ignore[arg-type]
            errors_page = dict(self.get_paginated_response(ImportErrorSerializer(page, many=True).data).data)
        return Response(ImportBatchDetailSerializer(batch, context={"errors_page": errors_page}).data)

    @extend_schema(
        summary="Upload a spreadsheet: the batch is created and checked (as the import page does)",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportBatchSerializer, 400: UPLOAD_REFUSED},
    )
    def create(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        if not _may_import_something(user):
            raise PermissionDenied(_("Your role cannot import this kind of spreadsheet."))
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = serializer.validated_data["kind"]
        spec_for_user(kind, user)  # 403 before the file is stored
        try:
            batch = import_batch_start(kind=kind, upload=serializer.validated_data["file"], user=user)
        except ImportFileError as error:
            raise serializers.ValidationError({"file": [error.message]}) from error
        batch.refresh_from_db()  # where tasks run in-process, the check is already done
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Every error the check found (paginated); the uploader's alone",
        responses=ImportErrorSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def errors(self, request: Request, pk: str) -> Response:
        batch = self._own_batch()
        page = self.paginate_queryset(_error_rows(batch))  # type: ignore[arg-type]
        return self.get_paginated_response(ImportErrorSerializer(page, many=True).data)

    @extend_schema(
        summary="Import the checked rows (queued): all are written together, or none are",
        request=None,
        responses={
            202: ImportBatchSerializer,
            409: OpenApiResponse(NOT_READY, description="It has errors, or is already being imported or was."),
        },
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        user: User = request.user  # type: ignore[assignment]
        batch = self._own_batch()
        try:
            import_batch_confirm(batch=batch, user=user)
        except ReferralHubError as error:
            return Response({"detail": error.message, "code": error.code}, status=status.HTTP_409_CONFLICT)
        batch.refresh_from_db()
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)
