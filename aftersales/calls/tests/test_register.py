"""Call registration: S10 (repeat repair), S11 (duplicate call), warranty and service type, clocks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceCall, ServiceOrder
from aftersales.calls.services import CallData, call_register
from aftersales.catalog.models import FaultCategory, ProductModel
from aftersales.common.errors import InvalidInput
from aftersales.conftest import World
from aftersales.installed.models import Unit
from aftersales.installed.services import UnitData, unit_create
from aftersales.sla.models import Clock

SH = ZoneInfo("Asia/Shanghai")


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def unit(world: World) -> Unit:
    admin = world.users["hq_admin"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    return unit_create(
        data=UnitData(
            serial="SN-1",
            product_model_id=model.pk,
            customer_id=world.sh_customer.pk,
            sold_on=dt.date(2024, 3, 15),
        ),
        access=access_for(admin),
        by=admin,
    )


@pytest.fixture
def no_power(db: None) -> FaultCategory:
    return FaultCategory.objects.create(code="no_power", name="不通电")


def register(world: World, who: str = "sh_agent", **kw: object) -> object:
    user = world.users[who]
    return call_register(data=CallData(**kw), access=access_for(user), by=user)  # type: ignore[arg-type]


def test_repair_call_opens_an_order_with_clocks(world: World, unit: Unit) -> None:
    result = register(world, unit_id=unit.pk, fault_description="主轴不转", received_at=t("2025-03-03T09:00"))
    call, order = result.call, result.order  # type: ignore[attr-defined]
    assert call.state == ServiceCall.State.ORDERED and order is not None
    assert call.customer_id == world.sh_customer.pk  # filled from the unit
    assert call.phone == world.sh_customer.phone
    assert (
        call.warranty_state == "in"
        and call.service_type == "free"
        and call.warranty_until == dt.date(2025, 3, 14)
    )
    clocks = {c.code: c for c in Clock.objects.filter(subject_type="calls.serviceorder", subject_id=order.pk)}
    assert set(clocks) == {"arrival_urban", "resolution"}
    assert clocks["arrival_urban"].due_at == t("2025-03-03T16:00")
    assert not Clock.objects.filter(subject_type="calls.servicecall").exists()  # answered on the phone


def test_s7_out_of_warranty_next_day_is_paid(world: World, unit: Unit) -> None:
    result = register(world, unit_id=unit.pk, fault_description="x", received_at=t("2025-03-15T09:00"))
    assert (result.call.warranty_state, result.call.service_type) == ("out", "paid")  # type: ignore[attr-defined]
    damaged = register(
        world,
        unit_id=unit.pk,
        fault_description="摔坏",
        human_damage_suspected=True,
        category="consultation",
        received_at=t("2025-03-14T09:00"),
    )
    assert damaged.call.warranty_state == "damage"  # type: ignore[attr-defined]


def test_s11_second_call_is_linked_to_the_open_order(world: World, unit: Unit) -> None:
    first = register(world, unit_id=unit.pk, fault_description="主轴不转", received_at=t("2025-03-03T09:00"))
    second = register(
        world, unit_id=unit.pk, fault_description="还是不转，催修", received_at=t("2025-03-03T11:00")
    )
    assert second.linked is True  # type: ignore[attr-defined]
    assert second.order == first.order  # type: ignore[attr-defined]
    assert second.order_number == first.order.number  # type: ignore[attr-defined]
    assert second.call.state == ServiceCall.State.LINKED  # type: ignore[attr-defined]
    assert ServiceOrder.objects.count() == 1
    assert Clock.objects.filter(code="arrival_urban").count() == 1  # the clock is not restarted


def test_written_channel_starts_the_reply_clock(world: World) -> None:
    result = register(
        world,
        customer_id=world.sh_customer.pk,
        channel="email",
        category="consultation",
        fault_description="询问保养价格",
        received_at=t("2025-03-03T09:00"),
    )
    clock = Clock.objects.get(subject_type="calls.servicecall", subject_id=result.call.pk)  # type: ignore[attr-defined]
    assert clock.code == "reply" and clock.due_at == t("2025-03-04T09:00")
    assert result.order is None  # type: ignore[attr-defined]


def test_suburban_customer_gets_the_7_hour_clock(world: World) -> None:
    result = register(
        world,
        "hz_agent",
        customer_id=world.hz_customer.pk,
        fault_description="漏油",
        received_at=t("2025-09-30T15:00"),
    )
    clock = Clock.objects.get(subject_type="calls.serviceorder", code="arrival_suburban")
    assert clock.due_at == t("2025-10-09T14:00")  # S1 suburban through registration
    assert result.call.service_type == "paid"  # type: ignore[attr-defined]  # no unit: paid until known


def test_resolved_by_phone(world: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        register(world, customer_id=world.sh_customer.pk, fault_description="报警E21", resolved_remotely=True)
    assert "resolution_note" in exc.value.fields
    result = register(
        world,
        customer_id=world.sh_customer.pk,
        fault_description="报警E21",
        resolved_remotely=True,
        resolution_note="指导客户复位急停按钮",
    )
    assert result.call.state == ServiceCall.State.RESOLVED and result.order is None  # type: ignore[attr-defined]


def test_service_type_override_needs_a_reason_and_nothing_is_saved(world: World, unit: Unit) -> None:
    with pytest.raises(InvalidInput) as exc:
        register(
            world,
            unit_id=unit.pk,
            fault_description="x",
            service_type="paid",
            received_at=t("2025-03-03T09:00"),
        )
    assert "service_type_reason" in exc.value.fields
    assert not ServiceCall.objects.exists() and not ServiceOrder.objects.exists()
    ok = register(
        world,
        unit_id=unit.pk,
        fault_description="x",
        service_type="paid",
        service_type_reason="客户自行改装",
        received_at=t("2025-03-03T09:00"),
    )
    assert ok.call.service_type == "paid"  # type: ignore[attr-defined]


def test_other_branch_cannot_register_and_bad_choices_are_named(world: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        register(world, "hz_agent", customer_id=world.sh_customer.pk, fault_description="x")
    assert "customer_id" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        register(world, customer_id=world.sh_customer.pk, fault_description="x", channel="pigeon")
    assert "phone" in exc.value.fields["channel"][0]


def test_technician_registers_a_fault_found_on_site_in_own_branch(world: World, unit: Unit) -> None:
    result = register(
        world,
        "sh_tech",
        unit_id=unit.pk,
        channel="technician",
        fault_description="巡检发现漏油",
        received_at=t("2025-03-03T09:00"),
    )
    assert result.call.channel == "technician" and result.order is not None  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput):
        register(world, "hz_tech", unit_id=unit.pk, channel="technician", fault_description="x")
