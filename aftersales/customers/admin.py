from django.contrib import admin

from aftersales.common.admin import AuditedAdmin
from aftersales.customers.models import Dealer, PortalAccount


@admin.register(Dealer)
class DealerAdmin(AuditedAdmin):
    list_display = ["code", "name", "branch", "phone", "active"]


@admin.register(PortalAccount)
class PortalAccountAdmin(AuditedAdmin):
    list_display = ["user", "customer", "dealer"]
