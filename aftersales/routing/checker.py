"""The independent checker: every plan passes here before anyone sees it.

It shares no code with the solvers or with the scheduler that times their routes: it asks the
problem's travel model for the legs again and recomputes every time, load, late minute and
total from the plan's own figures and the problem's data (rules in :mod:`.model`).
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass

from aftersales.routing.model import EPSILON, Job, Lunch, Place, Plan, Problem, Route, Technician, Visit
from aftersales.routing.travel import TravelMatrix


class Kind(enum.StrEnum):
    UNKNOWN_TECHNICIAN = "unknown_technician"
    UNKNOWN_JOB = "unknown_job"
    DUPLICATE_ROUTE = "duplicate_route"
    JOB_TWICE = "job_twice"
    JOB_MISSING = "job_missing"
    NOT_ALLOWED = "not_allowed"
    SKILL = "skill"
    LOCKED_MOVED = "locked_moved"
    STARTED_MOVED = "started_moved"
    WINDOW = "window"
    SHIFT_START = "shift_start"
    SHIFT_END = "shift_end"
    TRAVEL = "travel"
    DURATION = "duration"
    BREAK_MISSING = "break_missing"
    BREAK_WINDOW = "break_window"
    BREAK_OVERLAP = "break_overlap"
    CAPACITY = "capacity"
    LATENESS = "lateness"
    TOTALS = "totals"


@dataclass(frozen=True, slots=True)
class Violation:
    kind: Kind
    technician_id: str = ""
    job_id: str = ""
    detail: str = ""

    def __str__(self) -> str:
        where = " ".join(part for part in (self.technician_id, self.job_id) if part)
        return f"{self.kind}: {where}: {self.detail}"


def check_plan(*, problem: Problem, plan: Plan, allow_unassigned: bool = True) -> list[Violation]:
    """Every rule the plan breaks; an empty list means the plan may be shown."""
    jobs = {job.id: job for job in problem.jobs}
    technicians = {tech.id: tech for tech in problem.technicians}
    violations = _check_coverage(plan=plan, jobs=jobs, technicians=technicians, allow=allow_unassigned)
    legs = _Legs(problem=problem)
    for route in plan.routes:
        tech = technicians.get(route.technician_id)
        known = [visit for visit in route.visits if visit.job_id in jobs]
        if tech is None or len(known) != len(route.visits):
            continue
        violations += _check_route(route=route, tech=tech, jobs=jobs, legs=legs)
    return violations


class _Legs:
    """Travel between places, asked of the problem's travel model for each distinct place."""

    def __init__(self, *, problem: Problem) -> None:
        places = list(
            dict.fromkeys(
                [job.place for job in problem.jobs]
                + [tech.start for tech in problem.technicians]
                + [tech.end_place for tech in problem.technicians]
            )
        )
        self._index = {place: i for i, place in enumerate(places)}
        self._matrix: TravelMatrix = problem.travel.matrix(places)

    def time(self, origin: Place, destination: Place) -> float:
        return float(self._matrix.time[self._index[origin], self._index[destination]])

    def distance(self, origin: Place, destination: Place) -> float:
        return float(self._matrix.distance[self._index[origin], self._index[destination]])


def _check_coverage(
    *, plan: Plan, jobs: dict[str, Job], technicians: dict[str, Technician], allow: bool
) -> list[Violation]:
    violations: list[Violation] = []
    route_count = Counter(route.technician_id for route in plan.routes)
    for tech_id, count in route_count.items():
        if tech_id not in technicians:
            violations.append(Violation(Kind.UNKNOWN_TECHNICIAN, tech_id, detail="no such technician"))
        elif count > 1:
            violations.append(Violation(Kind.DUPLICATE_ROUTE, tech_id, detail=f"{count} routes"))
    seen = Counter(visit.job_id for route in plan.routes for visit in route.visits)
    seen.update(item.job_id for item in plan.unassigned)
    for job_id, count in seen.items():
        if job_id not in jobs:
            violations.append(Violation(Kind.UNKNOWN_JOB, job_id=job_id, detail="no such job"))
        elif count > 1:
            violations.append(Violation(Kind.JOB_TWICE, job_id=job_id, detail=f"appears {count} times"))
    for job_id in jobs.keys() - seen.keys():
        violations.append(Violation(Kind.JOB_MISSING, job_id=job_id, detail="neither planned nor left out"))
    for item in plan.unassigned:
        if not allow:
            violations.append(
                Violation(Kind.NOT_ALLOWED, job_id=item.job_id, detail="every job must be served")
            )
        elif not item.reason:
            violations.append(
                Violation(Kind.NOT_ALLOWED, job_id=item.job_id, detail="left out without a reason")
            )
    violations += _check_locks(plan=plan, jobs=jobs, technicians=technicians)
    return violations


