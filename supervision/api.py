"""The read-only ``audit-entries/`` endpoint and the complaint step behind ``PATCH complaints/{id}/``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.request import Request

from audit.models import AuditEntry
from audit.selectors import AuditFilters, audit_entries_filtered, can_read_audit_log
from core.dates import ApiDateField


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "person_pk",
            "region_code",
            "changes",
            "reason",
            "ip_address",
            "path",
            "prev_hash",
            "entry_hash",
        ]
        read_only_fields = fields


class AuditLogPermission(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and can_read_audit_log(request.user))


class AuditFilterSerializer(serializers.Serializer[AuditFilters]):
    actor = serializers.IntegerField(required=False, min_value=1)
    person = serializers.IntegerField(required=False, min_value=1)
    action = serializers.CharField(required=False, max_length=32)
    since = ApiDateField(required=False)
    until = ApiDateField(required=False)


class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The audit log, read-only: supervisors read their county's entries, administrators all.
    Filters: ``actor`` (user id), ``person`` (person id), ``action``, ``since``, ``until`` (dates)."""

    serializer_class = AuditEntrySerializer
    permission_classes = [AuditLogPermission]

    def get_queryset(self) -> QuerySet[AuditEntry]:
        params = AuditFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return audit_entries_filtered(self.request.user, AuditFilters(**params.validated_data))
