"""Reads of stock, scoped by ``stock.view``: a branch's people see its warehouses, head office sees
all, a technician sees his own van."""

from __future__ import annotations

from django.db.models import F, QuerySet

from aftersales.access.policy import Access, scope
from aftersales.catalog.models import Part
from aftersales.stock.models import (
    Bin,
    Reservation,
    StockLevel,
    StockLoan,
    StockLot,
    StockMove,
    Warehouse,
    WriteOff,
)


def warehouses_visible(*, access: Access) -> QuerySet[Warehouse]:
    return scope(
        Warehouse.objects.select_related("branch", "technician"),
        access,
        "stock.view",
        owner_fields=("technician",),
    )


def bins_visible(*, access: Access) -> QuerySet[Bin]:
    return scope(Bin.objects.all(), access, "stock.view", owner_fields=("warehouse__technician",))


def levels_visible(
    *,
    access: Access,
    warehouse_id: int | None = None,
    q: str = "",
    below_reorder: bool = False,
    in_stock: bool = False,
) -> QuerySet[StockLevel]:
    """Stock levels the person may see, filtered; ordered by warehouse and part code."""
    qs = scope(
        StockLevel.objects.select_related("part", "warehouse", "branch"),
        access,
        "stock.view",
        owner_fields=("warehouse__technician",),
    )
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if q:
        qs = qs.filter(part__code__icontains=q) | qs.filter(part__name__icontains=q)
    if below_reorder:
        qs = qs.filter(on_hand__lte=F("part__reorder_point"))
    if in_stock:
        qs = qs.filter(on_hand__gt=0)
    return qs.order_by("warehouse__code", "part__code")


def lots_visible(*, access: Access, part: Part | None = None) -> QuerySet[StockLot]:
    qs = scope(
        StockLot.objects.select_related("warehouse", "bin"),
        access,
        "stock.view",
        owner_fields=("warehouse__technician",),
    ).filter(on_hand__gt=0)
    if part is not None:
        qs = qs.filter(part=part)
    return qs.order_by("warehouse__code", "received_at", "pk")


def moves_visible(
    *, access: Access, part_id: int | None = None, warehouse_id: int | None = None
) -> QuerySet[StockMove]:
    """The ledger, newest first (page by keyset on ``(at, id)``)."""
    qs = scope(
        StockMove.objects.select_related("part", "warehouse", "bin", "order", "by"),
        access,
        "stock.view",
        owner_fields=("warehouse__technician",),
    )
    if part_id:
        qs = qs.filter(part_id=part_id)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs.order_by("-at", "-id")


def writeoffs_visible(*, access: Access, state: str = "") -> QuerySet[WriteOff]:
    qs = scope(
        WriteOff.objects.select_related("part", "warehouse", "requested_by", "decided_by"),
        access,
        "stock.view",
        owner_fields=("warehouse__technician",),
    )
    return qs.filter(state=state) if state else qs


def loans_visible(*, access: Access, state: str = "") -> QuerySet[StockLoan]:
    qs = scope(StockLoan.objects.select_related("part", "warehouse"), access, "stock.view")
    return qs.filter(state=state) if state else qs


def reservations_visible(*, access: Access, order_id: int | None = None) -> QuerySet[Reservation]:
    qs = scope(
        Reservation.objects.select_related("part", "warehouse", "order"),
        access,
        "stock.view",
        owner_fields=("warehouse__technician",),
    )
    return qs.filter(order_id=order_id) if order_id else qs
