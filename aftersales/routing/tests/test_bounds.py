"""The lower bound on lateness that bench/dispatch_days.py judges plans by."""

from __future__ import annotations

from aftersales.routing.bounds import unavoidable_lateness, unavoidable_weighted_minutes
from aftersales.routing.daygen import generate_day
from aftersales.routing.greedy import greedy_plan
from aftersales.routing.model import Break, Job, Place, Problem, Technician, Window, weighted_late_minutes
from aftersales.routing.solver import solve
from aftersales.routing.travel import EuclideanTravel

NOON = Break(window=Window(720, 780), duration=60)
SHIFT = Window(510, 1050)


def _problem(*jobs: Job, lunch: Break | None = NOON) -> Problem:
    tech = Technician(id="ann", start=Place(0, 0), shift=SHIFT, skills=frozenset({"cnc"}), lunch=lunch)
    return Problem(technicians=(tech,), jobs=jobs, travel=EuclideanTravel())


def test_a_job_that_cannot_be_reached_by_its_due_is_late_by_the_drive():
    job = Job(id="far", place=Place(60, 0), duration=30, due=540)  # 60 min away, due 09:00
    assert unavoidable_lateness(_problem(job)) == {"far": 510 + 60 - 540}


def test_a_long_job_cannot_run_across_lunch():
    """A 3-hour job with a 10:00–12:00 appointment starts at 13:00 at the earliest."""
    job = Job(id="long", place=Place(0, 0), duration=180, window=Window(600, 1050), due=720, priority=2)
    problem = _problem(job)
    assert unavoidable_lateness(problem) == {"long": 60}
    assert unavoidable_weighted_minutes(problem) == 120
    plan = solve(problem=problem, time_limit=0.2)
    assert weighted_late_minutes(plan=plan, jobs=problem.jobs) == 120  # the bound is reached
    assert unavoidable_lateness(_problem(job, lunch=None)) == {}


def test_jobs_that_fit_and_jobs_nobody_can_do_are_not_in_it():
    fits = Job(id="fits", place=Place(10, 0), duration=60, due=600)
    nobody = Job(id="nobody", place=Place(10, 0), duration=60, due=400, skill="gas")
    assert unavoidable_lateness(_problem(fits, nobody)) == {}


def test_no_plan_beats_the_bound_on_a_generated_day():
    problem = generate_day(seed=3, technicians=10, jobs=60)
    bound = unavoidable_lateness(problem)
    for plan in (greedy_plan(problem), solve(problem=problem, time_limit=0.5)):
        for route in plan.routes:
            for visit in route.visits:
                assert visit.late >= bound.get(visit.job_id, 0.0) - 1e-6
