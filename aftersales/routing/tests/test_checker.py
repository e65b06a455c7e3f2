"""The checker catches each kind of fault in hand-made plans.

The world is a straight road: the depot at 0, jobs at 30, 60 and 90, travel one unit a
minute. Times are minutes since midnight: shift 08:00–17:00, lunch 30 minutes within
12:00–13:00.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from aftersales.routing.checker import Kind, check_plan
from aftersales.routing.model import (
    Break,
    Job,
    Lunch,
    Place,
    Plan,
    Problem,
    Reason,
    Technician,
    Unassigned,
    Window,
)
from aftersales.routing.solver import plan_from_sequences
from aftersales.routing.travel import EuclideanTravel

DEPOT = Place(0, 0)
LUNCH = Break(window=Window(720, 780), duration=30)


def _problem(*, locked: tuple[str, ...] = (), capacity: int | None = None) -> Problem:
    technicians = (
        Technician(
            id="ann",
            start=DEPOT,
            shift=Window(480, 1020),
            skills=frozenset({"ac"}),
            lunch=LUNCH,
            locked=locked,
            capacity=capacity,
        ),
        Technician(id="bob", start=DEPOT, shift=Window(480, 1020), lunch=LUNCH),
    )
    jobs = (
        Job(id="j1", place=Place(30, 0), duration=120, window=Window(540, 600), demand=5),
        Job(id="j2", place=Place(60, 0), duration=90, skill="ac", due=760, demand=5),
        Job(id="j3", place=Place(90, 0), duration=60, demand=5),
    )
    return Problem(technicians=technicians, jobs=jobs, travel=EuclideanTravel())


def _plan(problem: Problem) -> Plan:
    return plan_from_sequences(problem=problem, sequences={"ann": ["j1", "j2"], "bob": ["j3"]})


def _kinds(problem: Problem, plan: Plan) -> set[Kind]:
    return {violation.kind for violation in check_plan(problem=problem, plan=plan)}


def _with_route(plan: Plan, technician_id: str, **changes: Any) -> Plan:
    routes = tuple(replace(r, **changes) if r.technician_id == technician_id else r for r in plan.routes)
    return replace(plan, routes=routes)


def _with_visit(plan: Plan, job_id: str, **changes: Any) -> Plan:
    routes = tuple(
        replace(r, visits=tuple(replace(v, **changes) if v.job_id == job_id else v for v in r.visits))
        for r in plan.routes
    )
    return replace(plan, routes=routes)


def test_a_well_timed_plan_passes_and_its_times_are_the_earliest():
    problem = _problem()
    plan = _plan(problem)
    assert check_plan(problem=problem, plan=plan) == []
    ann = plan.route_of("ann")
    assert ann is not None
    # Leaves 08:00, at j1 08:30, waits for 09:00, done 11:00; 30 min to j2, lunch 12:00–12:30.
    assert [(v.arrival, v.start, v.end) for v in ann.visits] == [(510, 540, 660), (750, 750, 840)]
    assert ann.lunch == Lunch(start=720, end=750, after=1)
    assert ann.visits[1].late == 0 and ann.return_at == 900 and ann.travel_time == 120


def test_skill():
    problem = _problem()
    plan = plan_from_sequences(problem=problem, sequences={"ann": ["j1"], "bob": ["j3", "j2"]})
    assert Kind.SKILL in _kinds(problem, plan)


def test_window():
    problem = _problem()
    assert Kind.WINDOW in _kinds(problem, _with_visit(_plan(problem), "j1", arrival=480, start=500, end=620))


def test_shift_end():
    problem = _problem()
    assert Kind.SHIFT_END in _kinds(problem, _with_route(_plan(problem), "bob", return_at=1030))


def test_break_missing():
    problem = _problem()
    assert Kind.BREAK_MISSING in _kinds(problem, _with_route(_plan(problem), "ann", lunch=None))


@pytest.mark.parametrize("lunch", [Lunch(start=690, end=720, after=1), Lunch(start=760, end=790, after=1)])
def test_break_outside_its_window(lunch: Lunch):
    problem = _problem()
    assert Kind.BREAK_WINDOW in _kinds(problem, _with_route(_plan(problem), "ann", lunch=lunch))


def test_break_too_short_or_overlapping_a_job():
    problem = _problem()
    assert Kind.BREAK_WINDOW in _kinds(problem, _with_route(_plan(problem), "ann", lunch=Lunch(720, 735, 1)))
    # Lunch 12:00–12:30 placed before j1 (which ends at 11:00): it overlaps j1 and j2's gap is short.
    kinds = _kinds(problem, _with_route(_plan(problem), "ann", lunch=Lunch(720, 750, 0)))
    assert Kind.BREAK_OVERLAP in kinds


def test_job_twice_and_job_missing():
    problem = _problem()
    twice = plan_from_sequences(problem=problem, sequences={"ann": ["j1", "j2"], "bob": ["j3", "j1"]})
    assert Kind.JOB_TWICE in _kinds(problem, twice)
    missing = replace(_plan(problem), unassigned=())
    missing = _with_route(missing, "bob", visits=(), lunch=None, travel_time=0, distance=0)
    assert Kind.JOB_MISSING in _kinds(problem, missing)


def test_locked_job_moved():
    problem = _problem(locked=("j2",))
    assert Kind.LOCKED_MOVED in _kinds(problem, _plan(problem))


def test_capacity():
    problem = _problem(capacity=8)
    assert Kind.CAPACITY in _kinds(problem, _plan(problem))


def test_travel_arithmetic():
    problem = _problem()
    # j3 is 90 minutes out: arriving at 08:45 is impossible.
    kinds = _kinds(problem, _with_visit(_plan(problem), "j3", arrival=525, start=525, end=585))
    assert Kind.TRAVEL in kinds
    assert Kind.TOTALS in _kinds(problem, _with_route(_plan(problem), "bob", distance=150))


def test_late_minutes_recomputed():
    problem = _problem()
    late = replace(problem, jobs=tuple(replace(j, due=700) if j.id == "j2" else j for j in problem.jobs))
    plan = _plan(late)
    assert plan.route_of("ann").visits[1].late == 50  # type: ignore[union-attr]
    assert check_plan(problem=late, plan=plan) == []
    assert Kind.LATENESS in _kinds(late, _with_visit(plan, "j2", late=0))


def test_left_out_jobs_need_a_reason_and_may_be_forbidden():
    problem = _problem()
    plan = plan_from_sequences(problem=problem, sequences={"ann": ["j1", "j2"]})
    assert check_plan(problem=problem, plan=plan) == []
    assert plan.unassigned == (Unassigned("j3", Reason.NO_ROOM),)
    kinds = {v.kind for v in check_plan(problem=problem, plan=plan, allow_unassigned=False)}
    assert kinds == {Kind.NOT_ALLOWED}
