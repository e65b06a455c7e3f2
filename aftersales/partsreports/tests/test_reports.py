"""The replenishment list's order and the monthly analysis, figures computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.catalog.models import FaultCategory, Part, ProductLine, ProductModel
from aftersales.installed.models import Unit
from aftersales.partsreports.selectors import monthly_analysis, replenishment_list
from aftersales.partsreports.tests.conftest import give_back, issue, receive
from aftersales.stock.services import reservation_create
from aftersales.stock.tests.conftest import Stock


def test_replenishment_lists_out_of_stock_first_then_the_largest_shortfall(
    stock: Stock, common: Part
) -> None:
    plenty = Part.objects.create(code="P-300", name="够用", is_common=True, reorder_point=3)
    low = Part.objects.create(code="P-400", name="偏少", is_common=True, reorder_point=10)
    Part.objects.create(code="P-500", name="无再订货点", is_common=True, reorder_point=0)
    Part.objects.create(code="P-600", name="不常用", is_common=False, reorder_point=9)
    receive(stock, 10, day="2025-03-01", part=plenty)
    receive(stock, 4, day="2025-03-01", part=low)
    receive(stock, 2, day="2025-03-01", part=common)
    keeper = stock.world.users["hq_admin"]
    reservation_create(  # on hand 2, all reserved: available 0 → out of stock
        order_id=stock.order.pk, part_id=common.pk, warehouse_id=stock.sh.pk, quantity=2,
        access=access_for(keeper), by=keeper,
    )  # fmt: skip
    rows = replenishment_list(access=access_for(stock.world.users["sh_warehouse"]))
    assert [(r.part_code, r.out_of_stock, r.available, r.shortfall) for r in rows] == [
        ("P-200", True, 0, 5),
        ("P-500", True, 0, 0),
        ("P-400", False, 4, 6),
    ]
    assert {r.warehouse.code for r in rows} == {"SH-W"}  # a branch sees its own; vans are not stocking
    everywhere = replenishment_list(access=access_for(keeper))
    assert {r.warehouse.code for r in everywhere} == {"HQ-W", "SH-W", "HZ-W"}
    assert [r.part_code for r in everywhere if r.warehouse.code == "HZ-W"] == [
        "P-400",  # all out of stock there: the largest shortfall first
        "P-200",
        "P-300",
        "P-500",
    ]


@pytest.fixture
def orders(stock: Stock) -> dict[str, Any]:
    world = stock.world
    other = ProductLine.objects.create(code="pump", name="水泵")
    m1 = ProductModel.objects.create(code="M1", name="车床", product_line=world.line)
    m2 = ProductModel.objects.create(code="M2", name="泵", product_line=other)
    elec = FaultCategory.objects.create(code="elec", name="电气")
    mech = FaultCategory.objects.create(code="mech", name="机械")

    def unit(serial: str, model: ProductModel) -> Unit:
        return Unit.objects.create(
            serial=serial, product_model=model, customer=world.sh_customer, branch=world.sh,
            sold_on=dt.date(2024, 1, 1), warranty_until=dt.date(2026, 1, 1),
        )  # fmt: skip

    paid = stock.order
    ServiceOrder.objects.filter(pk=paid.pk).update(unit=unit("U1", m1), fault_category=elec)
    free = ServiceOrder.objects.create(
        number="SH-SO-2026-000002", branch=world.sh, customer=world.sh_customer, category="repair",
        service_type="free", unit=unit("U2", m2), fault_category=mech,
    )  # fmt: skip
    return {
        "paid": paid,
        "free": free,
        "lines": (world.line, other),
        "models": (m1, m2),
        "causes": (elec, mech),
    }


def test_monthly_analysis_by_hand(
    stock: Stock, common: Part, orders: dict[str, Any], django_assert_num_queries: Any
) -> None:
    receive(stock, 10, day="2025-03-01", cost="100.00")
    receive(stock, 10, day="2025-03-01", cost="50.00", part=common)
    issue(stock, 3, day="2025-03-05", order=orders["paid"])  # 3 × 100, charged
    issue(stock, 4, day="2025-03-06", order=orders["free"], part=common)  # 4 × 50, free
    give_back(stock, 1, day="2025-03-07", order=orders["free"], part=common)  # −1 × 50
    issue(stock, 1, day="2025-04-01", order=orders["free"])  # April: not in March
    access = access_for(stock.world.users["sh_manager"])
    with django_assert_num_queries(6):
        a = monthly_analysis(access=access, month=dt.date(2025, 3, 1))
    t = a.total
    assert (t.quantity, t.cost, t.free_cost, t.charged_cost) == (
        6,
        Decimal("450.00"),
        Decimal("150.00"),
        Decimal("300.00"),
    )
    assert [(g.label, g.cost) for g in a.by_branch] == [("SH 上海服务中心", Decimal("450.00"))]
    assert [(g.label, g.quantity, g.cost) for g in a.by_line] == [
        ("数控机床", 3, Decimal("300.00")),
        ("水泵", 3, Decimal("150.00")),
    ]
    assert [g.label for g in a.by_model] == ["M1 车床", "M2 泵"]
    assert [(g.label, g.quantity) for g in a.top_parts] == [("P-100 主轴编码器", 3), ("P-200 伺服驱动器", 3)]
    assert [(g.label, g.cost) for g in a.causes] == [("电气", Decimal("300.00")), ("机械", Decimal("150.00"))]
    assert [(g.key, g.free_cost, g.charged_cost) for g in a.by_service_type] == [
        ("paid", Decimal("0.00"), Decimal("300.00")),
        ("free", Decimal("150.00"), Decimal("0.00")),
    ]
    line = orders["lines"][1]
    only_pumps = monthly_analysis(access=access, month=dt.date(2025, 3, 1), product_line_id=line.pk)
    assert only_pumps.total.cost == Decimal("150.00")
    outsider = monthly_analysis(
        access=access_for(stock.world.users["hz_supervisor"]), month=dt.date(2025, 3, 1)
    )
    assert outsider.total.quantity == 0
