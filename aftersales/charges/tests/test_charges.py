"""S6 (quote approval at 10 % below the list) and S7 (charge rules by warranty)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.onsite import PartUse, ReportData, report_save
from aftersales.calls.services import CallData, call_register
from aftersales.calls.workflow import order_arrive, order_assign
from aftersales.catalog.models import Part, ProductModel
from aftersales.charges.models import LabourRate, Quote, TravelFee
from aftersales.charges.services import (
    charge_basis,
    quote_build,
    quote_decide,
    quote_send,
    quote_set_total,
    quote_submit,
)
from aftersales.common.errors import InvalidTransition, PermissionDenied
from aftersales.conftest import World
from aftersales.notifications.models import Notification
from aftersales.org.models import Certification

SH = ZoneInfo("Asia/Shanghai")


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def setup(world: World) -> dict[str, Any]:
    from aftersales.installed.services import UnitData, unit_create

    admin = world.users["hq_admin"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    Certification.objects.create(
        user=world.users["sh_tech"], product_line=world.line, certified_on=dt.date(2024, 1, 1)
    )
    unit = unit_create(
        data=UnitData(
            serial="SN-1",
            product_model_id=model.pk,
            customer_id=world.sh_customer.pk,
            sold_on=dt.date(2024, 3, 15),
        ),
        access=access_for(admin),
        by=admin,
    )
    LabourRate.objects.create(hourly=Decimal("200"))
    TravelFee.objects.create(zone_kind="urban", fee=Decimal("100"))
    part = Part.objects.create(code="P-100", name="电源板", cost=Decimal("1000"), price=Decimal("1500"))
    return {"unit": unit, "part": part}


def order_on(world: World, setup: dict[str, Any], day: str, damage: bool = False) -> ServiceOrder:
    agent, sup, tech = world.users["sh_agent"], world.users["sh_supervisor"], world.users["sh_tech"]
    result = call_register(
        data=CallData(
            unit_id=setup["unit"].pk,
            fault_description="不通电",
            human_damage_suspected=damage,
            received_at=t(f"{day}T09:00"),
        ),
        access=access_for(agent),
        by=agent,
    )
    assert result.order is not None
    order_assign(
        order_id=result.order.pk, technician_id=tech.pk, access=access_for(sup), by=sup, at=t(f"{day}T09:10")
    )
    order_arrive(order_id=result.order.pk, access=access_for(tech), by=tech, at=t(f"{day}T11:00"))
    report_save(
        order_id=result.order.pk,
        access=access_for(tech),
        by=tech,
        data=ReportData(
            cause="电源板烧毁",
            solution="更换电源板",
            labour_minutes=120,
            parts=[PartUse(part_id=setup["part"].pk)],
        ),
    )
    return result.order


@pytest.mark.parametrize(
    ("day", "damage", "basis", "total"),
    [
        ("2025-03-14", False, ("free", "free", "free"), Decimal("0")),  # last day in warranty
        ("2025-03-14", True, ("cost", "free", "free"), Decimal("1000")),  # parts at cost, no service fee
        ("2025-03-15", False, ("price", "price", "price"), Decimal("2000")),  # 2 h × 200 + 100 + 1500
    ],
)
def test_s7_charge_rules(
    world: World,
    setup: dict[str, Any],
    day: str,
    damage: bool,
    basis: tuple[str, str, str],
    total: Decimal,
) -> None:
    order = order_on(world, setup, day, damage)
    b = charge_basis(order)
    assert (b.parts, b.labour, b.travel) == basis
    agent = world.users["sh_agent"]
    quote = quote_build(order_id=order.pk, access=access_for(agent), by=agent)
    assert quote.total == total


def test_s6_quote_approval(world: World, setup: dict[str, Any]) -> None:
    order = order_on(world, setup, "2025-03-15")
    agent, gm = world.users["sh_agent"], world.users["hq_executive"]
    quote = quote_build(order_id=order.pk, access=access_for(agent), by=agent)
    assert quote.list_total == Decimal("2000.00")
    quote_set_total(quote_id=quote.pk, total=Decimal("1800.00"), access=access_for(agent), by=agent)
    assert (
        quote_submit(quote_id=quote.pk, access=access_for(agent), by=agent).state == Quote.State.READY
    )  # 10.0 %
    quote_set_total(
        quote_id=quote.pk, total=Decimal("1799.99"), access=access_for(agent), by=agent, reason="老客户"
    )
    pending = quote_submit(quote_id=quote.pk, access=access_for(agent), by=agent)
    assert pending.state == Quote.State.PENDING_APPROVAL  # just over 10 %
    assert Notification.objects.filter(recipient=gm, kind="quote_approval").exists()
    with pytest.raises(InvalidTransition):
        quote_send(quote_id=quote.pk, access=access_for(agent), by=agent)  # cannot be sent before approval
    with pytest.raises(PermissionDenied):
        quote_decide(
            quote_id=quote.pk,
            approve=True,
            access=access_for(world.users["sh_manager"]),
            by=world.users["sh_manager"],
        )
    approved = quote_decide(quote_id=quote.pk, approve=True, comment="同意", access=access_for(gm), by=gm)
    assert approved.state == Quote.State.READY and approved.approved_by == gm
    assert quote_send(quote_id=quote.pk, access=access_for(agent), by=agent).state == Quote.State.SENT


def test_the_technician_quotes_on_his_own_order_only(world: World, setup: dict[str, Any]) -> None:
    from aftersales.charges.services import quote_submit
    from aftersales.common.errors import NotFound

    order = order_on(world, setup, "2025-03-15")
    tech, other = world.users["sh_tech"], world.users["hz_tech"]
    quote = quote_build(order_id=order.pk, access=access_for(tech), by=tech)
    assert quote.total > 0
    quote_submit(quote_id=quote.pk, access=access_for(tech), by=tech)
    assert world.client("sh_tech").get(f"/charges/quotes/{quote.pk}/").status_code == 200
    with pytest.raises(NotFound):
        quote_build(order_id=order.pk, access=access_for(other), by=other)
    assert world.client("hz_tech").get(f"/charges/quotes/{quote.pk}/").status_code == 404
    ServiceOrder.objects.filter(pk=order.pk).update(technician=world.users["sh_supervisor"])
    with pytest.raises(NotFound):  # no longer his order
        quote_build(order_id=order.pk, access=access_for(tech), by=tech)
    assert world.client("sh_tech").get(f"/charges/quotes/{quote.pk}/").status_code == 404
