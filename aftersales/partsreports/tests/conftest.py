"""Stock for the parts reports: the stock app's small world, plus a common part and an order helper."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.catalog.models import Part
from aftersales.conftest import World
from aftersales.stock.services import MoveResult, stock_issue, stock_return
from aftersales.stock.tests.conftest import Stock, make_stock

BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=BEIJING)


def issue(
    stock: Stock, quantity: int, *, day: str, order: ServiceOrder | None = None, part: Part | None = None
) -> MoveResult:
    keeper = stock.world.users["hq_admin"]
    with time_machine.travel(at(day), tick=False):
        return stock_issue(
            part_id=(part or stock.part).pk,
            warehouse_id=stock.sh.pk,
            quantity=quantity,
            order_id=(order or stock.order).pk,
            access=access_for(keeper),
            by=keeper,
        )


def give_back(stock: Stock, quantity: int, *, day: str, order: ServiceOrder, part: Part) -> MoveResult:
    keeper = stock.world.users["hq_admin"]
    with time_machine.travel(at(day), tick=False):
        return stock_return(
            part_id=part.pk,
            warehouse_id=stock.sh.pk,
            quantity=quantity,
            order_id=order.pk,
            bin_id=stock.bins["SH-W:A-01-1"].pk,
            access=access_for(keeper),
            by=keeper,
        )


def receive(
    stock: Stock, quantity: int, *, day: str, cost: str = "100.00", part: Part | None = None
) -> MoveResult:
    return stock.receive(quantity, cost=cost, part_id=(part or stock.part).pk, received_at=at(day))


@pytest.fixture
def stock(world: World) -> Stock:
    return make_stock(world)


@pytest.fixture
def common(stock: Stock) -> Part:
    return Part.objects.create(
        code="P-200", name="伺服驱动器", cost=Decimal("50"), is_common=True, reorder_point=5
    )
