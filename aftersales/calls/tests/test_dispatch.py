"""Dispatch: only certified technicians of the branch; reassign with a reason; appointments (S15);
arrival stops the arrival clock."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.services import CallData, call_register
from aftersales.calls.workflow import order_arrive, order_assign, order_book_appointment, order_start_travel
from aftersales.catalog.models import ProductModel
from aftersales.common.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from aftersales.conftest import World, make_person
from aftersales.notifications.models import Notification
from aftersales.org.models import Certification
from aftersales.org.roles import Role
from aftersales.sla.models import Clock, ClockState

SH = ZoneInfo("Asia/Shanghai")


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def order(world: World) -> ServiceOrder:
    from aftersales.installed.services import UnitData, unit_create

    admin = world.users["hq_admin"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
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
    agent = world.users["sh_agent"]
    result = call_register(
        data=CallData(unit_id=unit.pk, fault_description="主轴不转", received_at=t("2025-03-03T09:00")),
        access=access_for(agent),
        by=agent,
    )
    assert result.order is not None
    Certification.objects.create(
        user=world.users["sh_tech"], product_line=world.line, certified_on=dt.date(2024, 1, 1)
    )
    return result.order


def assign(world: World, order: ServiceOrder, who: str, by: str = "sh_supervisor", **kw: Any) -> ServiceOrder:
    supervisor = world.users[by]
    return order_assign(
        order_id=order.pk,
        technician_id=world.users[who].pk,
        access=access_for(supervisor),
        by=supervisor,
        **kw,
    )


def test_assign_a_certified_technician_notifies_and_owns_the_clocks(
    world: World, order: ServiceOrder
) -> None:
    assigned = assign(world, order, "sh_tech", at=t("2025-03-03T09:30"))
    assert assigned.state == ServiceOrder.State.ASSIGNED and assigned.technician == world.users["sh_tech"]
    assert Notification.objects.filter(recipient=world.users["sh_tech"], kind="order_assigned").count() == 1
    assert set(Clock.objects.filter(subject_id=order.pk).values_list("responsible_id", flat=True)) == {
        world.users["sh_tech"].pk
    }


def test_uncertified_or_other_branch_technician_cannot_be_assigned(world: World, order: ServiceOrder) -> None:
    make_person("sh_tech2", Role.TECHNICIAN, world.sh, world.users["hq_admin"])
    world.users["sh_tech2"] = type(world.users["sh_tech"]).objects.get(username="sh_tech2")
    with pytest.raises(InvalidInput) as exc:
        assign(world, order, "sh_tech2")
    assert (
        "certified" in exc.value.fields["technician_id"][0] or "资质" in exc.value.fields["technician_id"][0]
    )
    with pytest.raises(InvalidInput):
        assign(world, order, "hz_tech")  # not of the Shanghai branch
    # an expired certificate does not count
    Certification.objects.filter(user=world.users["sh_tech"]).update(expires_on=dt.date(2024, 12, 31))
    with pytest.raises(InvalidInput):
        assign(world, order, "sh_tech", at=t("2025-03-03T09:30"))
    order.refresh_from_db()
    assert order.state == ServiceOrder.State.OPEN and order.technician is None


def test_reassign_needs_a_reason_and_other_branches_see_nothing(world: World, order: ServiceOrder) -> None:
    assign(world, order, "sh_tech")
    other = make_person("sh_tech3", Role.TECHNICIAN, world.sh, world.users["hq_admin"])
    Certification.objects.create(user=other, product_line=world.line, certified_on=dt.date(2024, 1, 1))
    world.users["sh_tech3"] = other
    with pytest.raises(InvalidTransition):
        assign(world, order, "sh_tech3")
    assert assign(world, order, "sh_tech3", reason="张伟 held up at another site").technician == other
    with pytest.raises(NotFound):
        assign(world, order, "sh_tech", by="hz_supervisor")
    with pytest.raises(NotFound):
        assign(world, order, "sh_tech", by="sh_agent")  # agents do not dispatch


def test_s15_customer_appointment_and_arrival(world: World, order: ServiceOrder) -> None:
    assign(world, order, "sh_tech", at=t("2025-03-03T09:30"))
    supervisor = world.users["sh_supervisor"]
    order_book_appointment(
        order_id=order.pk,
        start=t("2025-03-04T14:00"),
        end=t("2025-03-04T16:00"),
        access=access_for(supervisor),
        by=supervisor,
        customer_choice=True,
        at=t("2025-03-03T10:00"),
    )
    clocks = {c.code: c for c in Clock.objects.filter(subject_id=order.pk, subject_type="calls.serviceorder")}
    assert clocks["arrival_urban"].state == ClockState.CANCELLED
    assert clocks["arrival_appointment"].due_at == t("2025-03-04T16:00")
    assert clocks["arrival_appointment"].responsible == world.users["sh_tech"]
    tech = world.users["sh_tech"]
    with pytest.raises(PermissionDenied):
        order_start_travel(
            order_id=order.pk, access=access_for(supervisor), by=supervisor, at=t("2025-03-04T14:50")
        )
    order_start_travel(order_id=order.pk, access=access_for(tech), by=tech, at=t("2025-03-04T14:50"))
    arrived = order_arrive(order_id=order.pk, access=access_for(tech), by=tech, at=t("2025-03-04T15:30"))
    assert arrived.state == ServiceOrder.State.ON_SITE and arrived.arrived_at == t("2025-03-04T15:30")
    clock = Clock.objects.get(subject_id=order.pk, code="arrival_appointment")
    assert clock.state == ClockState.MET  # on time, and not counted late against the 6-hour limit


def test_late_arrival_is_breached(world: World, order: ServiceOrder) -> None:
    assign(world, order, "sh_tech", at=t("2025-03-03T09:30"))
    tech = world.users["sh_tech"]
    order_arrive(order_id=order.pk, access=access_for(tech), by=tech, at=t("2025-03-03T16:10"))
    assert Clock.objects.get(subject_id=order.pk, code="arrival_urban").state == ClockState.BREACHED
    assert Clock.objects.get(subject_id=order.pk, code="resolution").state == ClockState.RUNNING


def test_appointment_agreed_by_us_keeps_the_limit(world: World, order: ServiceOrder) -> None:
    assign(world, order, "sh_tech", at=t("2025-03-03T09:30"))
    supervisor = world.users["sh_supervisor"]
    order_book_appointment(
        order_id=order.pk,
        start=t("2025-03-04T09:00"),
        end=t("2025-03-04T10:00"),
        access=access_for(supervisor),
        by=supervisor,
        customer_choice=False,
        at=t("2025-03-03T10:00"),
    )
    states = dict(
        Clock.objects.filter(subject_id=order.pk, subject_type="calls.serviceorder").values_list(
            "code", "state"
        )
    )
    assert (
        states["arrival_urban"] == ClockState.RUNNING and states["arrival_appointment"] == ClockState.RUNNING
    )
    tech = world.users["sh_tech"]
    order_arrive(order_id=order.pk, access=access_for(tech), by=tech, at=t("2025-03-04T09:45"))
    states = dict(
        Clock.objects.filter(subject_id=order.pk, subject_type="calls.serviceorder").values_list(
            "code", "state"
        )
    )
    assert states["arrival_appointment"] == ClockState.MET
    assert states["arrival_urban"] == ClockState.BREACHED  # our own late slot is late against the limit


def test_technician_sees_the_unit_of_an_assigned_order_only(world: World, order: ServiceOrder) -> None:
    from aftersales.installed.selectors import units_visible

    tech = world.users["sh_tech"]
    assert not units_visible(access=access_for(tech)).exists()
    assign(world, order, "sh_tech")
    assert list(units_visible(access=access_for(tech))) == [order.unit]
    page = world.client("sh_tech").get(f"/installed/units/{order.unit_id}/")
    assert page.status_code == 200
    assert world.client("hz_tech").get(f"/installed/units/{order.unit_id}/").status_code == 404
