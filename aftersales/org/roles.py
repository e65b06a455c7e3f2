"""The roles of the procedures (glossary: role codes)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("administrator")
    AGENT = "agent", _("service agent")
    SUPERVISOR = "supervisor", _("service supervisor")
    MANAGER = "manager", _("branch manager")
    TECHNICIAN = "technician", _("technician")
    WAREHOUSE = "warehouse", _("warehouse keeper")
    ACCOUNTANT = "accountant", _("accountant")
    QUALITY = "quality", _("quality inspector")
    QUALITY_MANAGER = "quality_manager", _("quality manager")
    ASSESSOR = "assessor", _("performance assessor")
    EXECUTIVE = "executive", _("executive")
    CUSTOMER = "customer", _("customer (portal)")
    DEALER = "dealer", _("dealer (portal)")


PORTAL_ROLES = frozenset({Role.CUSTOMER, Role.DEALER})
STAFF_ROLES = frozenset(set(Role) - PORTAL_ROLES)
# Roles that see only the work assigned to them, not the whole branch.
OWNERSHIP_ROLES = frozenset({Role.TECHNICIAN})
