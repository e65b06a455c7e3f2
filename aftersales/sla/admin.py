"""Read-only admin views: calendar and policy changes go through the pages (versioning, revision,
trail, recompute); clocks move only through their workflow."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from aftersales.sla.models import BranchDay, CalendarYear, Clock, ClockAlert, ClockPolicy, OfficialDay


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "source", "note", "updated_at", "updated_by"]


@admin.register(OfficialDay)
class OfficialDayAdmin(ReadOnlyAdmin):
    list_display = ["date", "is_working", "name"]
    list_filter = ["is_working"]
    date_hierarchy = "date"


@admin.register(BranchDay)
class BranchDayAdmin(ReadOnlyAdmin):
    list_display = ["branch", "date", "is_working", "periods", "note"]
    list_filter = ["branch"]


@admin.register(ClockPolicy)
class ClockPolicyAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "scope_key", "name", "kind", "amount", "unit", "warn_ratio", "active"]
    list_filter = ["active", "kind", "code"]


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ["subject_label", "code", "branch", "responsible", "state", "due_at", "stopped_at"]
    list_filter = ["state", "code", "branch"]
    search_fields = ["subject_label"]


@admin.register(ClockAlert)
class ClockAlertAdmin(ReadOnlyAdmin):
    list_display = ["clock", "step", "kind", "role", "at"]
