"""The dispatch optimiser's model: plain typed data, no Django.

Times are plain numbers on one clock chosen by the caller: minutes since the plan day's
midnight in the branch's time zone for the product, Solomon's time units for the benchmark.
Travel times come from a :class:`~aftersales.routing.travel.TravelModel` in the same unit.

Time rules the solvers and the checker share:

- ``Job.window`` is hard: service may not start before ``window.start`` (the technician
  waits) nor after ``window.end``. An agreed appointment is ``window=Window(start, end_of_day)``
  with ``due=end of the agreed window``: early is impossible, late is allowed but costs.
- ``Job.due`` is soft: every minute service starts after it counts as a late minute,
  weighted by ``Job.priority``.
- ``Technician.shift`` is hard: leave the start place no earlier than ``shift.start``, be back
  at the end place no later than ``shift.end``.
- ``Technician.lunch`` is hard: a break of ``duration`` lying inside ``lunch.window``, taken
  between two jobs (or between leaving and the first job, or the last job and coming back) in
  the gap that holds the travel; it is only due when the route works across the window.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aftersales.routing.travel import TravelModel

EPSILON = 1e-6
"""Tolerance for comparing times and distances computed in floating point."""


@dataclass(frozen=True, slots=True)
class Place:
    """A point: longitude (x) and latitude (y) in degrees for straight-line travel, plain
    coordinates for the Euclidean benchmarks. ``zone`` picks the zone's travel speed."""

    x: float
    y: float
    zone: str = ""


@dataclass(frozen=True, slots=True)
class Window:
    start: float
    end: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True, slots=True)
class Break:
    """A break of ``duration`` to be taken entirely inside ``window`` (e.g. 12:00–13:30)."""

    window: Window
    duration: float

    @property
    def latest_start(self) -> float:
        return self.window.end - self.duration


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    place: Place
    duration: float
    skill: str | None = None
    """The skill or certification the technician must hold (a product line), if any."""
    window: Window | None = None
    """Hard: service starts within it (an appointment's start; a Solomon time window)."""
    due: float | None = None
    """Soft: service should start by then (the SLA clock's due_at, an appointment's end)."""
    priority: int = 1
    """Weight of this job's late minutes and of leaving it out."""
    demand: int = 0
    """Load taken from the technician's capacity (the Solomon benchmarks; 0 in the product)."""
    started_at: float | None = None
    """Set when the technician is on site already: the job is the first of its technician's
    locked jobs and starts at this time."""


@dataclass(frozen=True, slots=True)
class Technician:
    id: str
    start: Place
    shift: Window
    end: Place | None = None
    """Where the day ends; the start place when None."""
    skills: frozenset[str] = frozenset()
    lunch: Break | None = None
    locked: tuple[str, ...] = ()
    """Ids of jobs fixed at the head of this technician's route, in this order."""
    capacity: int | None = None

    @property
    def end_place(self) -> Place:
        return self.end if self.end is not None else self.start

    def can_do(self, job: Job) -> bool:
        return job.skill is None or job.skill in self.skills


@dataclass(frozen=True, slots=True)
class Problem:
    technicians: tuple[Technician, ...]
    jobs: tuple[Job, ...]
    travel: TravelModel
    name: str = ""

    def job(self, job_id: str) -> Job:
        return self._jobs_by_id()[job_id]

    def technician(self, technician_id: str) -> Technician:
        return next(t for t in self.technicians if t.id == technician_id)

    def _jobs_by_id(self) -> dict[str, Job]:
        return {job.id: job for job in self.jobs}


@dataclass(frozen=True, slots=True)
class Objective:
    """What the solvers minimise, in travel units (a minute of travel time, or a distance unit).

    The defaults rank late minutes far above travel and leaving a job out above any lateness
    a day can hold (late first, then travel). ``vehicle_cost`` > 0 gives every technician who
    goes out a fixed cost: the classic benchmark objective (vehicles first, then distance).
    """

    late_weight: float = 1_000.0
    """Cost of one late minute of a priority-1 job."""
    unassigned_penalty: float = 1_000_000.0
    """Cost of leaving a priority-1 job out."""
    vehicle_cost: float = 0.0
    travel: str = "time"
    """"time" minimises travel time, "distance" the distance travelled."""
    allow_unassigned: bool = True
    """False: every job must be served (the benchmarks)."""

    def __post_init__(self) -> None:
        if self.travel not in ("time", "distance"):
            raise ValueError(f"travel must be 'time' or 'distance', not {self.travel!r}")


CLASSIC_VEHICLE_COST = 100_000.0
"""Fixed cost per vehicle that makes one vehicle dearer than any Solomon route's distance."""


class Reason(enum.StrEnum):
    """Why a job was left out of a plan."""

    NO_QUALIFIED_TECHNICIAN = "no_qualified_technician"
    OUTSIDE_SHIFTS = "outside_shifts"
    NO_ROOM = "no_room"
    """The solver found no place for it in today's routes within shifts and windows."""


@dataclass(frozen=True, slots=True)
class Visit:
    job_id: str
    arrival: float
    """When the technician is at the place and free to work (travel and any lunch done)."""
    start: float
    end: float
    late: float = 0.0
    """Minutes after the job's due at which service starts (unweighted)."""


@dataclass(frozen=True, slots=True)
class Lunch:
    start: float
    end: float
    after: int
    """How many of the route's visits come before it (0: before the first job)."""


@dataclass(frozen=True, slots=True)
class Route:
    technician_id: str
    departure: float
    return_at: float
    visits: tuple[Visit, ...]
    lunch: Lunch | None = None
    travel_time: float = 0.0
    distance: float = 0.0

    @property
    def job_ids(self) -> tuple[str, ...]:
        return tuple(visit.job_id for visit in self.visits)


@dataclass(frozen=True, slots=True)
class Unassigned:
    job_id: str
    reason: Reason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...] = ()
    solver: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def vehicles(self) -> int:
        """Technicians who leave their start place (have at least one job)."""
        return sum(1 for route in self.routes if route.visits)

    @property
    def travel_time(self) -> float:
        return sum(route.travel_time for route in self.routes)

    @property
    def distance(self) -> float:
        return sum(route.distance for route in self.routes)

    def route_of(self, technician_id: str) -> Route | None:
        return next((r for r in self.routes if r.technician_id == technician_id), None)


def weighted_late_minutes(*, plan: Plan, jobs: Sequence[Job]) -> float:
    """Late minutes of the plan, each multiplied by its job's priority."""
    priority = {job.id: job.priority for job in jobs}
    return sum(visit.late * priority[visit.job_id] for route in plan.routes for visit in route.visits)
