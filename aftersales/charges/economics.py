"""Cost of each order against its revenue, for the finance department's cost accounting (§9).

Cost = parts used (the report's parts × the part's cost) + labour (report hours × the internal
labour cost per hour, rule ``labour_cost_per_hour``, per branch) + travel (the travel fee of the
order's zone kind, when someone went on site) + supplier charges (none recorded yet: 0).

Revenue = payments on site − refunds + invoices not cancelled. A payment against an invoice is
the invoice being collected, not more revenue, so it is not counted twice.

The per-order sums are correlated subqueries in one SQL query; the branch rates (a few rows) are
applied to each row in Python so that the arithmetic stays in Decimal on every database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from aftersales.access.policy import Access, scope
from aftersales.calls.models import ReportPart, ServiceOrder
from aftersales.charges.models import Invoice, Payment, TravelFee
from aftersales.rules.services import rule_decimal

CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal(0), output_field=MONEY)


@dataclass
class Economics:
    order_id: int
    number: str
    branch_id: int
    branch: str
    service_type: str
    completed_at: dt.datetime | None
    parts_cost: Decimal
    labour_hours: Decimal
    labour_rate: Decimal
    labour_cost: Decimal
    travel_cost: Decimal
    supplier_cost: Decimal
    paid: Decimal
    refunded: Decimal
    invoiced: Decimal
    cost: Decimal = field(init=False)
    revenue: Decimal = field(init=False)
    margin: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self.cost = self.parts_cost + self.labour_cost + self.travel_cost + self.supplier_cost
        self.revenue = self.paid - self.refunded + self.invoiced
        self.margin = self.revenue - self.cost

    @property
    def margin_pct(self) -> Decimal | None:
        if self.revenue <= 0:
            return None
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.1"))


def _sum(qs: QuerySet[Any], expr: Any) -> Subquery:
    return Subquery(
        qs.order_by().values("order_id").annotate(s=Sum(expr, output_field=MONEY)).values("s")[:1],
        output_field=MONEY,
    )


def _annotated(qs: QuerySet[ServiceOrder]) -> QuerySet[ServiceOrder]:
    parts = (
        ReportPart.objects.filter(report__order=OuterRef("pk"))
        .order_by()
        .values("report__order")
        .annotate(
            s=Sum(ExpressionWrapper(F("quantity") * F("part__cost"), output_field=MONEY), output_field=MONEY)
        )
        .values("s")[:1]
    )
    payments = Payment.objects.filter(order=OuterRef("pk"))
    return qs.annotate(
        e_parts=Coalesce(Subquery(parts, output_field=MONEY), ZERO),
        e_minutes=Coalesce(F("report__labour_minutes"), Value(0), output_field=IntegerField()),
        e_paid=Coalesce(_sum(payments.filter(kind="payment", invoice__isnull=True), "amount"), ZERO),
        e_refunded=Coalesce(_sum(payments.filter(kind="refund"), "amount"), ZERO),
        e_invoiced=Coalesce(
            _sum(Invoice.objects.filter(order=OuterRef("pk")).exclude(state="cancelled"), "amount"), ZERO
        ),
    )


class Rates:
    """Labour cost per hour and travel fees by branch, read once per report."""

    def __init__(self) -> None:
        self._labour: dict[int, Decimal] = {}
        self._travel: dict[tuple[int | None, str], Decimal] = {
            (t.branch_id, t.zone_kind): t.fee for t in TravelFee.objects.all()
        }

    def labour(self, branch_id: int) -> Decimal:
        if branch_id not in self._labour:
            self._labour[branch_id] = rule_decimal("labour_cost_per_hour", branch_id=branch_id)[0]
        return self._labour[branch_id]

    def travel(self, branch_id: int, kind: str | None) -> Decimal:
        key = kind or "urban"
        return self._travel.get((branch_id, key), self._travel.get((None, key), Decimal(0)))


VALUES = (
    "pk",
    "number",
    "branch_id",
    "branch__name",
    "service_type",
    "completed_at",
    "arrived_at",
    "zone__kind",
    "e_parts",
    "e_minutes",
    "e_paid",
    "e_refunded",
    "e_invoiced",
)


def _rows(qs: QuerySet[ServiceOrder], rates: Rates) -> Iterable[Economics]:
    for r in _annotated(qs).values(*VALUES):
        hours = (Decimal(r["e_minutes"]) / 60).quantize(CENT)
        rate = rates.labour(r["branch_id"])
        yield Economics(
            order_id=r["pk"],
            number=r["number"],
            branch_id=r["branch_id"],
            branch=r["branch__name"],
            service_type=r["service_type"],
            completed_at=r["completed_at"],
            parts_cost=Decimal(r["e_parts"]).quantize(CENT),
            labour_hours=hours,
            labour_rate=rate,
            labour_cost=(Decimal(r["e_minutes"]) * rate / 60).quantize(CENT),
            travel_cost=rates.travel(r["branch_id"], r["zone__kind"])
            if r["arrived_at"] is not None
            else Decimal(0),
            supplier_cost=Decimal(0),
            paid=Decimal(r["e_paid"]).quantize(CENT),
            refunded=Decimal(r["e_refunded"]).quantize(CENT),
            invoiced=Decimal(r["e_invoiced"]).quantize(CENT),
        )


def order_economics(order: ServiceOrder) -> Economics:
    """Cost and revenue of one order (same figures as the margins report)."""
    return next(iter(_rows(ServiceOrder.objects.filter(pk=order.pk), Rates())))


@dataclass
class Group:
    key: str
    label: str
    orders: int = 0
    cost: Decimal = Decimal(0)
    revenue: Decimal = Decimal(0)

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost


@dataclass
class Margins:
    rows: list[Economics]
    groups: list[Group]
    total: Group
    parts_cost: Decimal
    labour_cost: Decimal
    travel_cost: Decimal


def margins(
    *,
    access: Access,
    start: dt.datetime,
    end: dt.datetime,
    branch_id: int | None = None,
    service_type: str = "",
    group: str = "branch",
) -> Margins:
    """Orders whose work was done in [start, end), in the person's scope, with totals by group."""
    qs = scope(ServiceOrder.objects.all(), access, "money.view").filter(
        completed_at__gte=start, completed_at__lt=end
    )
    if branch_id is not None:
        qs = qs.filter(branch_id=branch_id)
    if service_type:
        qs = qs.filter(service_type=service_type)
    rows = list(_rows(qs.order_by("completed_at", "pk"), Rates()))
    labels = dict(ServiceOrder._meta.get_field("service_type").choices or [])
    groups: dict[str, Group] = defaultdict(lambda: Group(key="", label=""))
    total = Group(key="total", label="")
    for r in rows:
        if group == "service_type":
            key, label = r.service_type, str(labels.get(r.service_type, r.service_type))
        else:
            key, label = str(r.branch_id), r.branch
        g = groups[key]
        g.key, g.label = key, label
        for target in (g, total):
            target.orders += 1
            target.cost += r.cost
            target.revenue += r.revenue
    return Margins(
        rows=rows,
        groups=sorted(groups.values(), key=lambda g: g.label),
        total=total,
        parts_cost=sum((r.parts_cost for r in rows), Decimal(0)),
        labour_cost=sum((r.labour_cost for r in rows), Decimal(0)),
        travel_cost=sum((r.travel_cost for r in rows), Decimal(0)),
    )
