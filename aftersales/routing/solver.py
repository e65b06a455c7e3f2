"""The dispatch optimiser: one entry point over two routing libraries.

``solve(problem=…)`` does what both libraries need done the same way:

1. sets aside the jobs nobody can do (no qualified technician, no shift that fits their window);
2. times each technician's locked jobs (the head of the route, never moved) and hands the
   library a technician who starts where and when those jobs end;
3. lets PyVRP or OR-Tools order the rest (:mod:`.solver_pyvrp`, :mod:`.solver_ortools`);
4. times every route again here, in floating point, at the earliest moments (the libraries work
   in integers, rounded so that their answer stays feasible in exact arithmetic);
5. hands the plan to the independent checker (:mod:`.checker`) and refuses it if anything is
   wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from aftersales.routing.checker import Violation, check_plan
from aftersales.routing.model import (
    EPSILON,
    Break,
    Job,
    Lunch,
    Objective,
    Place,
    Plan,
    Problem,
    Reason,
    Route,
    Technician,
    Unassigned,
    Visit,
    Window,
    weighted_late_minutes,
)
from aftersales.routing.travel import TravelMatrix

SOLVERS = ("pyvrp", "ortools")

FINISHING_RESERVE = 0.25
"""Seconds of the time limit kept for re-timing and checking the library's answer."""
MINIMUM_SEARCH = 0.1
"""Seconds the library gets however little of the limit is left."""


class PlanRejected(Exception):
    """The checker found the solver's plan wrong; nobody should see it."""

    def __init__(self, *, plan: Plan, violations: Sequence[Violation]) -> None:
        self.plan = plan
        self.violations = list(violations)
        shown = "; ".join(str(v) for v in self.violations[:5])
        super().__init__(f"{plan.solver} plan rejected by the checker ({len(self.violations)}): {shown}")


@dataclass(frozen=True, slots=True)
class Legs:
    """Travel between the problem's places, from one matrix asked of the travel model."""

    places: tuple[Place, ...]
    matrix: TravelMatrix
    index: Mapping[Place, int]

    @classmethod
    def of(cls, problem: Problem) -> Legs:
        places = tuple(
            dict.fromkeys(
                [tech.start for tech in problem.technicians]
                + [tech.end_place for tech in problem.technicians]
                + [job.place for job in problem.jobs]
            )
        )
        return cls(
            places=places, matrix=problem.travel.matrix(places), index={p: i for i, p in enumerate(places)}
        )

    def time(self, origin: Place, destination: Place) -> float:
        return float(self.matrix.time[self.index[origin], self.index[destination]])

    def distance(self, origin: Place, destination: Place) -> float:
        return float(self.matrix.distance[self.index[origin], self.index[destination]])


@dataclass(frozen=True, slots=True)
class SolverInput:
    """What a routing library is asked: free jobs for technicians whose locked jobs are done.

    ``technicians`` start where their locked jobs end, at the time they end, with the lunch
    still to take (None when taken among the locked jobs) and the capacity left.
    """

    technicians: tuple[Technician, ...]
    jobs: tuple[Job, ...]
    eligible: Mapping[str, tuple[str, ...]]
    legs: Legs
    objective: Objective
    time_limit: float
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Assignment:
    """A library's answer: the order of each technician's free jobs and where lunch goes."""

    sequences: Mapping[str, Sequence[str]]
    lunch_after: Mapping[str, int] = field(default_factory=dict)
    """Technician id → how many of its free jobs come before lunch."""
    dropped: Sequence[str] = ()
    notes: tuple[str, ...] = ()


Backend = Callable[[SolverInput], Assignment]


