"""Dispatch as a supervisor does it by hand: the baseline the optimiser is measured against.

Jobs are taken in order of urgency (an appointment's start, else the due time; then the higher
priority first) and each goes to the end of the route of the certified technician who can
*start* it soonest from where he is after the jobs he already has (the nearest free certified
technician; on a tie, the shorter drive). Shifts, lunch, appointment windows and locked jobs
are respected; a job that no one can fit today is left out with the reason. Routes are timed
by the solver's own :func:`~aftersales.routing.solver.schedule_route`, so the two plans are
timed alike, and the plan passes the checker.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from aftersales.routing.model import (
    EPSILON,
    Job,
    Place,
    Plan,
    Problem,
    Reason,
    Route,
    Technician,
    Unassigned,
    Window,
)
from aftersales.routing.solver import Legs, schedule_route


@dataclass
class _Tour:
    """A technician's route so far: its jobs, the gap lunch goes in, and its timing."""

    tech: Technician
    jobs: list[Job]
    lunch_after: int
    route: Route

    @property
    def free_at(self) -> float:
        return self.route.visits[-1].end if self.route.visits else self.tech.shift.start

    def place(self) -> Place:
        return self.jobs[-1].place if self.jobs else self.tech.start


def greedy_plan(problem: Problem, *, legs: Legs | None = None) -> Plan:
    """The supervisor's plan for the day (not checked here: the checker is the caller's).

    ``legs`` saves asking the travel model again when the caller has them (the optimiser's
    warm start); they must cover every place of the problem."""
    began = time.perf_counter()
    legs = legs if legs is not None else Legs.of(problem)
    jobs = {job.id: job for job in problem.jobs}
    tours = {tech.id: _first_tour(tech=tech, jobs=jobs, legs=legs) for tech in problem.technicians}
    locked = {job_id for tech in problem.technicians for job_id in tech.locked}
    unassigned: list[Unassigned] = []
    for job in sorted((j for j in problem.jobs if j.id not in locked), key=_urgency):
        certified = [tours[tech.id] for tech in problem.technicians if tech.can_do(job)]
        if not certified:
            unassigned.append(Unassigned(job.id, Reason.NO_QUALIFIED_TECHNICIAN, f"nobody holds {job.skill}"))
            continue
        best = _soonest(job=job, tours=certified, legs=legs)
        if best is None:
            if any(_fits_empty_shift(job=job, tech=tour.tech, legs=legs) for tour in certified):
                unassigned.append(
                    Unassigned(job.id, Reason.NO_ROOM, "no certified technician is free in time")
                )
            else:
                detail = "no certified technician's shift fits its window"
                unassigned.append(Unassigned(job.id, Reason.OUTSIDE_SHIFTS, detail))
            continue
        best.tour.jobs.append(job)
        best.tour.lunch_after = best.lunch_after
        best.tour.route = best.route
    return Plan(
        routes=tuple(tours[tech.id].route for tech in problem.technicians),
        unassigned=tuple(unassigned),
        solver="greedy",
        seconds=time.perf_counter() - began,
    )


def _urgency(job: Job) -> tuple[float, int, str]:
    if job.window is not None and math.isfinite(job.window.start):
        when = job.window.start
    else:
        when = job.due if job.due is not None else math.inf
    return when, -job.priority, job.id


def _first_tour(*, tech: Technician, jobs: dict[str, Job], legs: Legs) -> _Tour:
    """The technician's locked jobs, with lunch in the latest gap that keeps the route valid."""
    head = [jobs[job_id] for job_id in tech.locked]
    first_gap = 1 if head and head[0].started_at is not None else 0
    for gap in range(len(head), first_gap - 1, -1):
        route = schedule_route(tech=tech, jobs=head, legs=legs, lunch_after=gap)
        if _valid(route=route, tech=tech, jobs=head):
            return _Tour(tech=tech, jobs=head, lunch_after=gap, route=route)
    route = schedule_route(tech=tech, jobs=head, legs=legs, lunch_after=len(head))  # the checker will say why
    return _Tour(tech=tech, jobs=head, lunch_after=len(head), route=route)


@dataclass(frozen=True, slots=True)
class _Offer:
    """``tour`` can take the job at the end: it starts at ``start`` after a ``drive``."""

    start: float
    drive: float
    tour: _Tour
    lunch_after: int
    route: Route

    def beats(self, other: _Offer | None) -> bool:
        if other is None or self.start < other.start - EPSILON:
            return True
        return self.start <= other.start + EPSILON and self.drive < other.drive - EPSILON


def _soonest(*, job: Job, tours: list[_Tour], legs: Legs) -> _Offer | None:
    """The technician who can start ``job`` soonest after his jobs so far (shorter drive on a tie).

    Tours are tried in order of a bound on the start (the drive from where the technician is,
    lunch not counted); the search stops once the bound is later than the best start found."""
    bounds = []
    for tour in tours:
        drive = legs.time(tour.place(), job.place)
        bound = tour.free_at + drive
        if job.window is not None:
            bound = max(bound, job.window.start)
        bounds.append((bound, drive, tour.tech.id, tour))
    bounds.sort(key=lambda b: b[:3])
    best: _Offer | None = None
    for bound, drive, _, tour in bounds:
        if best is not None and bound > best.start + EPSILON:
            break
        candidate = [*tour.jobs, job]
        gaps = [tour.lunch_after] if tour.lunch_after < len(tour.jobs) else [len(tour.jobs), len(candidate)]
        for gap in gaps:
            if gap == 0 and candidate[0].started_at is not None:
                continue  # lunch cannot come before a job already under way
            route = schedule_route(tech=tour.tech, jobs=candidate, legs=legs, lunch_after=gap)
            if _valid(route=route, tech=tour.tech, jobs=candidate):
                offer = _Offer(
                    start=route.visits[-1].start, drive=drive, tour=tour, lunch_after=gap, route=route
                )
                if offer.beats(best):
                    best = offer
    return best


def _valid(*, route: Route, tech: Technician, jobs: list[Job]) -> bool:
    """Windows, shift end and lunch hold (the checker's hard rules the timing can break)."""
    if route.return_at > tech.shift.end + EPSILON:
        return False
    for visit, job in zip(route.visits, jobs, strict=True):
        if job.window is not None and visit.start > job.window.end + EPSILON:
            return False
    rule = tech.lunch
    if rule is None or not route.visits:
        return True
    if route.lunch is None:
        return not (route.departure < rule.window.end and route.return_at > rule.window.start)
    return route.lunch.start >= rule.window.start - EPSILON and route.lunch.end <= rule.window.end + EPSILON


def _fits_empty_shift(*, job: Job, tech: Technician, legs: Legs) -> bool:
    window = job.window or Window(-math.inf, math.inf)
    start = max(tech.shift.start + legs.time(tech.start, job.place), window.start)
    back = start + job.duration + legs.time(job.place, tech.end_place)
    return start <= window.end + EPSILON and back <= tech.shift.end + EPSILON
