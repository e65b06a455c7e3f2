"""Lateness no plan can avoid: a lower bound per job, to judge plans fairly.

A job is late in every plan that serves it when even the best placement starts it after its
due: the nearest qualified technician driving straight there at the start of his shift, the
appointment's opening, and lunch. Lunch matters because a job is never interrupted and lunch is
a hard break inside its window: a job that would run across the lunch window and cannot end by
the latest lunch start must wait until lunch is over (a 3-hour job with a 10:00–12:00
appointment starts at 13:00 at the earliest when lunch is 12:00–13:00).

Used by ``bench/dispatch_days.py`` so that "fewer late minutes than greedy" is asked only of the
lateness a plan can do something about.
"""

from __future__ import annotations

from collections.abc import Mapping

from aftersales.routing.model import EPSILON, Job, Problem, Technician
from aftersales.routing.solver import Legs


def unavoidable_lateness(problem: Problem, *, legs: Legs | None = None) -> dict[str, float]:
    """Job id → minutes (unweighted) by which it is late in any plan that serves it.

    Jobs without a due, or that nobody qualified can do, are not in the answer. A locked job is
    bounded with its own technician only; a started job by its start."""
    legs = legs if legs is not None else Legs.of(problem)
    owner: Mapping[str, Technician] = {job_id: t for t in problem.technicians for job_id in t.locked}
    late: dict[str, float] = {}
    for job in problem.jobs:
        if job.due is None:
            continue
        if job.started_at is not None:
            earliest = job.started_at
        else:
            technicians = (
                [owner[job.id]] if job.id in owner else [t for t in problem.technicians if t.can_do(job)]
            )
            if not technicians:
                continue
            earliest = min(_earliest_start(job=job, tech=tech, legs=legs) for tech in technicians)
        if earliest > job.due + EPSILON:
            late[job.id] = earliest - job.due
    return late


def unavoidable_weighted_minutes(problem: Problem, *, legs: Legs | None = None) -> float:
    """The sum of :func:`unavoidable_lateness` weighted by each job's priority."""
    jobs = {job.id: job for job in problem.jobs}
    return sum(
        minutes * jobs[job_id].priority
        for job_id, minutes in unavoidable_lateness(problem, legs=legs).items()
    )


def _earliest_start(*, job: Job, tech: Technician, legs: Legs) -> float:
    start = tech.shift.start + legs.time(tech.start, job.place)
    if job.window is not None:
        start = max(start, job.window.start)
    lunch = tech.lunch
    if lunch is None or tech.shift.start > lunch.latest_start or lunch.window.start >= tech.shift.end:
        return start  # no lunch due in this shift (the solver's rule)
    if start + job.duration > lunch.latest_start + EPSILON:
        # Not done before lunch must start, so it starts once lunch is over at the earliest.
        start = max(start, lunch.window.start + lunch.duration)
    return start
