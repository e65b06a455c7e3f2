from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from aftersales.common.admin import AuditedAdmin
from aftersales.org.models import Branch, Certification, RoleAssignment, Skill, User, Zone


class ZoneInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Zone
    extra = 0


@admin.register(Branch)
class BranchAdmin(AuditedAdmin):
    list_display = ["code", "name", "city", "is_head_office", "timezone", "active"]
    inlines = [ZoneInline]


@admin.register(Skill)
class SkillAdmin(AuditedAdmin):
    list_display = ["code", "name"]


class RoleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RoleAssignment
    extra = 0


class CertificationInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Certification
    extra = 0


@admin.register(User)
class PersonAdmin(AuditedAdmin, UserAdmin):  # type: ignore[misc]
    list_display = ["username", "name", "phone", "home_branch", "is_active"]
    search_fields = ["username", "name", "phone"]
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        ("售后", {"fields": ("name", "phone", "employee_no", "home_branch", "skills", "preferred_language")}),
        (_("Dispatch"), {"fields": ("start_latitude", "start_longitude")}),
    )
    inlines = [RoleInline, CertificationInline]
