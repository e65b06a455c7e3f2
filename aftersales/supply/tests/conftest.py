"""A supply world: the shared ``world`` plus warehouses with bins, parts in stock and finished goods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.catalog.models import Part
from aftersales.conftest import World
from aftersales.stock.models import Bin, Warehouse
from aftersales.stock.services import stock_receive
from aftersales.supply.models import PartsRequest
from aftersales.supply.services import LineData, RequestData, request_apply, request_approve, request_confirm


@dataclass
class Supply:
    world: World
    sh: Warehouse
    fg: Warehouse
    part: Part
    part2: Part

    def u(self, name: str):  # type: ignore[no-untyped-def]
        return self.world.users[name]

    def apply(self, who: str = "sh_agent", quantity: int = 2, **kw: object) -> PartsRequest:
        user = self.u(who)
        data = RequestData(
            customer_id=kw.pop("customer_id", self.world.sh_customer.pk),  # type: ignore[arg-type]
            lines=[LineData(part_id=self.part.pk, quantity=quantity)],
            description="面板裂了",
        )
        return request_apply(data=data, access=access_for(user), by=user)

    def confirm(
        self, req: PartsRequest, cause: str = "material", days: int = 10, **kw: object
    ) -> PartsRequest:
        user = self.u("sh_agent")
        return request_confirm(
            request_id=req.pk,
            promised_on=timezone.localdate() + dt.timedelta(days=days),
            confirmed_with="李经理",
            cause=cause,
            access=access_for(user),
            by=user,
            **kw,  # type: ignore[arg-type]
        )

    def approved(self, who: str = "sh_agent") -> PartsRequest:
        req = self.confirm(self.apply(who))
        for name in ("sh_supervisor", "hq_quality_manager"):
            req = request_approve(request_id=req.pk, access=access_for(self.u(name)), by=self.u(name))
        return req


def make_supply(world: World) -> Supply:
    sh = Warehouse.objects.create(code="SH-W", name="上海仓", branch=world.sh, kind=Warehouse.Kind.BRANCH)
    fg = Warehouse.objects.create(
        code="SH-FG", name="成品仓", branch=world.sh, kind=Warehouse.Kind.FINISHED_GOODS
    )
    for w in (sh, fg):
        Bin.objects.create(warehouse=w, branch=world.sh, zone="A", shelf="01", level="1", code="A-01-1")
    part = Part.objects.create(code="P-100", name="控制面板", cost=Decimal("100.00"), price=Decimal("180.00"))
    part2 = Part.objects.create(code="P-200", name="电机", cost=Decimal("300.00"), price=Decimal("500.00"))
    admin = world.users["hq_admin"]
    for w in (sh, fg):
        stock_receive(
            part_id=part.pk,
            warehouse_id=w.pk,
            quantity_passed=10,
            unit_cost=Decimal("100.00"),
            access=access_for(admin),
            by=admin,
        )
    return Supply(world=world, sh=sh, fg=fg, part=part, part2=part2)


@pytest.fixture
def supply(world: World) -> Supply:
    return make_supply(world)
