"""Generated service days are repeatable and look like a branch's real day."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from aftersales.routing import daygen
from aftersales.routing.daygen import LUNCH, PRODUCT_LINES, SHIFT, generate_day
from aftersales.routing.model import Problem, Window
from aftersales.routing.solver import Legs
from aftersales.routing.travel import StraightLineTravel


@pytest.fixture(scope="module")
def day() -> Problem:
    return generate_day(seed=7, technicians=30, jobs=180)


def test_the_same_seed_gives_the_same_day() -> None:
    assert generate_day(seed=3, technicians=10, jobs=60) == generate_day(seed=3, technicians=10, jobs=60)
    assert generate_day(seed=3, technicians=10, jobs=60) != generate_day(seed=4, technicians=10, jobs=60)


def test_it_has_the_sizes_asked_for_with_unique_ids(day: Problem) -> None:
    assert len(day.technicians) == 30
    assert len(day.jobs) == 180
    assert len({t.id for t in day.technicians}) == 30
    assert len({j.id for j in day.jobs}) == 180


def test_every_technician_works_0830_to_1730_with_lunch_at_noon(day: Problem) -> None:
    for tech in day.technicians:
        assert tech.shift == SHIFT == Window(510, 1050)
        assert tech.lunch == LUNCH
        assert (LUNCH.window.start, LUNCH.window.end, LUNCH.duration) == (720, 780, 60)


def test_skills_are_mixed_and_every_line_is_covered_by_several(day: Problem) -> None:
    assert {len(t.skills) for t in day.technicians} <= {1, 2, 3}
    assert len({len(t.skills) for t in day.technicians}) > 1
    holders = Counter(line for t in day.technicians for line in t.skills)
    assert set(holders) == set(PRODUCT_LINES)
    assert min(holders.values()) >= 3
    assert {j.skill for j in day.jobs} == set(PRODUCT_LINES)


def test_appointments_are_two_hour_windows_inside_the_shift(day: Problem) -> None:
    booked = [j for j in day.jobs if j.window is not None]
    assert 0.2 <= len(booked) / len(day.jobs) <= 0.4
    for job in booked:
        assert job.window is not None and job.due is not None
        assert SHIFT.start <= job.window.start and job.window.start + job.duration <= SHIFT.end
        assert job.due == job.window.start + 120


def test_slas_are_due_today_some_early_and_suburbs_get_longer(day: Problem) -> None:
    sla = [j for j in day.jobs if j.window is None]
    dues = [j.due for j in sla if j.due is not None]
    assert len(dues) == len(sla)
    assert min(dues) >= 540 and max(dues) <= 930  # 09:00 at the earliest, 15:30 at the latest
    assert sum(due <= 720 for due in dues) >= len(dues) / 5  # many are due by noon
    assert max(j.due or 0 for j in sla if j.place.zone == "urban") <= 870  # 08:30 + 6 h
    assert daygen._add_working_minutes(1020 - 1440, 360) == 840  # yesterday 17:00 + 6 h → 14:00


def test_jobs_last_30_to_180_minutes_with_priorities_1_to_3(day: Problem) -> None:
    assert all(30 <= j.duration <= 180 for j in day.jobs)
    assert {j.priority for j in day.jobs} == {1, 2, 3}
    assert 40 <= sum(j.duration for j in day.jobs) / len(day.jobs) <= 70


def test_the_city_has_an_urban_core_and_a_suburban_ring_about_40_km_across(day: Problem) -> None:
    places = [j.place for j in day.jobs] + [t.start for t in day.technicians]
    assert {p.zone for p in places} == {"urban", "suburban"}
    assert isinstance(day.travel, StraightLineTravel)
    widest_km = Legs.of(day).matrix.distance.max() / day.travel.road_factor
    assert 25 <= widest_km <= 41
    assert day.travel.speed_of("urban") < day.travel.speed_of("suburban")


def test_a_few_jobs_are_under_way_or_promised_to_their_technician(day: Problem) -> None:
    locked = [(t, day.job(job_id)) for t in day.technicians for job_id in t.locked]
    assert 2 <= len(locked) <= 6
    assert any(job.started_at is not None for _, job in locked)
    for tech, job in locked:
        assert tech.can_do(job)
        assert job.window is None
        if job.started_at is not None:
            assert tech.locked[0] == job.id and job.started_at <= SHIFT.start
    started = [j for j in day.jobs if j.started_at is not None]
    assert all(any(t.locked[:1] == (j.id,) for t in day.technicians) for j in started)


@pytest.mark.parametrize(("technicians", "jobs"), [(10, 60), (50, 300)])
def test_the_load_is_about_six_jobs_and_a_full_day_per_technician(technicians: int, jobs: int) -> None:
    problem = generate_day(seed=1, technicians=technicians, jobs=jobs)
    work_per_technician = sum(j.duration for j in problem.jobs) / technicians
    assert 5 <= len(problem.jobs) / technicians <= 7
    assert 240 <= work_per_technician <= 400  # of 480 working minutes, before travel
    assert math.isclose(len(problem.jobs) / technicians, 6)
