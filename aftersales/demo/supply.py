"""Demo parts requests (补件): a dozen over the last two months in every state, one overdue after
the close-out, one lent from finished goods. Idempotent: skipped when any request exists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.catalog.models import Part
from aftersales.customers.models import Customer
from aftersales.org.models import Branch, User
from aftersales.stock.models import Bin, Warehouse
from aftersales.stock.services import stock_receive
from aftersales.supply import services as sv
from aftersales.supply.models import PartsRequest


def _warehouse(branch: Branch, kind: str, code: str, name: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(branch=branch, kind=kind, active=True).order_by("pk").first()
    if warehouse is None:
        warehouse, _ = Warehouse.objects.get_or_create(
            code=code, defaults={"name": name, "branch": branch, "kind": kind}
        )
    if not Bin.objects.filter(warehouse=warehouse, active=True).exists():
        Bin.objects.create(warehouse=warehouse, branch=branch, zone="B", shelf="01", level="1", code="B-01-1")
    return warehouse


def load_supply() -> dict[str, int]:
    if PartsRequest.objects.exists():
        return {"parts_requests": 0}
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["agent", "supervisor", "quality_manager", "warehouse", "customer", "dealer"]
        )
    }
    parts = list(Part.objects.filter(active=True).order_by("code")[:4])
    customer = Customer.objects.filter(name="上海申达汽车配件有限公司").first()
    if len(users) < 6 or len(parts) < 2 or customer is None:
        return {"parts_requests": 0}
    sh = customer.branch
    others = list(Customer.objects.filter(branch=sh, active=True).exclude(pk=customer.pk).order_by("pk")[:6])
    store = _warehouse(sh, Warehouse.Kind.BRANCH, "SH-BJ", "上海补件仓")
    finished = _warehouse(sh, Warehouse.Kind.FINISHED_GOODS, "SH-CP", "上海成品仓")
    keeper = users["warehouse"]
    now = timezone.now()

    def a(name: str) -> dict[str, Any]:
        return {"access": access_for(users[name]), "by": users[name]}

    for part in parts:
        for w in (store, finished):
            stock_receive(
                part_id=part.pk,
                warehouse_id=w.pk,
                quantity_passed=30,
                unit_cost=part.cost or Decimal("50"),
                received_at=now - dt.timedelta(days=70),
                reference="DEMO",
                **a("warehouse"),
            )

    def apply(
        days_ago: float, who: str = "agent", cust: Customer | None = None, part: int = 0, qty: int = 1
    ) -> PartsRequest:
        data = sv.RequestData(
            customer_id=(cust or customer).pk,
            lines=[sv.LineData(part_id=parts[part].pk, quantity=qty)],
            description="运输途中损坏，急需补件",
        )
        return sv.request_apply(data=data, at=now - dt.timedelta(days=days_ago), **a(who))

    def confirm(req: PartsRequest, days_ago: float, cause: str = "material", promise: int = 10) -> None:
        at = now - dt.timedelta(days=days_ago)
        sv.request_confirm(
            request_id=req.pk,
            promised_on=(at + dt.timedelta(days=promise)).date(),
            confirmed_with="刘经理",
            cause=cause,
            at=at,
            **a("agent"),
        )

    def approve(req: PartsRequest, days_ago: float, both: bool = True) -> None:
        sv.request_approve(request_id=req.pk, at=now - dt.timedelta(days=days_ago), **a("supervisor"))
        if both:
            sv.request_approve(
                request_id=req.pk, at=now - dt.timedelta(days=days_ago - 0.2), **a("quality_manager")
            )

    def fulfil(
        req: PartsRequest, days_ago: float, method: str = "stock", warehouse: Warehouse = store
    ) -> None:
        line = req.lines.get()
        sv.request_fulfil(
            request_id=req.pk,
            line_id=line.pk,
            method=method,
            warehouse_id=warehouse.pk,
            at=now - dt.timedelta(days=days_ago),
            **a("warehouse"),
        )

    def check(req: PartsRequest, days_ago: float, ok: bool = True) -> None:
        sv.request_check(
            request_id=req.pk,
            packaging_ok=True,
            labels_ok=ok,
            stamp_ok=True,
            note="" if ok else "标签上客户名称错误",
            at=now - dt.timedelta(days=days_ago),
            **a("warehouse"),
        )

    def ship(req: PartsRequest, days_ago: float, carrier: str = "德邦物流") -> None:
        sv.request_ship(
            request_id=req.pk,
            carrier=carrier,
            loaded_by=keeper.display_name,
            at=now - dt.timedelta(days=days_ago),
            **a("warehouse"),
        )

    def cust(i: int) -> Customer:
        return others[i % len(others)] if others else customer

    apply(1, "customer", part=1, qty=2)  # applied on the portal
    if customer.dealer_id:
        apply(0.5, "dealer")  # applied by the dealer
    r = apply(3, cust=cust(0))
    confirm(r, 2.8)
    r = apply(6, cust=cust(1), part=1)
    confirm(r, 5.8, "customer_damage")
    approve(r, 5.5, both=False)
    r = apply(9, cust=cust(2))
    confirm(r, 8.8)
    approve(r, 8.5)
    fulfil(r, 8.3, "production")
    r = apply(10, cust=cust(3), part=2 % len(parts))
    confirm(r, 9.8, promise=8)
    approve(r, 9.5)
    fulfil(r, 9.3, "loan", finished)
    r = apply(7, cust=cust(4))
    confirm(r, 6.8, "out_of_warranty")
    approve(r, 6.5)
    fulfil(r, 6.3)
    check(r, 6.1, ok=False)
    r = apply(5, cust=cust(5), qty=3)
    confirm(r, 4.8)
    approve(r, 4.5)
    fulfil(r, 4.3)
    check(r, 4.1)
    r = apply(22)
    confirm(r, 21.8, "discounted")
    approve(r, 21.5)
    fulfil(r, 21.3)
    check(r, 20.2)
    ship(r, 20)
    r = apply(45, cust=cust(1), part=1, qty=2)
    confirm(r, 44.8)
    approve(r, 44.5)
    fulfil(r, 44.3, "purchase")
    order = r.lines.get().supply_order
    assert order is not None
    sv.supply_order_receive(order_id=order.pk, at=now - dt.timedelta(days=33), **a("warehouse"))
    check(r, 32.9)
    ship(r, 32.8, "顺丰速运")
    r = apply(30, cust=cust(2))
    confirm(r, 29.8)
    sv.request_approve(request_id=r.pk, approve=False, note="非我司产品，不予补件", **a("supervisor"))
    r = apply(25, cust=cust(3))
    sv.request_cancel(request_id=r.pk, reason="客户已自行解决", **a("agent"))
    # Overdue: promised 40 days ago, the production order never came; the close-out's grace passed.
    r = apply(55, cust=cust(4), part=1)
    confirm(r, 54.8, promise=14)
    approve(r, 54.5)
    fulfil(r, 54.3, "production")
    sv.closeout_run(at=now - dt.timedelta(days=16))
    sv.closeout_run(at=now)
    return {"parts_requests": PartsRequest.objects.count()}