def _check_locks(*, plan: Plan, jobs: dict[str, Job], technicians: dict[str, Technician]) -> list[Violation]:
    violations: list[Violation] = []
    for tech in technicians.values():
        route = plan.route_of(tech.id)
        head = route.job_ids[: len(tech.locked)] if route is not None else ()
        if tech.locked and head != tech.locked:
            detail = f"locked {list(tech.locked)} but the route starts with {list(head)}"
            violations.append(Violation(Kind.LOCKED_MOVED, tech.id, detail=detail))
    locked_first = {tech.locked[0] for tech in technicians.values() if tech.locked}
    for job in jobs.values():
        if job.started_at is not None and job.id not in locked_first:
            detail = "a started job must be its technician's first locked job"
            violations.append(Violation(Kind.STARTED_MOVED, job_id=job.id, detail=detail))
    return violations


def _check_route(*, route: Route, tech: Technician, jobs: dict[str, Job], legs: _Legs) -> list[Violation]:
    violations: list[Violation] = []
    add = violations.append
    route_jobs = [jobs[visit.job_id] for visit in route.visits]
    if route.departure < tech.shift.start - EPSILON and not _first_started(route_jobs):
        add(
            Violation(
                Kind.SHIFT_START, tech.id, detail=f"leaves at {route.departure} before {tech.shift.start}"
            )
        )
    if route.return_at > tech.shift.end + EPSILON:
        add(Violation(Kind.SHIFT_END, tech.id, detail=f"back at {route.return_at} after {tech.shift.end}"))
    violations += _check_break(route=route, tech=tech)
    lunch_gap = route.lunch.after if route.lunch is not None else -1
    place, free_at = tech.start, route.departure
    travel_time = distance = 0.0
    for index, (visit, job) in enumerate(zip(route.visits, route_jobs, strict=True)):
        violations += _check_job(tech=tech, job=job, visit=visit)
        if index == 0 and job.started_at is not None:
            if lunch_gap == 0:
                add(Violation(Kind.BREAK_OVERLAP, tech.id, job.id, "lunch before a job already under way"))
            place, free_at = job.place, visit.end
            continue
        leg = legs.time(place, job.place)
        travel_time += leg
        distance += legs.distance(place, job.place)
        needed = free_at + leg + (_lunch_length(route.lunch) if lunch_gap == index else 0.0)
        if visit.arrival < needed - EPSILON:
            detail = f"arrives at {visit.arrival}, cannot be there before {needed}"
            add(Violation(Kind.TRAVEL, tech.id, job.id, detail))
        if lunch_gap == index:
            violations += _check_break_in_gap(
                tech_id=tech.id, lunch=route.lunch, gap=(free_at, visit.arrival)
            )
        place, free_at = job.place, visit.end
    leg = legs.time(place, tech.end_place)
    if route.visits:
        travel_time += leg
        distance += legs.distance(place, tech.end_place)
        needed = free_at + leg + (_lunch_length(route.lunch) if lunch_gap == len(route.visits) else 0.0)
        if route.return_at < needed - EPSILON:
            add(
                Violation(
                    Kind.TRAVEL, tech.id, detail=f"back at {route.return_at}, cannot be before {needed}"
                )
            )
        if lunch_gap == len(route.visits):
            violations += _check_break_in_gap(
                tech_id=tech.id, lunch=route.lunch, gap=(free_at, route.return_at)
            )
    violations += _check_load(tech=tech, jobs=route_jobs)
    if abs(travel_time - route.travel_time) > 1e-4 or abs(distance - route.distance) > 1e-4:
        detail = (
            f"route says travel {route.travel_time} / distance {route.distance}, "
            f"recomputed {travel_time} / {distance}"
        )
        add(Violation(Kind.TOTALS, tech.id, detail=detail))
    return violations


