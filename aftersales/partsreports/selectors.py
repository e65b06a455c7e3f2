"""Reads for the parts reports, scoped by branch: slow-moving value, replenishment, monthly analysis.

Figures are aggregated in SQL (docs/parts-reports.md): the monthly analysis is one grouped query
over the month's issues and returns, rolled up in Python into every table of the page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import ALL, Access, scope
from aftersales.calls.models import ServiceType
from aftersales.catalog.models import FaultCategory, Part, ProductLine, ProductModel
from aftersales.org.models import Branch
from aftersales.partsreports.models import SlowMovingFlag
from aftersales.stock.models import StockLevel, StockLot, StockMove, Warehouse

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
# The warehouses that stock for replenishment: vans and finished goods are filled from them.
STOCKING = (Warehouse.Kind.HEAD_OFFICE, Warehouse.Kind.BRANCH)
# Service types whose parts the company pays for (free vs charged).
FREE_TYPES = (ServiceType.FREE, ServiceType.CONTRACT)


def _money(value: object) -> Decimal:
    """An SQL sum as yuan and fen (SQLite sums decimals as floats)."""
    return Decimal(str(value or 0)).quantize(ZERO)


def warehouses_visible(*, access: Access) -> QuerySet[Warehouse]:
    """Warehouses of the branches the person sees stock in; a technician only his van."""
    return scope(
        Warehouse.objects.select_related("branch"), access, "stock.view", owner_fields=["technician"]
    ).order_by("branch__code", "code")


def flags_visible(*, access: Access) -> QuerySet[SlowMovingFlag]:
    return scope(SlowMovingFlag.objects.all(), access, "stock.view", owner_fields=["warehouse__technician"])


def flags_for_warehouse(*, warehouse_id: int) -> dict[int, SlowMovingFlag]:
    """Part id → flag of one warehouse (for lists that show a badge per part)."""
    return {f.part_id: f for f in SlowMovingFlag.objects.filter(warehouse_id=warehouse_id)}


# --- slow-moving value -------------------------------------------------------------------------


def _lots_on_hand() -> QuerySet[StockLot]:
    return StockLot.objects.filter(part=OuterRef("part"), warehouse=OuterRef("warehouse"), on_hand__gt=0)


RED_FIRST = Case(When(flag=SlowMovingFlag.Flag.RED, then=Value(0)), default=Value(1))
LOT_VALUE = ExpressionWrapper(F("on_hand") * F("unit_cost"), output_field=MONEY)


@dataclass
class SlowRow:
    flag: SlowMovingFlag
    on_hand: int
    value: Decimal


@dataclass
class WarehouseTotal:
    warehouse: Warehouse
    yellow: int = 0
    red: int = 0
    yellow_value: Decimal = ZERO
    red_value: Decimal = ZERO

    @property
    def value(self) -> Decimal:
        return self.yellow_value + self.red_value


@dataclass
class SlowReport:
    rows: list[SlowRow]
    count: int
    totals: list[WarehouseTotal]

    @property
    def value(self) -> Decimal:
        return sum((t.value for t in self.totals), ZERO)


def slow_moving_report(
    *, access: Access, warehouse_id: int | None = None, flag: str = "", limit: int | None = None
) -> SlowReport:
    """Flagged parts with their stock at cost (Σ lots on hand × unit cost), and totals per warehouse."""
    flags = flags_visible(access=access)
    if warehouse_id is not None:
        flags = flags.filter(warehouse_id=warehouse_id)
    if flag in SlowMovingFlag.Flag.values:
        flags = flags.filter(flag=flag)
    by_lot = _lots_on_hand().order_by().values("part", "warehouse")
    rows_qs = (
        flags.select_related("part", "warehouse", "branch")
        .annotate(
            stock=Coalesce(Subquery(by_lot.annotate(n=Sum("on_hand")).values("n")), Value(0)),
            value=Coalesce(
                Subquery(by_lot.annotate(v=Sum(LOT_VALUE)).values("v")), Value(ZERO), output_field=MONEY
            ),
        )
        .order_by("warehouse__branch__code", "warehouse__code", RED_FIRST, "-value", "part__code")
    )
    rows = [
        SlowRow(flag=f, on_hand=f.stock, value=_money(f.value))  # type: ignore[attr-defined]
        for f in (rows_qs[:limit] if limit else rows_qs)
    ]
    totals: dict[int, WarehouseTotal] = {}
    warehouses = Warehouse.objects.select_related("branch").in_bulk(
        set(flags.order_by().values_list("warehouse_id", flat=True).distinct())
    )
    for wid, w in sorted(warehouses.items(), key=lambda kv: (kv[1].branch.code, kv[1].code)):
        totals[wid] = WarehouseTotal(warehouse=w)
    for r in flags.order_by().values("warehouse_id", "flag").annotate(n=Count("pk")):
        setattr(totals[r["warehouse_id"]], r["flag"], r["n"])
    flagged = flags.filter(part=OuterRef("part"), warehouse=OuterRef("warehouse"))
    values = (
        StockLot.objects.filter(on_hand__gt=0)
        .annotate(flag=Subquery(flagged.values("flag")[:1]))
        .filter(Exists(flagged))
        .order_by()
        .values("warehouse_id", "flag")
        .annotate(v=Sum(LOT_VALUE))
    )
    for v in values:
        setattr(totals[v["warehouse_id"]], f"{v['flag']}_value", _money(v["v"]))
    return SlowReport(rows=rows, count=flags.count(), totals=list(totals.values()))


# --- replenishment -----------------------------------------------------------------------------


@dataclass
class ReplenishRow:
    warehouse: Warehouse
    part_id: int
    part_code: str
    part_name: str
    reorder_point: int
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def out_of_stock(self) -> bool:
        return self.available <= 0

    @property
    def shortfall(self) -> int:
        return max(self.reorder_point - self.available, 0)


def replenishment_list(*, access: Access, warehouse_id: int | None = None) -> list[ReplenishRow]:
    """Common parts whose available stock (on hand − reserved) in a stocking warehouse has fallen to
    the part's reorder point or below (out of stock always). Out of stock first, then the largest
    shortfall. Two queries, whatever the number of warehouses."""
    warehouses = warehouses_visible(access=access).filter(kind__in=STOCKING, active=True)
    if warehouse_id is not None:
        warehouses = warehouses.filter(pk=warehouse_id)
    stocking = list(warehouses)
    if not stocking:
        return []
    parts = list(
        Part.objects.filter(is_common=True, active=True)
        .order_by("code")
        .values_list("pk", "code", "name", "reorder_point")
    )
    levels = {
        (r["part_id"], r["warehouse_id"]): (r["on_hand"], r["reserved"])
        for r in StockLevel.objects.filter(
            part__is_common=True, part__active=True, warehouse__in=[w.pk for w in stocking]
        ).values("part_id", "warehouse_id", "on_hand", "reserved")
    }
    rows = []
    for w in stocking:
        for pk, code, name, reorder_point in parts:
            on_hand, reserved = levels.get((pk, w.pk), (0, 0))
            if on_hand - reserved <= reorder_point:
                rows.append(
                    ReplenishRow(
                        warehouse=w,
                        part_id=pk,
                        part_code=code,
                        part_name=name,
                        reorder_point=reorder_point,
                        on_hand=on_hand,
                        reserved=reserved,
                    )
                )
    rows.sort(
        key=lambda r: (
            not r.out_of_stock,
            -r.shortfall,
            r.warehouse.branch.code,
            r.warehouse.code,
            r.part_code,
        )
    )
    return rows


# --- monthly analysis --------------------------------------------------------------------------


@dataclass
class Figures:
    key: str
    label: str
    quantity: int = 0
    cost: Decimal = ZERO
    free_cost: Decimal = ZERO
    charged_cost: Decimal = ZERO

    def add(self, *, quantity: int, cost: Decimal, free: bool) -> None:
        self.quantity += quantity
        self.cost += cost
        if free:
            self.free_cost += cost
        else:
            self.charged_cost += cost


@dataclass
class Analysis:
    month: dt.date
    total: Figures
    by_branch: list[Figures] = field(default_factory=list)
    by_line: list[Figures] = field(default_factory=list)
    by_model: list[Figures] = field(default_factory=list)
    top_parts: list[Figures] = field(default_factory=list)
    causes: list[Figures] = field(default_factory=list)
    by_service_type: list[Figures] = field(default_factory=list)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(first, dt.time.min, tzinfo=tz), dt.datetime.combine(
        following, dt.time.min, tzinfo=tz
    )


def analysis_branches(*, access: Access) -> QuerySet[Branch]:
    branches = Branch.objects.order_by("code")
    full = access.branches_for("stock.reports")
    return branches if full == ALL else branches.filter(pk__in=sorted(full))


def consumption_rows(
    *, access: Access, month: dt.date, branch_id: int | None = None, product_line_id: int | None = None
) -> QuerySet[Any, Any]:
    """The month's issues and returns to orders, grouped at the finest grain the page needs."""
    start, end = month_bounds(month)
    moves = scope(
        StockMove.objects.filter(
            kind__in=[StockMove.Kind.ISSUE, StockMove.Kind.RETURN],
            order__isnull=False,
            at__gte=start,
            at__lt=end,
        ),
        access,
        "stock.reports",
        branch_field="order__branch",
    )
    if branch_id is not None:
        moves = moves.filter(order__branch_id=branch_id)
    if product_line_id is not None:
        moves = moves.filter(order__unit__product_model__product_line_id=product_line_id)
    return (
        moves.order_by()
        .values(
            b=F("order__branch_id"),
            p=F("part_id"),
            m=F("order__unit__product_model_id"),
            pl=F("order__unit__product_model__product_line_id"),
            c=Coalesce("order__report__fault_category_id", "order__fault_category_id"),
            t=F("order__service_type"),
        )
        .annotate(
            q=Sum("quantity", output_field=IntegerField()),
            v=Sum(ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=MONEY)),
        )
    )


