"""The supervisor's greedy dispatch: checked plans, certified technicians, lunch and locks kept.

The hand-made world is a straight road, travel one unit a minute; times are minutes since
midnight, shifts 08:30–17:30 and lunch 12:00–13:00 as on the generated days.
"""

from __future__ import annotations

import pytest

from aftersales.routing.checker import check_plan
from aftersales.routing.daygen import LUNCH, SHIFT, generate_day
from aftersales.routing.greedy import greedy_plan
from aftersales.routing.model import Job, Place, Plan, Problem, Reason, Technician, Window
from aftersales.routing.travel import EuclideanTravel

HOME = Place(0, 0)


def _tech(
    tech_id: str, *, at: float = 0, skills: tuple[str, ...] = ("cnc",), locked: tuple[str, ...] = ()
) -> Technician:
    return Technician(
        id=tech_id, start=Place(at, 0), shift=SHIFT, skills=frozenset(skills), lunch=LUNCH, locked=locked
    )


def _problem(technicians: tuple[Technician, ...], jobs: tuple[Job, ...]) -> Problem:
    return Problem(technicians=technicians, jobs=jobs, travel=EuclideanTravel())


@pytest.fixture(scope="module", params=[(0, 10, 60), (1, 30, 180)], ids=["10x60", "30x180"])
def day(request: pytest.FixtureRequest) -> tuple[Problem, Plan]:
    seed, technicians, jobs = request.param
    problem = generate_day(seed=seed, technicians=technicians, jobs=jobs)
    return problem, greedy_plan(problem)


def test_its_plan_of_a_generated_day_passes_the_checker(day: tuple[Problem, Plan]) -> None:
    problem, plan = day
    assert check_plan(problem=problem, plan=plan) == []
    served = sum(len(route.visits) for route in plan.routes)
    assert served + len(plan.unassigned) == len(problem.jobs)
    assert served >= 0.75 * len(problem.jobs)


def test_it_gives_jobs_only_to_certified_technicians(day: tuple[Problem, Plan]) -> None:
    problem, plan = day
    for route in plan.routes:
        tech = problem.technician(route.technician_id)
        assert all(problem.job(visit.job_id).skill in tech.skills for visit in route.visits)


def test_everyone_working_across_noon_has_lunch_from_12_to_13(day: tuple[Problem, Plan]) -> None:
    _, plan = day
    for route in plan.routes:
        if route.visits and route.departure < 780 and route.return_at > 720:
            assert route.lunch is not None and (route.lunch.start, route.lunch.end) == (720, 780)
        assert not any(visit.start < 780 and visit.end > 720 for visit in route.visits)


def test_locked_jobs_head_their_routes_and_started_ones_keep_their_time(day: tuple[Problem, Plan]) -> None:
    problem, plan = day
    locked = [t for t in problem.technicians if t.locked]
    assert locked
    for tech in locked:
        route = plan.route_of(tech.id)
        assert route is not None and route.job_ids[: len(tech.locked)] == tech.locked
        first = problem.job(tech.locked[0])
        if first.started_at is not None:
            assert route.visits[0].start == first.started_at


def test_it_sends_the_certified_technician_who_can_start_soonest() -> None:
    technicians = (_tech("far", at=100), _tech("near", at=20), _tech("nearest", at=5, skills=("chiller",)))
    plan = greedy_plan(_problem(technicians, (Job("j", Place(10, 0), 30, skill="cnc", due=600),)))
    near = plan.route_of("near")
    assert near is not None and near.job_ids == ("j",)
    assert near.visits[0].start == SHIFT.start + 10


def test_it_takes_jobs_in_order_of_urgency() -> None:
    jobs = (
        Job("later", Place(10, 0), 60, skill="cnc", due=900),
        Job("booked", Place(10, 0), 60, skill="cnc", window=Window(540, SHIFT.end), due=660),
        Job("urgent", Place(10, 0), 60, skill="cnc", due=900, priority=3),
    )
    plan = greedy_plan(_problem((_tech("ann"),), jobs))
    route = plan.route_of("ann")
    assert route is not None and route.job_ids == ("booked", "urgent", "later")


def test_it_waits_for_lunch_rather_than_work_through_it() -> None:
    jobs = (
        Job("morning", Place(10, 0), 180, skill="cnc", due=600),
        Job("noon", Place(10, 0), 60, skill="cnc", due=700),
    )
    plan = greedy_plan(_problem((_tech("ann"),), jobs))
    route = plan.route_of("ann")
    assert route is not None and route.lunch is not None
    assert route.lunch.start == 720 and route.visits[1].start == 780
    assert check_plan(problem=_problem((_tech("ann"),), jobs), plan=plan) == []


def test_it_leaves_out_what_nobody_can_do_today_with_the_reason() -> None:
    technicians = (_tech("ann", locked=("promised",)),)
    jobs = (
        Job("promised", Place(30, 0), 180, skill="cnc", due=600, started_at=500),
        Job("uncertified", Place(10, 0), 30, skill="automation", due=600),
        Job("too_late", Place(10, 0), 30, skill="cnc", window=Window(1100, 1200), due=1200),
        Job("no_room", Place(10, 0), 300, skill="cnc", due=600),
    )
    problem = _problem(technicians, jobs)
    plan = greedy_plan(problem)
    reasons = {item.job_id: item.reason for item in plan.unassigned}
    assert reasons == {
        "uncertified": Reason.NO_QUALIFIED_TECHNICIAN,
        "too_late": Reason.OUTSIDE_SHIFTS,
        "no_room": Reason.NO_ROOM,
    }
    assert check_plan(problem=problem, plan=plan) == []