def solve(
    *,
    problem: Problem,
    solver: str = "ortools",
    time_limit: float = 10.0,
    objective: Objective | None = None,
    seed: int = 0,
) -> Plan:
    """A checked plan for the day; raises :class:`PlanRejected` if the checker finds a fault."""
    began = time.perf_counter()
    objective = objective or Objective()
    backend = _backend(solver)
    _validate(problem)
    legs = Legs.of(problem)
    eligible = {job.id: tuple(t.id for t in problem.technicians if t.can_do(job)) for job in problem.jobs}
    locked_ids = {job_id for tech in problem.technicians for job_id in tech.locked}
    jobs = {job.id: job for job in problem.jobs}
    left_out = _unservable(problem=problem, legs=legs, eligible=eligible, locked=locked_ids)
    heads = {tech.id: _head(tech=tech, jobs=jobs, legs=legs) for tech in problem.technicians}
    free_jobs = tuple(j for j in problem.jobs if j.id not in locked_ids and j.id not in left_out)
    after_heads = tuple(head.technician for head in heads.values())
    baseline = _greedy(problem=problem, technicians=after_heads, jobs=free_jobs, legs=legs)
    # The library gets what is left of the limit once the rest is paid for: the set-up so far,
    # and about as much again for re-timing and checking its answer afterwards.
    spent = time.perf_counter() - began
    request = SolverInput(
        technicians=after_heads,
        jobs=free_jobs,
        eligible={job.id: eligible[job.id] for job in free_jobs},
        legs=legs,
        objective=objective,
        time_limit=max(time_limit - 2 * spent - FINISHING_RESERVE, MINIMUM_SEARCH),
        seed=seed,
    )
    answer = backend(request) if free_jobs else Assignment(sequences={})
    unassigned = [Unassigned(job_id, reason, detail) for job_id, (reason, detail) in left_out.items()]
    plan = _plan(problem=problem, heads=heads, answer=answer, legs=legs, solver=solver, left_out=unassigned)
    notes = list(answer.notes)
    if baseline is not None:
        greedy = _plan(
            problem=problem, heads=heads, answer=baseline, legs=legs, solver=solver, left_out=unassigned
        )
        if plan_cost(plan=greedy, problem=problem, objective=objective) < plan_cost(
            plan=plan, problem=problem, objective=objective
        ):
            plan = greedy
            notes.append("greedy dispatch cost less than the library's answer and is proposed instead")
    plan = replace(plan, seconds=time.perf_counter() - began, notes=tuple(notes))
    violations = check_plan(problem=problem, plan=plan, allow_unassigned=objective.allow_unassigned)
    if violations:
        raise PlanRejected(plan=plan, violations=violations)
    return plan


def plan_cost(*, plan: Plan, problem: Problem, objective: Objective) -> float:
    """The plan's cost as the libraries are asked to minimise it (:class:`Objective`)."""
    jobs = {job.id: job for job in problem.jobs}
    cost = sum(objective.unassigned_penalty * jobs[u.job_id].priority for u in plan.unassigned)
    cost += objective.late_weight * weighted_late_minutes(plan=plan, jobs=problem.jobs)
    cost += plan.travel_time if objective.travel == "time" else plan.distance
    return cost + objective.vehicle_cost * plan.vehicles


def _plan(
    *,
    problem: Problem,
    heads: Mapping[str, _Head],
    answer: Assignment,
    legs: Legs,
    solver: str,
    left_out: Sequence[Unassigned],
) -> Plan:
    """Each technician's locked jobs and then the library's, timed here in exact arithmetic
    (and repaired where the library's integer timing does not hold)."""
    jobs = {job.id: job for job in problem.jobs}
    routes = []
    dropped = list(answer.dropped)
    for tech in problem.technicians:
        head = heads[tech.id]
        free = [jobs[job_id] for job_id in answer.sequences.get(tech.id, ())]
        lunch_after = head.lunch_after
        if lunch_after is None and tech.id in answer.lunch_after:
            lunch_after = len(tech.locked) + answer.lunch_after[tech.id]
        route = schedule_route(tech=tech, jobs=[*head.jobs, *free], legs=legs, lunch_after=lunch_after)
        if _broken(route=route, tech=tech, jobs=[*head.jobs, *free]):
            route, removed = _repair(tech=tech, head=head.jobs, free=free, legs=legs)
            dropped += [job.id for job in removed]
        routes.append(route)
    unassigned = [*left_out, *(Unassigned(job_id, Reason.NO_ROOM) for job_id in dropped)]
    return Plan(routes=tuple(routes), unassigned=tuple(unassigned), solver=solver, notes=answer.notes)