def _names(model: type, ids: Iterable[int | None], *, label: str = "name") -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    en = _english()
    out = {}
    for obj in model.objects.filter(pk__in=wanted):  # type: ignore[attr-defined]
        name = getattr(obj, label)
        if en and getattr(obj, f"{label}_en", None):
            name = getattr(obj, f"{label}_en")
        out[obj.pk] = name
    return out


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


def monthly_analysis(
    *, access: Access, month: dt.date, branch_id: int | None = None, product_line_id: int | None = None
) -> Analysis:
    """Parts consumed by orders in a month: issued minus returned, quantity and cost at the lots' cost."""
    grouped = list(
        consumption_rows(access=access, month=month, branch_id=branch_id, product_line_id=product_line_id)
    )
    branches = {b.pk: f"{b.code} {b.name}" for b in Branch.objects.filter(pk__in={r["b"] for r in grouped})}
    parts = {
        p.pk: (p.code, p.name_en if _english() and p.name_en else p.name)
        for p in Part.objects.filter(pk__in={r["p"] for r in grouped})
    }
    models_ = {
        m.pk: f"{m.code} {m.name_en if _english() and m.name_en else m.name}"
        for m in ProductModel.objects.filter(pk__in={r["m"] for r in grouped if r["m"]})
    }
    lines = _names(ProductLine, (r["pl"] for r in grouped))
    causes = _names(FaultCategory, (r["c"] for r in grouped))
    types = dict(ServiceType.choices)
    none = _("not given")
    total = Figures(key="", label=_("total"))
    groups: dict[str, dict[object, Figures]] = defaultdict(dict)

    def add(dimension: str, key: object, label: str, quantity: int, cost: Decimal, free: bool) -> None:
        figures = groups[dimension].get(key)
        if figures is None:
            figures = groups[dimension][key] = Figures(key="" if key is None else str(key), label=label)
        figures.add(quantity=quantity, cost=cost, free=free)

    for r in grouped:
        quantity = -int(r["q"] or 0)  # issues are negative, returns positive
        cost = -_money(r["v"])
        free = r["t"] in FREE_TYPES
        total.add(quantity=quantity, cost=cost, free=free)
        add("branch", r["b"], branches.get(r["b"], "—"), quantity, cost, free)
        add("line", r["pl"], lines.get(r["pl"], none), quantity, cost, free)
        add("model", r["m"], models_.get(r["m"], none), quantity, cost, free)
        code, name = parts.get(r["p"], ("?", ""))
        add("part", r["p"], f"{code} {name}", quantity, cost, free)
        add("cause", r["c"], causes.get(r["c"], none), quantity, cost, free)
        add("type", r["t"], str(types.get(r["t"], r["t"])), quantity, cost, free)

    def ranked(dimension: str, limit: int | None = None) -> list[Figures]:
        rows = sorted(groups[dimension].values(), key=lambda f: (-f.cost, -f.quantity, f.label))
        rows = [f for f in rows if f.quantity or f.cost]
        return rows[:limit] if limit else rows

    top = sorted(
        (f for f in groups["part"].values() if f.quantity > 0),
        key=lambda f: (-f.quantity, -f.cost, f.label),
    )[:10]
    return Analysis(
        month=month.replace(day=1),
        total=total,
        by_branch=sorted(groups["branch"].values(), key=lambda f: f.label),
        by_line=ranked("line"),
        by_model=ranked("model"),
        top_parts=top,
        causes=ranked("cause"),
        by_service_type=[groups["type"][t] for t in ServiceType.values if t in groups["type"]],
    )