def _first_started(route_jobs: list[Job]) -> bool:
    return bool(route_jobs) and route_jobs[0].started_at is not None


def _lunch_length(lunch: Lunch | None) -> float:
    return lunch.end - lunch.start if lunch is not None else 0.0


def _check_job(*, tech: Technician, job: Job, visit: Visit) -> list[Violation]:
    violations: list[Violation] = []
    add = violations.append
    if not tech.can_do(job):
        add(Violation(Kind.SKILL, tech.id, job.id, f"needs {job.skill}, holds {sorted(tech.skills)}"))
    if visit.start < visit.arrival - EPSILON:
        add(
            Violation(
                Kind.TRAVEL, tech.id, job.id, f"starts at {visit.start} before arriving at {visit.arrival}"
            )
        )
    if abs(visit.end - visit.start - job.duration) > EPSILON:
        add(
            Violation(
                Kind.DURATION, tech.id, job.id, f"takes {visit.end - visit.start}, needs {job.duration}"
            )
        )
    if job.window is not None and not (job.window.start - EPSILON <= visit.start <= job.window.end + EPSILON):
        add(Violation(Kind.WINDOW, tech.id, job.id, f"starts at {visit.start} outside {job.window}"))
    if job.started_at is not None and abs(visit.start - job.started_at) > EPSILON:
        add(
            Violation(
                Kind.STARTED_MOVED, tech.id, job.id, f"started at {job.started_at}, planned {visit.start}"
            )
        )
    late = max(0.0, visit.start - job.due) if job.due is not None else 0.0
    if abs(late - visit.late) > 1e-4:
        add(Violation(Kind.LATENESS, tech.id, job.id, f"says {visit.late} late minutes, recomputed {late}"))
    return violations


def _check_break(*, route: Route, tech: Technician) -> list[Violation]:
    lunch, rule = route.lunch, tech.lunch
    if rule is None:
        if lunch is not None:
            return [
                Violation(Kind.BREAK_WINDOW, tech.id, detail="a lunch break the technician does not have")
            ]
        return []
    works_across = (
        bool(route.visits) and route.departure < rule.window.end and route.return_at > rule.window.start
    )
    if lunch is None:
        if works_across:
            return [
                Violation(Kind.BREAK_MISSING, tech.id, detail=f"works across {rule.window} without lunch")
            ]
        return []
    violations: list[Violation] = []
    if lunch.start < rule.window.start - EPSILON or lunch.end > rule.window.end + EPSILON:
        detail = f"lunch {lunch.start}–{lunch.end} outside {rule.window}"
        violations.append(Violation(Kind.BREAK_WINDOW, tech.id, detail=detail))
    if lunch.end - lunch.start < rule.duration - EPSILON:
        detail = f"lunch lasts {lunch.end - lunch.start}, needs {rule.duration}"
        violations.append(Violation(Kind.BREAK_WINDOW, tech.id, detail=detail))
    if not 0 <= lunch.after <= len(route.visits) or not route.visits:
        detail = f"lunch after visit {lunch.after} of {len(route.visits)}"
        violations.append(Violation(Kind.BREAK_OVERLAP, tech.id, detail=detail))
    return violations


def _check_break_in_gap(*, tech_id: str, lunch: Lunch | None, gap: tuple[float, float]) -> list[Violation]:
    if lunch is None or (gap[0] - EPSILON <= lunch.start and lunch.end <= gap[1] + EPSILON):
        return []
    detail = f"lunch {lunch.start}–{lunch.end} is not inside the free time {gap[0]}–{gap[1]}"
    return [Violation(Kind.BREAK_OVERLAP, tech_id, detail=detail)]


def _check_load(*, tech: Technician, jobs: list[Job]) -> list[Violation]:
    load = sum(job.demand for job in jobs)
    if tech.capacity is not None and load > tech.capacity:
        return [Violation(Kind.CAPACITY, tech.id, detail=f"load {load} over capacity {tech.capacity}")]
    return []
