"""Realistic service days for the dispatch benchmark, from a seed.

A city about 40 km across: an urban core (radius :data:`URBAN_RADIUS_KM`, slow streets) with the
branch in it, and a suburban ring out to :data:`CITY_RADIUS_KM` (faster roads, longer distances)
where industrial parks gather many of the customers. Travel is
:class:`~aftersales.routing.travel.StraightLineTravel` with the zone on each place.

Times are minutes since today's midnight. Every technician works 08:30–17:30 with lunch
12:00–13:00, starting and ending at home or at the branch, certified for one to three of the four
product lines. Jobs:

- a product line (CNC machines, compressors, chillers, automation) and a fault (maintenance, minor
  or major repair, commissioning) that together give the duration, 30–180 minutes;
- an SLA due time 6 working hours (urban) or 7 working hours (suburban) after the call; the calls
  came in yesterday from noon on, in the evening or early this morning (working hours 08:30–17:30,
  yesterday a working day), so the earliest are due at 09:00 today;
- about 30 % have a two-hour appointment agreed with the customer (service may not start before
  it; its end is the due);
- priority 1, 2 or 3 (urgent);
- a few are already under way (started before the plan is made at 08:30) or promised to one
  technician as his first visit (locked).

The caller chooses the load (the benchmark gives six jobs per technician); six jobs are then
about 4½ hours of work, which leaves the rest of the 8 working hours for travel. Lunch is the
fixed hour 12:00–13:00, so nobody works through noon.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

from aftersales.routing.model import Break, Job, Place, Problem, Technician, Window
from aftersales.routing.travel import StraightLineTravel

CENTRE = (121.47, 31.23)
"""Longitude and latitude of the city centre."""
URBAN_RADIUS_KM = 6.0
CITY_RADIUS_KM = 20.0
BRANCH_OFFSET_KM = (2.0, 1.0)
"""Where the branch is, east and north of the centre."""
PARKS = 6
"""Industrial parks in the suburban ring."""

SHIFT = Window(510.0, 1050.0)
LUNCH = Break(window=Window(720.0, 780.0), duration=60.0)
DAY_OPENS, DAY_CLOSES = 510.0, 1050.0
"""Working hours for the SLA clocks, every day."""
MINUTES_PER_DAY = 1440.0

PRODUCT_LINES: dict[str, float] = {"cnc": 0.35, "compressor": 0.30, "chiller": 0.20, "automation": 0.15}
"""Product line → share of the jobs."""
LINE_FACTOR = {"cnc": 1.1, "compressor": 0.9, "chiller": 1.0, "automation": 1.2}
FAULTS: dict[str, tuple[float, tuple[float, float]]] = {
    "maintenance": (0.55, (30.0, 35.0)),
    "minor_repair": (0.32, (30.0, 45.0)),
    "major_repair": (0.10, (60.0, 120.0)),
    "commissioning": (0.03, (120.0, 180.0)),
}
"""Fault → (share, duration range in minutes before the product line's factor)."""
MIN_DURATION, MAX_DURATION = 30.0, 180.0

SLA_HOURS = {"urban": 6.0, "suburban": 7.0}
APPOINTMENT_SHARE = 0.30
APPOINTMENT_SLOTS = (540.0, 600.0, 780.0, 840.0, 900.0)
"""Starts of the two-hour appointment windows offered: 09–11, 10–12, 13–15, 14–16, 15–17."""
APPOINTMENT_HOURS = 2.0
PRIORITIES = {1: 0.6, 2: 0.3, 3: 0.1}
URBAN_JOB_SHARE = 0.6
PARK_SHARE = 0.8
"""Share of the suburban jobs that are in an industrial park."""
FROM_BRANCH_SHARE = 0.5
SKILL_COUNTS = {1: 0.3, 2: 0.45, 3: 0.25}
STARTED_SHARE = 0.08
LOCKED_SHARE = 0.05

KM_PER_DEGREE_LAT = 110.57
KM_PER_DEGREE_LON_AT_EQUATOR = 111.32


def generate_day(*, seed: int, technicians: int, jobs: int) -> Problem:
    """One service day: the same seed and sizes give the same problem."""
    if technicians < 1 or jobs < 1:
        raise ValueError("a day needs at least one technician and one job")
    rng = random.Random(f"daygen:{seed}:{technicians}:{jobs}")
    city = _City(rng)
    starts = [_home(rng=rng, city=city) for _ in range(technicians)]
    skills = _certifications(rng=rng, technicians=technicians)
    day_jobs: list[Job] = []
    locked: dict[int, tuple[str, ...]] = {}
    for index, started in _promised(rng=rng, technicians=technicians, jobs=jobs):
        line = rng.choice(sorted(skills[index]))
        job = _job(rng=rng, city=city, number=len(day_jobs) + 1, line=line, bookable=False)
        if started:
            job = replace(job, started_at=float(rng.randrange(480, 515, 5)))
        day_jobs.append(job)
        locked[index] = (job.id,)
    while len(day_jobs) < jobs:
        line = _pick(rng, PRODUCT_LINES)
        day_jobs.append(_job(rng=rng, city=city, number=len(day_jobs) + 1, line=line, bookable=True))
    width = len(str(technicians))
    return Problem(
        technicians=tuple(
            Technician(
                id=f"T{i + 1:0{width}d}",
                start=starts[i],
                shift=SHIFT,
                skills=skills[i],
                lunch=LUNCH,
                locked=locked.get(i, ()),
            )
            for i in range(technicians)
        ),
        jobs=tuple(day_jobs),
        travel=StraightLineTravel(),
        name=f"day {seed}: {technicians} technicians × {jobs} jobs",
    )


class _City:
    """Where the branch, the homes and the customers are."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.branch = self.place(*BRANCH_OFFSET_KM)
        self.parks = [
            _polar(
                radius=rng.uniform(URBAN_RADIUS_KM + 3.0, CITY_RADIUS_KM - 2.0),
                angle=rng.uniform(0, 2 * math.pi),
            )
            for _ in range(PARKS)
        ]

    def place(self, east_km: float, north_km: float) -> Place:
        zone = "urban" if math.hypot(east_km, north_km) <= URBAN_RADIUS_KM else "suburban"
        lon = CENTRE[0] + east_km / (KM_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(CENTRE[1])))
        lat = CENTRE[1] + north_km / KM_PER_DEGREE_LAT
        return Place(x=round(lon, 6), y=round(lat, 6), zone=zone)

    def urban(self) -> Place:
        radius = URBAN_RADIUS_KM * math.sqrt(self.rng.random())
        return self.place(*_polar(radius=radius, angle=self.rng.uniform(0, 2 * math.pi)))

    def suburban(self) -> Place:
        if self.rng.random() < PARK_SHARE:
            east, north = self.rng.choice(self.parks)
            for _ in range(20):
                point = (east + self.rng.gauss(0, 1.5), north + self.rng.gauss(0, 1.5))
                if URBAN_RADIUS_KM < math.hypot(*point) <= CITY_RADIUS_KM:
                    return self.place(*point)
        inner, outer = URBAN_RADIUS_KM**2, CITY_RADIUS_KM**2
        radius = math.sqrt(self.rng.uniform(inner, outer))
        return self.place(*_polar(radius=radius, angle=self.rng.uniform(0, 2 * math.pi)))


def _polar(*, radius: float, angle: float) -> tuple[float, float]:
    return radius * math.cos(angle), radius * math.sin(angle)


def _pick[K](rng: random.Random, shares: dict[K, float]) -> K:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _home(*, rng: random.Random, city: _City) -> Place:
    """Where a technician starts and ends the day: the branch, or home (in town or out)."""
    if rng.random() < FROM_BRANCH_SHARE:
        return city.branch
    return city.urban() if rng.random() < 0.35 else city.suburban()


def _certifications(*, rng: random.Random, technicians: int) -> list[frozenset[str]]:
    """One to three product lines each; then more certified until every line has several
    holders (in proportion to its share of the jobs)."""
    skills: list[set[str]] = []
    for _ in range(technicians):
        wanted = _pick(rng, SKILL_COUNTS)
        held: set[str] = set()
        while len(held) < wanted:
            held.add(_pick(rng, PRODUCT_LINES))
        skills.append(held)
    for line, share in PRODUCT_LINES.items():
        needed = min(technicians, max(3, math.ceil(share * technicians * 1.2)))
        while sum(line in held for held in skills) < needed:
            lacking = [held for held in skills if line not in held]
            rng.choice([held for held in lacking if len(held) < 3] or lacking).add(line)
    return [frozenset(held) for held in skills]


def _promised(*, rng: random.Random, technicians: int, jobs: int) -> list[tuple[int, bool]]:
    """(technician index, started?) for the jobs already under way or promised this morning."""
    started = max(1, round(STARTED_SHARE * technicians))
    locked = max(1, round(LOCKED_SHARE * technicians))
    chosen = rng.sample(range(technicians), min(technicians, started + locked, jobs))
    return [(index, n < started) for n, index in enumerate(chosen)]


def _job(*, rng: random.Random, city: _City, number: int, line: str, bookable: bool) -> Job:
    urban = rng.random() < URBAN_JOB_SHARE
    place = city.urban() if urban else city.suburban()
    fault = _pick(rng, {name: share for name, (share, _) in FAULTS.items()})
    low, high = FAULTS[fault][1]
    duration = rng.uniform(low, high) * LINE_FACTOR[line]
    duration = min(MAX_DURATION, max(MIN_DURATION, 5.0 * round(duration / 5.0)))
    called = _call_time(rng)
    due = _add_working_minutes(called, SLA_HOURS[place.zone] * 60.0)
    window = None
    slots = [s for s in APPOINTMENT_SLOTS if s + duration <= SHIFT.end - 30.0]
    if bookable and slots and rng.random() < APPOINTMENT_SHARE:
        slot = rng.choice(slots)
        window = Window(slot, SHIFT.end)
        due = slot + APPOINTMENT_HOURS * 60.0
    return Job(
        id=f"J{number:03d}",
        place=place,
        duration=duration,
        skill=line,
        window=window,
        due=due,
        priority=_pick(rng, PRIORITIES),
    )


def _call_time(rng: random.Random) -> float:
    """When the customer called, in minutes since today's midnight (negative: yesterday)."""
    draw = rng.random()
    if draw < 0.6:
        return rng.uniform(720.0, DAY_CLOSES) - MINUTES_PER_DAY
    if draw < 0.7:
        return rng.uniform(DAY_CLOSES, 1320.0) - MINUTES_PER_DAY
    return rng.uniform(360.0, DAY_OPENS)


def _add_working_minutes(at: float, minutes: float) -> float:
    """``at`` plus ``minutes`` of working time (08:30–17:30 every day)."""
    day = math.floor(at / MINUTES_PER_DAY)
    now = at
    while True:
        opens, closes = day * MINUTES_PER_DAY + DAY_OPENS, day * MINUTES_PER_DAY + DAY_CLOSES
        now = max(now, opens)
        if now < closes:
            if now + minutes <= closes:
                return now + minutes
            minutes -= closes - now
        day += 1
