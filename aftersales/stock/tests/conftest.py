"""A small stock world on top of the shared ``world``: warehouses, bins, a part, an order per branch."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.catalog.models import Part
from aftersales.conftest import World
from aftersales.stock.models import Bin, Warehouse
from aftersales.stock.services import MoveResult, stock_receive


@dataclass
class Stock:
    world: World
    hq: Warehouse
    sh: Warehouse
    hz: Warehouse
    van: Warehouse
    bins: dict[str, Bin]
    part: Part
    order: ServiceOrder
    hz_order: ServiceOrder

    def receive(
        self,
        quantity: int,
        *,
        cost: str = "100.00",
        warehouse: Warehouse | None = None,
        bin: str = "A-01-1",
        **kw,
    ) -> MoveResult:
        warehouse = warehouse or self.sh
        keeper = self.world.users["hq_admin"]
        return stock_receive(
            part_id=kw.pop("part_id", self.part.pk),
            warehouse_id=warehouse.pk,
            bin_id=self.bins[f"{warehouse.code}:{bin}"].pk,
            quantity_passed=quantity,
            unit_cost=Decimal(cost),
            access=access_for(keeper),
            by=keeper,
            **kw,
        )


def make_stock(world: World) -> Stock:
    hq = Warehouse.objects.create(
        code="HQ-W", name="总部仓", branch=world.hq, kind=Warehouse.Kind.HEAD_OFFICE
    )
    sh = Warehouse.objects.create(code="SH-W", name="上海仓", branch=world.sh, kind=Warehouse.Kind.BRANCH)
    hz = Warehouse.objects.create(code="HZ-W", name="杭州仓", branch=world.hz, kind=Warehouse.Kind.BRANCH)
    van = Warehouse.objects.create(
        code="SH-VAN",
        name="车载库",
        branch=world.sh,
        kind=Warehouse.Kind.VAN,
        technician=world.users["sh_tech"],
    )
    bins: dict[str, Bin] = {}
    for warehouse, codes in ((hq, ["A-01-1"]), (sh, ["A-01-1", "B-02-3"]), (hz, ["A-01-1"]), (van, ["VAN"])):
        for code in codes:
            zone, *rest = code.split("-")
            bins[f"{warehouse.code}:{code}"] = Bin.objects.create(
                warehouse=warehouse,
                branch=warehouse.branch,
                zone=zone,
                shelf=rest[0] if rest else "",
                level=rest[1] if len(rest) > 1 else "",
                code=code,
            )
    part = Part.objects.create(
        code="P-100", name="主轴编码器", cost=Decimal("100.00"), price=Decimal("180.00")
    )
    order = ServiceOrder.objects.create(
        number="SH-SO-2026-000001",
        branch=world.sh,
        customer=world.sh_customer,
        category="repair",
        service_type="paid",
        technician=world.users["sh_tech"],
    )
    hz_order = ServiceOrder.objects.create(
        number="HZ-SO-2026-000001",
        branch=world.hz,
        customer=world.hz_customer,
        category="repair",
        service_type="paid",
    )
    return Stock(
        world=world, hq=hq, sh=sh, hz=hz, van=van, bins=bins, part=part, order=order, hz_order=hz_order
    )


@pytest.fixture
def stock(world: World) -> Stock:
    return make_stock(world)
