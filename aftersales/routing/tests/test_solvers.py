"""Each solver on small days in a city (straight-line travel): every plan has passed the checker
(``solve`` refuses it otherwise) and keeps the rules the supervisor relies on."""

from __future__ import annotations

import pytest

from aftersales.routing import solver as solver_module
from aftersales.routing.greedy import greedy_plan
from aftersales.routing.model import Break, Job, Objective, Place, Problem, Reason, Technician, Window
from aftersales.routing.solver import plan_cost, solve
from aftersales.routing.travel import StraightLineTravel

SOLVERS = ["pyvrp", "ortools"]
LIMIT = 1.0
NOON = Break(window=Window(720, 780), duration=30)
SHIFT = Window(510, 1050)  # 08:30–17:30
DEPOT = Place(121.47, 31.23, "urban")


def _place(east_km: float, north_km: float) -> Place:
    return Place(121.47 + east_km / 95.0, 31.23 + north_km / 111.0, "urban")


def _technician(tech_id: str, *, skills: set[str], start: Place = DEPOT, **extra: object) -> Technician:
    return Technician(id=tech_id, start=start, shift=SHIFT, skills=frozenset(skills), lunch=NOON, **extra)  # type: ignore[arg-type]


def _jobs() -> tuple[Job, ...]:
    return tuple(
        Job(
            id=f"j{n}",
            place=_place((n % 5) * 2.0 - 4, (n // 5) * 3.0 - 3),
            duration=45 + 15 * (n % 3),
            skill="ac" if n % 4 == 0 else None,
            window=Window(780, 960) if n == 5 else None,
            due=660 if n % 3 == 0 else None,
            priority=2 if n == 3 else 1,
        )
        for n in range(12)
    )


def _day(**changes: object) -> Problem:
    technicians = (
        _technician("ann", skills={"ac", "fridge"}),
        _technician("bob", skills={"fridge"}),
        _technician("cai", skills=set()),
    )
    problem = Problem(technicians=technicians, jobs=_jobs(), travel=StraightLineTravel())
    return problem if not changes else Problem(**{**_fields(problem), **changes})  # type: ignore[arg-type]


def _fields(problem: Problem) -> dict[str, object]:
    return {
        "technicians": problem.technicians,
        "jobs": problem.jobs,
        "travel": problem.travel,
        "name": problem.name,
    }


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_day_is_planned_within_skills_and_lunch(solver: str):
    problem = _day()
    plan = solve(problem=problem, solver=solver, time_limit=LIMIT)
    assert not plan.unassigned
    assert sorted(j for r in plan.routes for j in r.job_ids) == sorted(j.id for j in problem.jobs)
    ac_jobs = {j.id for j in problem.jobs if j.skill == "ac"}
    for route in plan.routes:
        if route.technician_id != "ann":
            assert not ac_jobs & set(route.job_ids), "an uncertified technician was given an ac job"
        if route.visits and route.departure < 780 and route.return_at > 720:
            assert route.lunch is not None
            assert (
                route.lunch.start >= 720
                and route.lunch.end <= 780
                and route.lunch.end - route.lunch.start == 30
            )


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_only_certified_technician_gets_the_job_even_from_afar(solver: str):
    near_bob = Job(id="ac-near-bob", place=_place(10, 10), duration=60, skill="ac")
    technicians = (
        _technician("ann", skills={"ac"}, start=_place(-10, -10)),
        _technician("bob", skills=set(), start=_place(10, 10)),
    )
    problem = Problem(technicians=technicians, jobs=(near_bob,), travel=StraightLineTravel())
    plan = solve(problem=problem, solver=solver, time_limit=LIMIT)
    assert plan.route_of("ann").job_ids == ("ac-near-bob",)  # type: ignore[union-attr]
    assert plan.route_of("bob").job_ids == ()  # type: ignore[union-attr]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_locked_job_stays_first_on_its_technician(solver: str):
    jobs = (*_jobs(), Job(id="far", place=_place(12, 12), duration=60, started_at=540))
    technicians = (
        _technician("ann", skills={"ac", "fridge"}),
        _technician("bob", skills={"fridge"}, locked=("far", "j7")),
        _technician("cai", skills=set()),
    )
    problem = Problem(technicians=technicians, jobs=jobs, travel=StraightLineTravel())
    plan = solve(problem=problem, solver=solver, time_limit=LIMIT)
    bob = plan.route_of("bob")
    assert bob is not None and bob.job_ids[:2] == ("far", "j7")
    assert bob.visits[0].start == 540


@pytest.mark.parametrize("solver", SOLVERS)
def test_jobs_that_cannot_fit_are_left_out_with_the_reason(solver: str):
    technicians = (Technician(id="ann", start=DEPOT, shift=SHIFT, lunch=NOON),)
    jobs = (
        Job(id="long-1", place=_place(1, 0), duration=240, priority=2),
        Job(id="long-2", place=_place(0, 1), duration=240),
        Job(id="tonight", place=_place(1, 1), duration=30, window=Window(1140, 1200)),
        Job(id="needs-gas", place=_place(1, 1), duration=30, skill="gas"),
    )
    problem = Problem(technicians=technicians, jobs=jobs, travel=StraightLineTravel())
    plan = solve(problem=problem, solver=solver, time_limit=LIMIT)
    reasons = {item.job_id: item.reason for item in plan.unassigned}
    assert reasons == {
        "long-2": Reason.NO_ROOM,
        "tonight": Reason.OUTSIDE_SHIFTS,
        "needs-gas": Reason.NO_QUALIFIED_TECHNICIAN,
    }
    assert plan.route_of("ann").job_ids == ("long-1",)  # type: ignore[union-attr]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_due_that_cannot_be_met_is_served_late_not_dropped(solver: str):
    technicians = (Technician(id="ann", start=DEPOT, shift=SHIFT, lunch=NOON),)
    jobs = (
        Job(id="first", place=_place(2, 0), duration=120, due=540, priority=3),
        Job(id="second", place=_place(4, 0), duration=60, due=560),
    )
    problem = Problem(technicians=technicians, jobs=jobs, travel=StraightLineTravel())
    plan = solve(problem=problem, solver=solver, time_limit=LIMIT)
    ann = plan.route_of("ann")
    assert ann is not None and ann.job_ids == ("first", "second")
    assert ann.visits[0].late == 0 and ann.visits[1].late > 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_job_overdue_since_yesterday_is_served(solver: str):
    """A due before midnight (a call overdue since yesterday) is neither refused by the library
    nor left out as too dear: the lateness no plan can avoid is not charged."""
    technicians = (Technician(id="ann", start=DEPOT, shift=SHIFT, lunch=NOON),)
    jobs = (
        Job(id="overdue", place=_place(3, 0), duration=60, due=-900),
        Job(id="later", place=_place(0, 3), duration=60, window=Window(600, 1440), due=700),
    )
    problem = Problem(technicians=technicians, jobs=jobs, travel=StraightLineTravel())
    plan = solve(problem=problem, solver=solver, time_limit=LIMIT)
    assert plan.unassigned == ()
    assert plan.route_of("ann").job_ids == ("overdue", "later")  # type: ignore[union-attr]


def test_after_the_locked_jobs_the_day_still_ends_where_it_would_have():
    """The library sees a technician who starts at his last locked job; his day must still end
    at home (``end`` None means the start place), not at that customer's."""
    home = _place(-5, 0)
    tech = Technician(id="ann", start=home, shift=SHIFT, lunch=NOON, locked=("far",))
    far = Job(id="far", place=_place(20, 0), duration=60, started_at=540)
    problem = Problem(technicians=(tech,), jobs=(far,), travel=StraightLineTravel())
    head = solver_module._head(tech=tech, jobs={"far": far}, legs=solver_module.Legs.of(problem))
    assert head.technician.start == far.place
    assert head.technician.end_place == home
    assert head.technician.shift.start == 600


def test_the_plan_never_costs_more_than_greedy_dispatch(monkeypatch: pytest.MonkeyPatch):
    """A library that comes back with nothing (or worse than greedy) does not reach the
    supervisor: greedy dispatch's plan is proposed instead, with a note saying so."""

    def nothing(request: solver_module.SolverInput) -> solver_module.Assignment:
        return solver_module.Assignment(sequences={}, dropped=[job.id for job in request.jobs])

    monkeypatch.setattr(solver_module, "_backend", lambda name: nothing)
    problem = _day()
    plan = solve(problem=problem, solver="ortools", time_limit=LIMIT)
    assert sum(len(route.visits) for route in plan.routes) == len(problem.jobs)
    assert any("greedy" in note for note in plan.notes)
    greedy = greedy_plan(problem)
    objective = Objective()
    assert plan_cost(plan=plan, problem=problem, objective=objective) <= plan_cost(
        plan=greedy, problem=problem, objective=objective
    )
