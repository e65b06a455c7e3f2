"""What a person may see of calls and orders (technicians: the orders assigned to them)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from aftersales.access.policy import Access, scope
from aftersales.calls.models import ServiceCall, ServiceOrder


def calls_visible(*, access: Access) -> QuerySet[ServiceCall]:
    return scope(
        ServiceCall.objects.select_related(
            "branch", "customer", "unit", "unit__product_model", "order", "order__technician"
        ),
        access,
        "calls.view",
        owner_fields=("order__technician",),
        customer_field="customer",
        dealer_field="customer__dealer",
    )


def orders_visible(*, access: Access) -> QuerySet[ServiceOrder]:
    return scope(
        ServiceOrder.objects.select_related(
            "branch", "customer", "unit", "unit__product_model", "technician"
        ),
        access,
        "calls.view",
        owner_fields=("technician",),
        customer_field="customer",
        dealer_field="customer__dealer",
    )


def calls_register_page(
    *,
    access: Access,
    day: dt.date | None = None,
    branch_id: int | None = None,
    q: str = "",
    before_id: int | None = None,
) -> QuerySet[ServiceCall]:
    """The call register (服表002): calls of a day (branch time), newest first."""
    qs = calls_visible(access=access)
    if day is not None:
        # A half-open range on the column itself (not a date cast of it), so the index on
        # received_at serves the day instead of a scan of every call.
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        qs = qs.filter(received_at__gte=start, received_at__lt=start + dt.timedelta(days=1))
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if q.strip():
        term = q.strip()
        qs = qs.filter(
            Q(number__icontains=term)
            | Q(customer__name__icontains=term)
            | Q(phone__icontains=term)
            | Q(unit__serial__icontains=term)
        )
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return qs.order_by("-pk")
