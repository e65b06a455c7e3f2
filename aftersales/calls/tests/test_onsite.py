"""On site to closing: the report must be complete and signed, money settled; S10 through the flow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.calls.models import ServiceOrder
from aftersales.calls.onsite import (
    PartUse,
    ReportData,
    extra_work_authorise,
    order_close,
    order_complete,
    order_not_fixed,
    order_settle,
    report_save,
    report_sign,
)
from aftersales.calls.services import CallData, call_register
from aftersales.calls.workflow import order_arrive, order_assign
from aftersales.catalog.models import FaultCategory, Part, ProductModel
from aftersales.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from aftersales.conftest import World
from aftersales.installed.models import Unit
from aftersales.installed.services import UnitData, unit_create
from aftersales.org.models import Certification
from aftersales.sla.models import Clock, ClockState

SH = ZoneInfo("Asia/Shanghai")
SIGNATURE = "M10 10 L20 20 L30 10 L40 25 L55 12"


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def unit(world: World) -> Unit:
    admin = world.users["hq_admin"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    Certification.objects.create(
        user=world.users["sh_tech"], product_line=world.line, certified_on=dt.date(2024, 1, 1)
    )
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
def part(db: None) -> Part:
    return Part.objects.create(code="P-100", name="主轴编码器", cost=Decimal("800"), price=Decimal("1200"))


@pytest.fixture
def no_power(db: None) -> FaultCategory:
    return FaultCategory.objects.create(code="no_power", name="不通电")


def on_site(world: World, unit: Unit, at: str, fault: FaultCategory | None = None) -> ServiceOrder:
    agent, supervisor, tech = world.users["sh_agent"], world.users["sh_supervisor"], world.users["sh_tech"]
    result = call_register(
        data=CallData(
            unit_id=unit.pk,
            fault_description="不通电",
            fault_category_id=fault.pk if fault else None,
            received_at=t(at),
        ),
        access=access_for(agent),
        by=agent,
    )
    assert result.order is not None and not result.linked
    order_assign(
        order_id=result.order.pk,
        technician_id=tech.pk,
        access=access_for(supervisor),
        by=supervisor,
        at=t(at),
    )
    return order_arrive(
        order_id=result.order.pk, access=access_for(tech), by=tech, at=t(at) + dt.timedelta(hours=2)
    )


def finish(world: World, order: ServiceOrder, part: Part, at: dt.datetime) -> ServiceOrder:
    tech = world.users["sh_tech"]
    access = access_for(tech)
    report_save(
        order_id=order.pk,
        access=access,
        by=tech,
        data=ReportData(
            cause="电源板烧毁",
            solution="更换电源板",
            labour_minutes=90,
            parts=[PartUse(part_id=part.pk, quantity=1)],
        ),
    )
    report_sign(
        order_id=order.pk,
        signed_by="李经理",
        signature=SIGNATURE,
        opinion="satisfied",
        access=access,
        by=tech,
    )
    return order_complete(order_id=order.pk, access=access, by=tech, at=at)


def test_full_flow_to_closing(world: World, unit: Unit, part: Part) -> None:
    order = on_site(world, unit, "2025-03-03T09:00")
    tech = world.users["sh_tech"]
    with pytest.raises(InvalidTransition) as exc:
        order_complete(order_id=order.pk, access=access_for(tech), by=tech)
    assert "fault cause" in exc.value.message or "故障原因" in exc.value.message
    done = finish(world, order, part, t("2025-03-03T15:00"))
    assert done.state == ServiceOrder.State.COMPLETED
    assert Clock.objects.get(subject_id=order.pk, code="resolution").state == ClockState.MET
    assert Event.objects.filter(subject_type="installed.unit", subject_id=unit.pk, kind="serviced").exists()
    supervisor = world.users["sh_supervisor"]
    with pytest.raises(InvalidTransition):  # money not settled
        order_close(order_id=order.pk, access=access_for(supervisor), by=supervisor)
    order_settle(order_id=order.pk, settlement="none_due", access=access_for(supervisor), by=supervisor)
    closed = order_close(
        order_id=order.pk, access=access_for(supervisor), by=supervisor, at=t("2025-03-03T17:00")
    )
    assert closed.state == ServiceOrder.State.CLOSED
    assert Clock.objects.get(subject_id=order.pk, code="follow_up").state == ClockState.RUNNING


def test_report_rules(world: World, unit: Unit, part: Part) -> None:
    order = on_site(world, unit, "2025-03-03T09:00")
    tech = world.users["sh_tech"]
    access = access_for(tech)
    with pytest.raises(InvalidInput) as exc:
        report_save(
            order_id=order.pk,
            access=access,
            by=tech,
            data=ReportData(cause="x", solution="y", no_parts_used=True, parts=[PartUse(part_id=part.pk)]),
        )
    assert "parts" in exc.value.fields
    report_save(
        order_id=order.pk,
        access=access,
        by=tech,
        data=ReportData(cause="x", solution="y", no_parts_used=True, extra_work="顺便更换冷却泵"),
    )
    with pytest.raises(InvalidInput) as exc:  # extra work not authorised
        report_sign(
            order_id=order.pk,
            signed_by="李",
            signature=SIGNATURE,
            opinion="satisfied",
            access=access,
            by=tech,
        )
    assert "extra_work" in exc.value.fields
    extra_work_authorise(order_id=order.pk, access=access, by=tech)
    report_sign(
        order_id=order.pk, signed_by="李", signature=SIGNATURE, opinion="fair", access=access, by=tech
    )
    with pytest.raises(InvalidInput):  # signed reports are final
        report_save(
            order_id=order.pk,
            access=access,
            by=tech,
            data=ReportData(cause="changed", solution="y", no_parts_used=True),
        )
    # another technician cannot write on it
    with pytest.raises(PermissionDenied):
        report_save(
            order_id=order.pk,
            access=access_for(world.users["sh_agent"]),
            by=world.users["sh_agent"],
            data=ReportData(cause="x", solution="y", no_parts_used=True),
        )


def test_waiver_needs_the_manager(world: World, unit: Unit, part: Part) -> None:
    order = finish(world, on_site(world, unit, "2025-03-03T09:00"), part, t("2025-03-03T15:00"))
    supervisor, manager = world.users["sh_supervisor"], world.users["sh_manager"]
    with pytest.raises(PermissionDenied):
        order_settle(
            order_id=order.pk,
            settlement="waived",
            reason="goodwill",
            access=access_for(supervisor),
            by=supervisor,
        )
    with pytest.raises(InvalidInput):
        order_settle(order_id=order.pk, settlement="waived", access=access_for(manager), by=manager)
    order_settle(
        order_id=order.pk, settlement="waived", reason="老客户，免收", access=access_for(manager), by=manager
    )
    assert Event.objects.filter(kind="approved", subject_id=order.pk, reason="老客户，免收").exists()


def test_not_fixed_take_back(world: World, unit: Unit) -> None:
    order = on_site(world, unit, "2025-03-03T09:00")
    tech = world.users["sh_tech"]
    with pytest.raises(InvalidTransition):
        order_not_fixed(
            order_id=order.pk, next_step="take_back", reason=" ", access=access_for(tech), by=tech
        )
    moved = order_not_fixed(
        order_id=order.pk, next_step="take_back", reason="需返厂检测主板", access=access_for(tech), by=tech
    )
    assert moved.state == ServiceOrder.State.TAKE_BACK


@pytest.mark.parametrize(("day", "repeat"), [("2025-06-20", True), ("2025-07-05", False)])
def test_s10_through_the_real_flow(
    world: World, unit: Unit, part: Part, no_power: FaultCategory, day: str, repeat: bool
) -> None:
    first = on_site(world, unit, "2025-04-01T09:00", fault=no_power)
    finish(world, first, part, t("2025-04-01T15:00"))
    supervisor = world.users["sh_supervisor"]
    order_settle(order_id=first.pk, settlement="none_due", access=access_for(supervisor), by=supervisor)
    order_close(order_id=first.pk, access=access_for(supervisor), by=supervisor)
    agent = world.users["sh_agent"]
    again = call_register(
        data=CallData(
            unit_id=unit.pk,
            fault_category_id=no_power.pk,
            fault_description="又不通电",
            received_at=t(f"{day}T09:00"),
        ),
        access=access_for(agent),
        by=agent,
    )
    assert again.call.is_repeat is repeat
    assert again.order is not None and (again.order.repeat_of_id == first.pk) is repeat