def _greedy(
    *, problem: Problem, technicians: tuple[Technician, ...], jobs: tuple[Job, ...], legs: Legs
) -> Assignment | None:
    """Greedy dispatch of the free jobs (:mod:`.greedy`, 0.05 s for 300 jobs), the floor under
    the library's answer: ``solve`` never proposes a plan that costs more than this one."""
    from aftersales.routing.greedy import greedy_plan

    if not jobs or any(tech.capacity is not None for tech in technicians):
        return None  # greedy dispatch knows nothing of loads (the Solomon benchmarks)
    rest = Problem(technicians=technicians, jobs=jobs, travel=problem.travel, name=problem.name)
    plan = greedy_plan(rest, legs=legs)
    return Assignment(
        sequences={route.technician_id: route.job_ids for route in plan.routes},
        lunch_after={r.technician_id: r.lunch.after for r in plan.routes if r.lunch is not None},
        dropped=[u.job_id for u in plan.unassigned],
    )


def plan_from_sequences(
    *, problem: Problem, sequences: Mapping[str, Sequence[str]], solver: str = "given"
) -> Plan:
    """Time given routes (technician id → job ids) at the earliest moments; jobs in no
    sequence are left out with :attr:`Reason.NO_ROOM`. The plan is not checked."""
    legs = Legs.of(problem)
    jobs = {job.id: job for job in problem.jobs}
    routes = tuple(
        schedule_route(tech=tech, jobs=[jobs[j] for j in sequences.get(tech.id, ())], legs=legs)
        for tech in problem.technicians
    )
    placed = {job_id for seq in sequences.values() for job_id in seq}
    unassigned = tuple(Unassigned(job.id, Reason.NO_ROOM) for job in problem.jobs if job.id not in placed)
    return Plan(routes=routes, unassigned=unassigned, solver=solver)


def _backend(name: str) -> Backend:
    if name == "pyvrp":
        from aftersales.routing.solver_pyvrp import solve_with_pyvrp

        return solve_with_pyvrp
    if name == "ortools":
        from aftersales.routing.solver_ortools import solve_with_ortools

        return solve_with_ortools
    raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(SOLVERS)}")


def _validate(problem: Problem) -> None:
    job_ids = [job.id for job in problem.jobs]
    tech_ids = [tech.id for tech in problem.technicians]
    if len(set(job_ids)) != len(job_ids) or len(set(tech_ids)) != len(tech_ids):
        raise ValueError("job and technician ids must be unique")
    locked = [job_id for tech in problem.technicians for job_id in tech.locked]
    if len(set(locked)) != len(locked) or not set(locked) <= set(job_ids):
        raise ValueError("a locked job must exist and be locked to one technician only")
    for tech in problem.technicians:
        started = [j for j in tech.locked[1:] if problem.job(j).started_at is not None]
        if started:
            raise ValueError(f"{tech.id}: only the first locked job can be started, not {started}")


def _unservable(
    *, problem: Problem, legs: Legs, eligible: Mapping[str, tuple[str, ...]], locked: set[str]
) -> dict[str, tuple[Reason, str]]:
    """Free jobs that no technician could do today, with the reason."""
    technicians = {tech.id: tech for tech in problem.technicians}
    out: dict[str, tuple[Reason, str]] = {}
    for job in problem.jobs:
        if job.id in locked:
            continue
        if not eligible[job.id]:
            out[job.id] = (Reason.NO_QUALIFIED_TECHNICIAN, f"nobody holds {job.skill}")
        elif not any(_fits_shift(job=job, tech=technicians[t], legs=legs) for t in eligible[job.id]):
            out[job.id] = (Reason.OUTSIDE_SHIFTS, "no qualified technician's shift fits its window")
    return out


