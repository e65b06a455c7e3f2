from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from aftersales.access.policy import access_for
from aftersales.catalog.models import Part
from aftersales.conftest import World
from aftersales.stock.models import Bin, Warehouse
from aftersales.stock.services import stock_receive


@dataclass
class Store:
    warehouse: Warehouse
    a1: Bin
    a2: Bin
    part: Part
    other: Part


def make_bin(warehouse: Warehouse, code: str) -> Bin:
    zone, shelf, level = code.split("-")
    return Bin.objects.create(
        warehouse=warehouse, branch_id=warehouse.branch_id, zone=zone, shelf=shelf, level=level, code=code
    )


@pytest.fixture
def store(world: World) -> Store:
    """The Shanghai branch warehouse: 10 bearings in A-01-1, 4 seals in A-01-2."""
    warehouse = Warehouse.objects.create(
        code="SH-W1", name="上海仓", branch=world.sh, kind=Warehouse.Kind.BRANCH
    )
    a1, a2 = make_bin(warehouse, "A-01-1"), make_bin(warehouse, "A-01-2")
    part = Part.objects.create(code="BRG-6205", name="轴承 6205", cost=Decimal("12.50"))
    other = Part.objects.create(code="SEAL-30", name="油封 30", cost=Decimal("3.00"))
    keeper = world.users["sh_warehouse"]
    for p, b, n in ((part, a1, 10), (other, a2, 4)):
        stock_receive(
            part_id=p.pk,
            warehouse_id=warehouse.pk,
            quantity_passed=n,
            unit_cost=p.cost,
            bin_id=b.pk,
            access=access_for(keeper),
            by=keeper,
        )
    return Store(warehouse=warehouse, a1=a1, a2=a2, part=part, other=other)
