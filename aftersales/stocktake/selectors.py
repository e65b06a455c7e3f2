"""Reads for the stocktake pages and API: what a person may see, the monthly status, line values."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from aftersales.access.policy import Access, scope
from aftersales.rules.services import rule_int
from aftersales.stock.models import StockLot, StockMove, Warehouse
from aftersales.stocktake.adjust import surplus_unit_cost
from aftersales.stocktake.models import Stocktake, StocktakeLine

S = Stocktake.State


def stocktakes_visible(*, access: Access) -> QuerySet[Stocktake]:
    """Stocktakes of warehouses the person sees (``stock.view``; a technician: his own van)."""
    return scope(
        Stocktake.objects.select_related("warehouse", "branch", "bin"),
        access,
        "stock.view",
        owner_fields=["warehouse__technician"],
    )


def warehouses_visible(*, access: Access) -> QuerySet[Warehouse]:
    return scope(
        Warehouse.objects.filter(active=True).select_related("branch"),
        access,
        "stock.view",
        owner_fields=["technician"],
    ).order_by("branch__code", "kind", "code")


def add_months(day: datetime.date, months: int) -> datetime.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class WarehouseStatus:
    warehouse: Warehouse
    last_counted: datetime.date | None
    due: datetime.date | None
    months: int
    overdue: bool
    open: Stocktake | None


def stocktake_status(*, access: Access, today: datetime.date | None = None) -> list[WarehouseStatus]:
    """Per warehouse: the day of the last posted stocktake (its snapshot, branch time) and whether it is
    older than the ``stocktake_months`` rule (policies: monthly)."""
    warehouses = list(warehouses_visible(access=access)[:500])
    ids = [w.pk for w in warehouses]
    last = dict(
        Stocktake.objects.filter(warehouse_id__in=ids, state=S.POSTED)
        .values("warehouse_id")
        .annotate(at=Max("started_at"))
        .values_list("warehouse_id", "at")
    )
    open_ = {
        s.warehouse_id: s
        for s in Stocktake.objects.filter(
            warehouse_id__in=ids, state__in=[S.DRAFT, S.COUNTING, S.REVIEW, S.APPROVED]
        ).order_by("warehouse_id", "-id")
    }
    months_by_branch: dict[int, int] = {}
    rows = []
    for w in warehouses:
        if w.branch_id not in months_by_branch:
            months_by_branch[w.branch_id] = rule_int("stocktake_months", branch_id=w.branch_id)[0]
        months = months_by_branch[w.branch_id]
        now = today or timezone.localdate(timezone.now(), w.branch.tzinfo)
        at = last.get(w.pk)
        counted = timezone.localtime(at, w.branch.tzinfo).date() if at else None
        due = add_months(counted, months) if counted else None
        rows.append(
            WarehouseStatus(
                warehouse=w,
                last_counted=counted,
                due=due,
                months=months,
                overdue=due is None or now > due,
                open=open_.get(w.pk),
            )
        )
    return rows


@dataclass(frozen=True)
class LineView:
    line: StocktakeLine
    moved: int | None
    unit_cost: Decimal
    value: Decimal


def stocktake_lines(stocktake: Stocktake) -> list[LineView]:
    """The lines with the moves during the count and the difference's value at cost (posted: what was
    booked; before: a shortage at the bin's oldest lot, a surplus at the part's cost)."""
    lines = list(
        stocktake.lines.select_related("part", "bin", "counted_by").order_by("bin__code", "part__code")
    )
    booked: dict[tuple[int, int | None], Decimal] = {}
    if stocktake.state == S.POSTED:
        for part_id, bin_id, quantity, cost in StockMove.objects.filter(
            kind=StockMove.Kind.ADJUSTMENT, reference=stocktake.number, warehouse_id=stocktake.warehouse_id
        ).values_list("part_id", "bin_id", "quantity", "unit_cost"):
            booked[(part_id, bin_id)] = booked.get((part_id, bin_id), Decimal("0.00")) + quantity * cost
    oldest: dict[tuple[int, int], Decimal] = {}
    short = [ln for ln in lines if ln.difference and ln.difference < 0]
    if short and not booked:
        for part_id, bin_id, cost in (
            StockLot.objects.filter(
                warehouse_id=stocktake.warehouse_id, part_id__in={ln.part_id for ln in short}, on_hand__gt=0
            )
            .order_by("-received_at", "-pk")
            .values_list("part_id", "bin_id", "unit_cost")
        ):
            oldest[(part_id, bin_id)] = cost  # the last written is the oldest
    out = []
    for ln in lines:
        moved = None if ln.expected_quantity is None else ln.expected_quantity - ln.snapshot_quantity
        diff = ln.difference or 0
        if (ln.part_id, ln.bin_id) in booked:
            value = booked[(ln.part_id, ln.bin_id)]
            cost = (value / diff).quantize(Decimal("0.01")) if diff else Decimal("0.00")
        elif diff < 0:
            cost = oldest.get((ln.part_id, ln.bin_id), ln.part.cost)
            value = cost * diff
        else:
            cost = (
                surplus_unit_cost(part=ln.part, warehouse_id=stocktake.warehouse_id) if diff else ln.part.cost
            )
            value = cost * diff
        out.append(LineView(line=ln, moved=moved, unit_cost=Decimal(cost), value=Decimal(value)))
    return out


def in_bin_now(*, part_id: int, warehouse_id: int, bin_id: int) -> int:
    n = StockLot.objects.filter(part_id=part_id, warehouse_id=warehouse_id, bin_id=bin_id).aggregate(
        n=Sum("on_hand")
    )
    return int(n["n"] or 0)