def _fits_shift(*, job: Job, tech: Technician, legs: Legs) -> bool:
    window = job.window or Window(float("-inf"), float("inf"))
    earliest = max(tech.shift.start + legs.time(tech.start, job.place), window.start)
    back = earliest + job.duration + legs.time(job.place, tech.end_place)
    return earliest <= window.end + EPSILON and back <= tech.shift.end + EPSILON


@dataclass(frozen=True, slots=True)
class _Head:
    """A technician's locked jobs, timed, and the technician the library sees after them."""

    jobs: tuple[Job, ...]
    lunch_after: int | None
    technician: Technician


def _head(*, tech: Technician, jobs: Mapping[str, Job], legs: Legs) -> _Head:
    locked = tuple(jobs[job_id] for job_id in tech.locked)
    if not locked:
        return _Head(jobs=(), lunch_after=None, technician=replace(tech, lunch=_possible_lunch(tech)))
    timed = schedule_route(tech=tech, jobs=list(locked), legs=legs, lunch_after=-1)
    free_at = timed.visits[-1].end
    lunch_after: int | None = None
    lunch = tech.lunch
    if lunch is not None and free_at > lunch.latest_start:
        lunch_after = _lunch_among_locked(tech=tech, locked=locked, legs=legs)
        timed = schedule_route(tech=tech, jobs=list(locked), legs=legs, lunch_after=lunch_after)
        free_at = timed.visits[-1].end
        lunch = None
    capacity = tech.capacity - sum(j.demand for j in locked) if tech.capacity is not None else None
    after = replace(
        tech,
        start=locked[-1].place,
        end=tech.end_place,  # the day still ends where it would have; None would mean "here"
        shift=Window(min(free_at, tech.shift.end), tech.shift.end),
        lunch=lunch,
        locked=(),
        capacity=capacity,
    )
    return _Head(
        jobs=locked, lunch_after=lunch_after, technician=replace(after, lunch=_possible_lunch(after))
    )


def _possible_lunch(tech: Technician) -> Break | None:
    """The lunch the library must place: None when the shift leaves no room for it."""
    lunch = tech.lunch
    if lunch is None or tech.shift.start > lunch.latest_start or lunch.window.start >= tech.shift.end:
        return None
    return lunch


def _lunch_among_locked(*, tech: Technician, locked: tuple[Job, ...], legs: Legs) -> int | None:
    assert tech.lunch is not None
    for gap in range(len(locked)):
        route = schedule_route(tech=tech, jobs=list(locked), legs=legs, lunch_after=gap)
        if route.lunch is not None and route.lunch.start <= tech.lunch.latest_start + EPSILON:
            return gap
    return None


def _broken(*, route: Route, tech: Technician, jobs: Sequence[Job]) -> bool:
    return _badness(route=route, tech=tech, jobs=jobs)[0] > 0


def _repair(
    *, tech: Technician, head: Sequence[Job], free: Sequence[Job], legs: Legs
) -> tuple[Route, list[Job]]:
    """Make a route the library returned hold in exact times: lunch in its best gap, then,
    while a hard rule is still broken, leave out the free job whose removal helps most.

    The libraries reason in rounded integers and about breaks in their own way (OR-Tools
    lets a break overlap the drive; PyVRP may stop at an infeasible solution), so the
    re-timing here can disagree with them; the jobs left out are reported as "no room"."""
    kept = list(free)
    removed: list[Job] = []
    route = schedule_route(tech=tech, jobs=[*head, *kept], legs=legs)
    while kept and _broken(route=route, tech=tech, jobs=[*head, *kept]):
        options = []
        for i in range(len(kept)):
            trial = [*head, *kept[:i], *kept[i + 1 :]]
            timed = schedule_route(tech=tech, jobs=trial, legs=legs)
            options.append((_badness(route=timed, tech=tech, jobs=trial), kept[i].priority, i, timed))
        _, _, worst, route = min(options, key=lambda option: option[:3])
        removed.append(kept.pop(worst))
    return route, removed


