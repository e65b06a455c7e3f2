"""What a person may see of parts requests: staff by branch, portal users their own company's."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from aftersales.access.policy import Access, scope
from aftersales.supply.models import OPEN_STATES, PartsRequest, Shipment


def requests_visible(*, access: Access) -> QuerySet[PartsRequest]:
    return scope(
        PartsRequest.objects.select_related("branch", "customer", "dealer"),
        access,
        "supply.view",
        customer_field="customer",
        dealer_field="customer__dealer",
    )


def requests_search(
    *,
    access: Access,
    state: str = "",
    overdue: bool = False,
    branch_id: int | None = None,
    q: str = "",
    before_id: int | None = None,
) -> QuerySet[PartsRequest]:
    qs = requests_visible(access=access)
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(overdue_at__isnull=False, state__in=OPEN_STATES)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if q.strip():
        term = q.strip()
        qs = qs.filter(
            Q(number__icontains=term) | Q(customer__name__icontains=term) | Q(phone__icontains=term)
        )
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return qs.order_by("-pk")


def shipments_of_day(*, access: Access, day: dt.date, branch_id: int | None = None) -> QuerySet[Shipment]:
    """The day's shipping lists (补件装车单) of the branches the person may see."""
    qs = scope(Shipment.objects.select_related("branch", "created_by"), access, "supply.view").filter(day=day)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    return qs.prefetch_related("lines__part", "lines__request__customer").order_by("branch__code", "carrier")


def ready_to_ship(*, access: Access, branch_id: int | None = None) -> QuerySet[PartsRequest]:
    qs = requests_visible(access=access).filter(state=PartsRequest.State.READY)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    return qs.prefetch_related("lines__part").order_by("promised_on", "pk")
