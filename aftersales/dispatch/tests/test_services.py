"""Dispatch plans: computed, checked, accepted through order_assign; certification; locks; one at a time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.calls.models import ServiceOrder
from aftersales.calls.workflow import order_arrive, order_assign
from aftersales.catalog.models import ProductLine
from aftersales.common.errors import InvalidInput, NotFound
from aftersales.conftest import World
from aftersales.dispatch.models import DispatchPlan
from aftersales.dispatch.selectors import plan_progress
from aftersales.dispatch.services import plan_accept, plan_compute, plan_edit, plan_propose, plan_reject
from aftersales.dispatch.tests.helpers import make_day, tomorrow
from aftersales.notifications.models import Notification

PS = DispatchPlan.State
SH = ZoneInfo("Asia/Shanghai")


def propose(world: World, capture, day: dt.date | None = None, who: str = "sh_supervisor") -> DispatchPlan:  # type: ignore[no-untyped-def]
    user = world.users[who]
    with capture(execute=True):
        plan = plan_propose(
            branch_id=world.sh.pk, day=day or tomorrow(), time_limit=1, access=access_for(user), by=user
        )
    plan.refresh_from_db()
    return plan


def routes(plan: DispatchPlan) -> dict[int, list[int]]:
    return {r["technician"]: [v["order"] for v in r["visits"]] for r in plan.proposal["routes"]}


def test_a_plan_is_computed_checked_and_accepted_through_order_assign(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    orders = make_day(world, orders=4)
    plan = propose(world, django_capture_on_commit_callbacks)
    assert plan.state == PS.READY and plan.progress == 100, plan.message
    assert plan.jobs_planned + plan.jobs_unassigned == 4 and plan.jobs_planned >= 3
    assert plan.travel_km > 0
    proposed = {o: t for t, os in routes(plan).items() for o in os}
    supervisor = world.users["sh_supervisor"]
    result = plan_accept(plan_id=plan.pk, access=access_for(supervisor), by=supervisor)
    plan.refresh_from_db()
    assert plan.state == PS.ACCEPTED and sorted(result.assigned) == sorted(proposed)
    for order in orders:
        order.refresh_from_db()
        if order.pk in proposed:
            assert order.state == ServiceOrder.State.ASSIGNED and order.technician_id == proposed[order.pk]
    assert Event.objects.filter(kind="assigned", subject_type="calls.serviceorder").count() == len(proposed)
    assert Notification.objects.filter(kind="order_assigned").count() == len(proposed)
    assert set(Event.objects.filter(subject_type="dispatch.dispatchplan").values_list("kind", flat=True)) >= {
        "plan_proposed",
        "plan_ready",
        "plan_accepted",
    }


def test_an_uncertified_technician_is_never_proposed_and_an_edit_to_him_is_refused(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    other = ProductLine.objects.create(code="chiller", name="冷水机")
    orders = make_day(world, orders=3)
    chiller = make_day(world, orders=1, line=other)[0]
    plan = propose(world, django_capture_on_commit_callbacks)
    assert plan.state == PS.READY, plan.message
    rookie = world.users["sh_rookie"].pk
    assert routes(plan)[rookie] == []
    assert [u["order"] for u in plan.proposal["unassigned"]] == [chiller.pk]
    assert plan.proposal["unassigned"][0]["reason"] == "no_qualified_technician"
    supervisor = world.users["sh_supervisor"]
    with pytest.raises(InvalidInput) as exc:
        plan_edit(
            plan_id=plan.pk,
            order_id=orders[0].pk,
            technician_id=rookie,
            access=access_for(supervisor),
            by=supervisor,
        )
    assert "technician_id" in exc.value.fields


def test_edit_moves_and_drops_then_accept_per_technician(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    orders = make_day(world, orders=3)
    plan = propose(world, django_capture_on_commit_callbacks)
    supervisor = world.users["sh_supervisor"]
    access = access_for(supervisor)
    tech, tech2 = world.users["sh_tech"].pk, world.users["sh_tech2"].pk
    for order in orders:
        plan = plan_edit(
            plan_id=plan.pk, order_id=order.pk, technician_id=tech2, access=access, by=supervisor
        )
    assert sorted(routes(plan)[tech2]) == sorted(o.pk for o in orders) and routes(plan)[tech] == []
    plan = plan_edit(plan_id=plan.pk, order_id=orders[0].pk, technician_id=None, access=access, by=supervisor)
    assert [u["reason"] for u in plan.proposal["unassigned"]] == ["dropped"]
    result = plan_accept(plan_id=plan.pk, technician_ids=[tech2], access=access, by=supervisor)
    assert sorted(result.assigned) == sorted(o.pk for o in orders[1:])
    plan.refresh_from_db()
    assert plan.state == PS.ACCEPTED  # sh_tech had nothing left to accept
    orders[0].refresh_from_db()
    assert orders[0].state == ServiceOrder.State.OPEN


def test_a_refused_order_is_reported_and_the_rest_still_go(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    orders = make_day(world, orders=2)
    plan = propose(world, django_capture_on_commit_callbacks)
    ServiceOrder.objects.filter(pk=orders[0].pk).update(state=ServiceOrder.State.CANCELLED)
    supervisor = world.users["sh_supervisor"]
    result = plan_accept(plan_id=plan.pk, access=access_for(supervisor), by=supervisor)
    assert list(result.refused) == [orders[0].pk] and result.assigned == [orders[1].pk]


def test_a_started_job_stays_first_on_its_technician(
    world: World, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    orders = make_day(world, orders=3)
    day = tomorrow()
    now = dt.datetime.combine(day, dt.time(10, 0), tzinfo=SH)
    supervisor, tech = world.users["sh_supervisor"], world.users["sh_tech2"]
    order_assign(order_id=orders[0].pk, technician_id=tech.pk, access=access_for(supervisor), by=supervisor)
    order_arrive(order_id=orders[0].pk, access=access_for(tech), by=tech, at=now - dt.timedelta(minutes=20))
    with django_capture_on_commit_callbacks(execute=False):
        plan = plan_propose(
            branch_id=world.sh.pk,
            day=day,
            time_limit=1,
            access=access_for(supervisor),
            by=supervisor,
            now=now,
        )
    plan = plan_compute(plan_id=plan.pk, now=now)
    assert plan.state == PS.READY, plan.message
    assert routes(plan)[tech.pk][0] == orders[0].pk
    first = plan.proposal["routes"][[r["technician"] for r in plan.proposal["routes"]].index(tech.pk)][
        "visits"
    ][0]
    assert first["locked"] and first["start"] == pytest.approx(9 * 60 + 40)
    with pytest.raises(InvalidInput):
        plan_edit(
            plan_id=plan.pk,
            order_id=orders[0].pk,
            technician_id=world.users["sh_tech"].pk,
            access=access_for(supervisor),
            by=supervisor,
        )


def test_one_running_plan_per_branch_and_day(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    make_day(world, orders=1)
    supervisor = world.users["sh_supervisor"]
    with django_capture_on_commit_callbacks(execute=False):
        plan_propose(
            branch_id=world.sh.pk, day=tomorrow(), time_limit=1, access=access_for(supervisor), by=supervisor
        )
    with pytest.raises(InvalidInput) as exc:
        plan_propose(
            branch_id=world.sh.pk, day=tomorrow(), time_limit=1, access=access_for(supervisor), by=supervisor
        )
    assert exc.value.code == "plan_running"
    with pytest.raises(IntegrityError):
        DispatchPlan.objects.create(branch=world.sh, day=tomorrow(), state=PS.RUNNING, created_by=supervisor)


def test_validation_outsiders_and_reject(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    make_day(world, orders=1)
    supervisor = world.users["sh_supervisor"]
    with pytest.raises(InvalidInput) as exc:
        plan_propose(
            branch_id=world.sh.pk,
            day=tomorrow() - dt.timedelta(days=3),
            time_limit=99,
            access=access_for(supervisor),
            by=supervisor,
        )
    assert set(exc.value.fields) == {"day", "time_limit"}
    hz = world.users["hz_supervisor"]
    with pytest.raises(NotFound):
        plan_propose(branch_id=world.sh.pk, day=tomorrow(), access=access_for(hz), by=hz)
    plan = propose(world, django_capture_on_commit_callbacks)
    with pytest.raises(NotFound):
        plan_accept(plan_id=plan.pk, access=access_for(hz), by=hz)
    plan = plan_reject(plan_id=plan.pk, reason="客户改期", access=access_for(supervisor), by=supervisor)
    assert plan.state == PS.REJECTED
    with pytest.raises(InvalidInput):
        plan_accept(plan_id=plan.pk, access=access_for(supervisor), by=supervisor)


def test_progress_moves_with_the_clock_while_the_search_runs(world: World) -> None:
    """The search runs to its time limit; the bar goes from 30 to 89 % over that limit."""
    started = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)
    plan = DispatchPlan(
        branch=world.sh,
        day=tomorrow(),
        state=PS.RUNNING,
        progress=30,
        time_limit=10,
        started_at=started,
        created_by=world.users["sh_supervisor"],
    )
    at = [plan_progress(plan, now=started + dt.timedelta(seconds=s)) for s in (0, 5, 10, 30)]
    assert at == [30, 60, 89, 89]
    plan.progress = 90  # checking
    assert plan_progress(plan, now=started + dt.timedelta(seconds=5)) == 90
    plan.state, plan.progress = PS.READY, 100
    assert plan_progress(plan, now=started) == 100


def test_the_board_proposes_today_while_it_has_hours_left_else_the_next_working_day(world: World) -> None:
    from aftersales.dispatch.problem import default_plan_day

    monday = dt.date(2026, 3, 2)
    assert default_plan_day(world.sh, now=dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)) == monday
    assert default_plan_day(world.sh, now=dt.datetime(2026, 3, 2, 7, 0, tzinfo=SH)) == monday
    assert default_plan_day(world.sh, now=dt.datetime(2026, 3, 2, 20, 0, tzinfo=SH)) == monday + dt.timedelta(
        1
    )
    saturday = dt.datetime(2026, 3, 7, 10, 0, tzinfo=SH)
    assert default_plan_day(world.sh, now=saturday) == dt.date(2026, 3, 9)


def test_a_technician_with_a_start_place_sets_out_from_home_and_comes_back_there(world: World) -> None:
    from decimal import Decimal

    from aftersales.dispatch.drawing import places
    from aftersales.dispatch.problem import day_problem
    from aftersales.routing.solver import solve

    make_day(world, orders=3)
    tech2 = world.users["sh_tech2"]
    tech2.start_latitude, tech2.start_longitude = Decimal("31.043"), Decimal("121.231")  # Songjiang
    tech2.save(update_fields=["start_latitude", "start_longitude"])
    built = day_problem(branch=world.sh, day=tomorrow())
    starts = {t.id: t.start for t in built.problem.technicians}
    assert (starts[str(tech2.pk)].y, starts[str(tech2.pk)].x) == (31.043, 121.231)
    assert (starts[str(world.users["sh_tech"].pk)].y, starts[str(world.users["sh_tech"].pk)].x) == (
        31.2304,
        121.4737,
    )
    plan = solve(problem=built.problem, time_limit=0.5)
    route = plan.route_of(str(tech2.pk))
    assert route is not None
    if route.visits:  # he drives from home and back home: the legs are measured from there
        assert route.distance > 0
    proposal = {"problem": built.data, "routes": [{"technician": tech2.pk, "name": "2", "visits": []}]}
    assert len(places(proposal)["homes"]) == 1  # drawn as a diamond apart from the branch


def test_a_start_place_is_both_coordinates_or_none(world: World) -> None:
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    tech = world.users["sh_tech"]
    tech.start_latitude = Decimal("31.2")
    with pytest.raises(ValidationError) as exc:
        tech.clean()
    assert "start_longitude" in exc.value.message_dict