def schedule_route(
    *, tech: Technician, jobs: Sequence[Job], legs: Legs, lunch_after: int | None = None
) -> Route:
    """Time a route at the earliest moments: wait for windows, never start before them.

    ``lunch_after`` is how many jobs come before lunch; None picks the gap that keeps the
    route within its windows, its shift and the lunch window, preferring fewer late minutes
    and an earlier return; -1 times the route without lunch.
    """
    if lunch_after is None and tech.lunch is not None and jobs:
        first = 1 if jobs[0].started_at is not None else 0  # not before a job already under way
        options = [
            _time_route(tech=tech, jobs=jobs, legs=legs, lunch_after=gap)
            for gap in range(first, len(jobs) + 1)
        ]
        return min(options, key=lambda route: _badness(route=route, tech=tech, jobs=jobs))
    return _time_route(tech=tech, jobs=jobs, legs=legs, lunch_after=lunch_after)


def _badness(*, route: Route, tech: Technician, jobs: Sequence[Job]) -> tuple[int, float, float]:
    broken = sum(
        1 for v, j in zip(route.visits, jobs, strict=True) if j.window and v.start > j.window.end + EPSILON
    )
    broken += route.return_at > tech.shift.end + EPSILON
    rule = tech.lunch
    if route.lunch is not None and rule is not None:
        broken += route.lunch.start > rule.latest_start + EPSILON
    elif rule is not None and route.visits:
        broken += route.departure < rule.window.end and route.return_at > rule.window.start
    late = sum(v.late * j.priority for v, j in zip(route.visits, jobs, strict=True))
    return broken, late, route.return_at


def _time_route(*, tech: Technician, jobs: Sequence[Job], legs: Legs, lunch_after: int | None) -> Route:
    rule = tech.lunch if lunch_after is not None and lunch_after >= 0 else None
    departure = free_at = tech.shift.start
    place = tech.start
    visits: list[Visit] = []
    lunch: Lunch | None = None
    travel_time = distance = 0.0
    for index, job in enumerate(jobs):
        if index == 0 and job.started_at is not None:
            departure = job.started_at
            arrival = job.started_at
        else:
            leg = legs.time(place, job.place)
            travel_time += leg
            distance += legs.distance(place, job.place)
            arrival = free_at + leg
            if rule is not None and lunch_after == index:
                lunch = _lunch_in_gap(free_at=free_at, rule=rule, gap=index)
                arrival = max(arrival, lunch.start) + rule.duration
        start = max(arrival, job.window.start) if job.window is not None else arrival
        late = max(0.0, start - job.due) if job.due is not None else 0.0
        visits.append(Visit(job_id=job.id, arrival=arrival, start=start, end=start + job.duration, late=late))
        place, free_at = job.place, start + job.duration
    return_at = free_at
    if jobs:
        leg = legs.time(place, tech.end_place)
        travel_time += leg
        distance += legs.distance(place, tech.end_place)
        return_at = free_at + leg
        if rule is not None and lunch_after == len(jobs) and return_at > rule.window.start:
            lunch = _lunch_in_gap(free_at=free_at, rule=rule, gap=len(jobs))
            return_at = max(return_at, lunch.start) + rule.duration
    return Route(
        technician_id=tech.id,
        departure=departure,
        return_at=return_at,
        visits=tuple(visits),
        lunch=lunch if visits else None,
        travel_time=travel_time,
        distance=distance,
    )


def _lunch_in_gap(*, free_at: float, rule: Break, gap: int) -> Lunch:
    """Lunch as early as its window allows once the previous job is done; the leg is driven
    before it, after it or on both sides of it, so the next arrival is at
    ``max(free_at + leg, lunch.start) + duration``."""
    start = max(free_at, rule.window.start)
    return Lunch(start=start, end=start + rule.duration, after=gap)
