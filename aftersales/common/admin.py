from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import ModelForm
from django.http import HttpRequest

from aftersales.audit.services import event_record
from aftersales.common.models import NumberFormat


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Master data edited in the admin is written to the audit trail like any other change."""

    def save_model(self, request: HttpRequest, obj: models.Model, form: ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        super().save_model(request, obj, form, change)
        changes = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
        event_record(
            kind="updated" if change else "created",
            subject=obj,
            actor=request.user,  # type: ignore[arg-type]
            data={"changes": changes, "via": "admin"},
        )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        event_record(kind="deleted", subject=obj, actor=request.user, data={"via": "admin"})  # type: ignore[arg-type]
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(NumberFormat)
class NumberFormatAdmin(AuditedAdmin):
    list_display = ["kind", "prefix", "pattern", "description"]
