from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aftersales.audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the trail cannot be edited through the UI."""

    list_display = [
        "occurred_at",
        "actor_name",
        "branch",
        "subject_type",
        "subject_label",
        "kind",
        "from_value",
        "to_value",
    ]
    list_filter = ["kind", "branch", "subject_type"]
    search_fields = ["subject_label", "actor_name", "reason"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
