"""Read-mostly admin: runs and proposals change only through the services (pages, API, task)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from matching.models import MatchingRun, MatchProposal


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MatchingRun)
class MatchingRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "region", "status", "progress", "proposed_count", "started_by", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["region__code", "region__name"]
    date_hierarchy = "created_at"
    list_select_related = ["region", "started_by"]


@admin.register(MatchProposal)
class MatchProposalAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "need", "resource", "score", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["need__person__name", "resource__name"]
    raw_id_fields = ["run", "need", "resource", "referral"]
    list_select_related = ["run__region", "need__person", "resource", "decided_by"]
