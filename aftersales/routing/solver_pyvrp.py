"""PyVRP (iterated local search, 0.14) as the routing library.

PyVRP works in integers and knows neither soft deadlines, breaks nor per-client allowed
vehicles; they are modelled like this:

- Times are scaled by :data:`SCALE` and rounded so that an answer feasible for PyVRP stays
  feasible in exact arithmetic: travel and service up, window openings up, window ends down.
- Skills: each distinct set of skills gets a routing profile in which every job the set may
  not do cannot be reached: its edges cost more than anything a solution can gain and take
  ten working days (not PyVRP's ``MAX_VALUE``: times the raised time-warp penalty, that
  overflows, and the local search then never ends).
- A job with a due that can be missed is a group of interchangeable copies, at most one of
  which is visited: "on time" (window ends at the due) and "up to 15, 30, 60, … minutes late",
  each costing the late minutes of its step, so PyVRP prefers the smallest lateness that fits.
  The plan's late minutes are recomputed exactly afterwards.
- A job that may be left out is optional with a prize (the unassigned penalty).
- Lunch: each technician with a lunch has a required group of break "clients" lasting the
  break, open over the lunch window, one at each place the technician may be (its start, its
  end, each job it may do), so the travel arithmetic stays exact. Only that technician can
  carry them: each has a load dimension of its own, filled by its lunch (:data:`LUNCH_LOAD`).
- Vehicles first (``Objective.vehicle_cost``): a fixed cost per vehicle; when every
  technician is alike and every job required (the benchmarks), PyVRP's ``minimise_fleet``
  first spends :data:`FLEET_SHARE` of the time looking for a smaller fleet.
"""

from __future__ import annotations

import math
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from pyvrp import Client, ClientGroup, Depot, Location, ProblemData, Solution, VehicleType
from pyvrp import solve as pyvrp_solve
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.PenaltyManager import PenaltyParams
from pyvrp.solve import SolveParams
from pyvrp.stop import FirstFeasible, MaxRuntime, MultipleCriteria

from aftersales.routing.model import Job, Technician
from aftersales.routing.solver import Assignment, SolverInput

SCALE = 1000
"""PyVRP's integer unit is a thousandth of the problem's time unit."""

LATE_STEPS = (0.0, 15.0, 30.0, 60.0, 120.0, 240.0, 480.0)
"""Lateness allowed by a job's copies, in the problem's time unit (minutes in the product)."""

FLEET_SHARE = 0.5

LUNCH_LOAD = 10_000
"""A lunch break's load in its technician's own dimension (capacity the same): large, so that
PyVRP's capped penalty per unit of excess load still outweighs serving a job more by making
another technician carry one's lunch."""

IntMatrix = npt.NDArray[np.int64]


@dataclass
class _Build:
    """PyVRP's data being assembled, with what each client stands for."""

    locations: list[Location] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    """Row of each PyVRP location in the travel matrix."""
    clients: list[Client] = field(default_factory=list)
    client_job: list[str | None] = field(default_factory=list)
    """Job id of each client; None for a lunch break."""
    groups: list[ClientGroup] = field(default_factory=list)
    depots: list[Depot] = field(default_factory=list)
    depot_of_row: dict[int, int] = field(default_factory=dict)
    job_location: dict[str, int] = field(default_factory=dict)

    def location(self, *, row: int, x: float, y: float) -> int:
        self.locations.append(Location(x=x, y=y))
        self.rows.append(row)
        return len(self.locations) - 1

    def add_client(self, client: Client, *, job_id: str | None) -> int:
        self.clients.append(client)
        self.client_job.append(job_id)
        return len(self.clients) - 1


@dataclass(frozen=True, slots=True)
class _Fleet:
    """Vehicle types and, for each, the technicians it stands for (in order)."""

    types: list[VehicleType]
    members: list[list[Technician]]


def solve_with_pyvrp(request: SolverInput) -> Assignment:
    began = time.perf_counter()
    build = _Build()
    for tech in request.technicians:
        for place in (tech.start, tech.end_place):
            row = request.legs.index[place]
            if row not in build.depot_of_row:
                build.depot_of_row[row] = len(build.depots)
                build.depots.append(Depot(location=build.location(row=row, x=place.x, y=place.y)))
    for job in request.jobs:
        row = request.legs.index[job.place]
        build.job_location[job.id] = build.location(row=row, x=job.place.x, y=job.place.y)
    lunch_dims = {t.id: i for i, t in enumerate(t for t in request.technicians if t.lunch is not None)}
    uses_load = any(j.demand for j in request.jobs) or any(
        t.capacity is not None for t in request.technicians
    )
    dims = int(uses_load) + len(lunch_dims)
    for job in request.jobs:
        _add_job(build=build, job=job, request=request, dims=dims)
    for tech in request.technicians:
        if tech.id in lunch_dims:
            _add_lunch(
                build=build, tech=tech, request=request, dim=int(uses_load) + lunch_dims[tech.id], dims=dims
            )
    profiles, profile_of = _profiles(build=build, request=request)
    fleet = _fleet(
        request=request,
        build=build,
        profile_of=profile_of,
        lunch_dims=lunch_dims,
        uses_load=uses_load,
        dims=dims,
    )
    data = ProblemData(
        locations=build.locations,
        clients=build.clients,
        depots=build.depots,
        vehicle_types=fleet.types,
        distance_matrices=[p[0] for p in profiles],  # type: ignore[misc]  # PyVRP's stub: ndarray[int]
        duration_matrices=[p[1] for p in profiles],  # type: ignore[misc]
        groups=build.groups,
    )
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their cap; whether the answer is feasible is
        # what counts, and the checker decides that.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        data, warm, notes = _smaller_fleet(data=data, request=request, began=began)
        remaining = max(request.time_limit - (time.perf_counter() - began), 0.1)
        params = SolveParams(penalty=_penalty_params(data))
        best = pyvrp_solve(
            data,
            stop=MaxRuntime(remaining),
            seed=request.seed,
            collect_stats=False,
            display=False,
            params=params,
            initial_solution=warm,
        ).best
    if not best.is_feasible() and warm is not None:
        best = warm
    if not best.is_feasible():
        notes += ("PyVRP found no feasible solution in the time given",)
    return _assignment(best=best, build=build, fleet=fleet, request=request, notes=notes)


def _penalty_params(data: ProblemData) -> PenaltyParams:
    """PyVRP's penalties for time warp and excess load are capped (100,000 per unit by
    default); a prize worth more than the penalty of a minute of time warp would keep the
    search among infeasible routes, so the cap is raised to match the largest prize."""
    default = PenaltyParams()
    prize = max((client.prize for client in data.clients()), default=0)
    return PenaltyParams(max_penalty=max(default.max_penalty, prize / SCALE))


def _up(value: float) -> int:
    return math.ceil(value * SCALE - 1e-6)


def _down(value: float) -> int:
    return math.floor(value * SCALE + 1e-6)


def _add_job(*, build: _Build, job: Job, request: SolverInput, dims: int) -> None:
    objective = request.objective
    location = build.job_location[job.id]
    early = _up(job.window.start) if job.window is not None else 0
    hard_end = job.window.end if job.window is not None else math.inf
    limits = _late_limits(job=job, request=request, hard_end=hard_end)
    drop = round(objective.unassigned_penalty * job.priority * SCALE)
    optional = objective.allow_unassigned or len(limits) > 1
    group = None
    if len(limits) > 1:
        group = len(build.groups)
        build.groups.append(ClientGroup(required=not objective.allow_unassigned))
    for limit, late_cost in limits:
        client = Client(
            location=location,
            delivery=[job.demand] + [0] * (dims - 1) if dims else [],
            service_duration=_up(job.duration),
            tw_early=early,
            tw_late=_down(limit) if math.isfinite(limit) else np.iinfo(np.int64).max,
            prize=max(drop - round(late_cost * SCALE), 1) if optional else 0,
            required=not optional,
            group=group,
        )
        index = build.add_client(client, job_id=job.id)
        if group is not None:
            build.groups[group].add_client(index)


def _late_limits(*, job: Job, request: SolverInput, hard_end: float) -> list[tuple[float, float]]:
    """(latest start, cost charged) for each copy of the job; one copy when it cannot be late."""
    technicians = {t.id: t for t in request.technicians}
    latest = min(hard_end, max(technicians[t].shift.end - job.duration for t in request.eligible[job.id]))
    if job.due is None or job.due >= latest:
        return [(hard_end, 0.0)]
    # No copy may close before the job can start at all, and the lateness no plan can avoid
    # is not charged: a job already overdue (due before the shifts begin, even before
    # midnight) would otherwise get an empty window, or cost more than leaving it out.
    earliest = min(technicians[t].shift.start for t in request.eligible[job.id])
    if job.window is not None:
        earliest = max(earliest, job.window.start)
    due = max(job.due, min(earliest, latest))
    weight = request.objective.late_weight * job.priority
    limits = []
    for step in LATE_STEPS:
        limit = due + step
        if limit >= latest:
            break
        if limit >= earliest:
            limits.append((limit, weight * max(step, earliest - due)))
    limits.append((hard_end, weight * (latest - due)))
    return limits


def _add_lunch(*, build: _Build, tech: Technician, request: SolverInput, dim: int, dims: int) -> None:
    lunch = tech.lunch
    assert lunch is not None
    group = len(build.groups)
    build.groups.append(ClientGroup(required=True))
    rows = {request.legs.index[tech.start], request.legs.index[tech.end_place]}
    places = [build.depots[build.depot_of_row[row]].location for row in sorted(rows)]
    places += [build.job_location[j.id] for j in request.jobs if tech.id in request.eligible[j.id]]
    delivery = [0] * dims
    delivery[dim] = LUNCH_LOAD
    for location in places:
        client = Client(
            location=location,
            delivery=delivery,
            service_duration=_up(lunch.duration),
            tw_early=_up(max(lunch.window.start, tech.shift.start)),
            tw_late=_down(lunch.latest_start),
            required=False,
            group=group,
        )
        build.groups[group].add_client(build.add_client(client, job_id=None))


def _profiles(
    *, build: _Build, request: SolverInput
) -> tuple[list[tuple[IntMatrix, IntMatrix]], dict[str, int]]:
    """(distance, duration) matrices per distinct skill set, and each technician's profile."""
    rows = np.array(build.rows)
    travel = request.legs.matrix.time if request.objective.travel == "time" else request.legs.matrix.distance
    distance = np.rint(travel[np.ix_(rows, rows)] * SCALE).astype(np.int64)
    duration = np.ceil(request.legs.matrix.time[np.ix_(rows, rows)] * SCALE - 1e-6).astype(np.int64)
    np.fill_diagonal(distance, 0)
    np.fill_diagonal(duration, 0)
    span = max(t.shift.end for t in request.technicians) - min(t.shift.start for t in request.technicians)
    barrier_duration = 10 * _up(span + 1)
    largest_prize = max((client.prize for client in build.clients), default=0)
    barrier_distance = 100 * (largest_prize + round(request.objective.vehicle_cost * SCALE)) + 10**9
    profiles: list[tuple[IntMatrix, IntMatrix]] = []
    by_skills: dict[frozenset[str], int] = {}
    profile_of: dict[str, int] = {}
    for tech in request.technicians:
        if tech.skills not in by_skills:
            barred = [build.job_location[j.id] for j in request.jobs if not tech.can_do(j)]
            dist, dur = distance.copy(), duration.copy()
            dist[:, barred] = barrier_distance
            dur[:, barred] = barrier_duration
            np.fill_diagonal(dist, 0)
            np.fill_diagonal(dur, 0)
            by_skills[tech.skills] = len(profiles)
            profiles.append((dist, dur))
        profile_of[tech.id] = by_skills[tech.skills]
    return profiles, profile_of


def _fleet(
    *,
    request: SolverInput,
    build: _Build,
    profile_of: dict[str, int],
    lunch_dims: dict[str, int],
    uses_load: bool,
    dims: int,
) -> _Fleet:
    """One vehicle type per technician, alike technicians without lunch sharing one."""
    groups: dict[tuple[object, ...], list[Technician]] = defaultdict(list)
    for tech in request.technicians:
        key: tuple[object, ...] = (tech.start, tech.end_place, tech.shift, tech.skills, tech.capacity)
        groups[key if tech.id not in lunch_dims else (tech.id,)].append(tech)
    total_demand = sum(j.demand for j in request.jobs)
    types, members = [], []
    for techs in groups.values():
        tech = techs[0]
        capacity = [0] * dims
        if uses_load:
            capacity[0] = tech.capacity if tech.capacity is not None else total_demand
        if tech.id in lunch_dims:
            capacity[int(uses_load) + lunch_dims[tech.id]] = LUNCH_LOAD
        types.append(
            VehicleType(
                num_available=len(techs),
                capacity=capacity,
                start_depot=build.depot_of_row[request.legs.index[tech.start]],
                end_depot=build.depot_of_row[request.legs.index[tech.end_place]],
                fixed_cost=round(request.objective.vehicle_cost * SCALE),
                tw_early=_up(tech.shift.start),
                tw_late=_down(tech.shift.end),
                profile=profile_of[tech.id],
                name=tech.id,
            )
        )
        members.append(techs)
    return _Fleet(types=types, members=members)


def _smaller_fleet(
    *, data: ProblemData, request: SolverInput, began: float
) -> tuple[ProblemData, Solution | None, tuple[str, ...]]:
    """Vehicles first: with alike technicians and every job required, look for a feasible
    solution with one vehicle fewer at a time (as ``pyvrp.minimise_fleet`` does) for
    :data:`FLEET_SHARE` of the time, and keep the last one found as the warm start."""
    alike = data.num_vehicle_types == 1 and data.num_groups == 0
    every_job = all(client.required for client in data.clients())
    if request.objective.vehicle_cost <= 0 or not alike or not every_job:
        return data, None, ()
    deadline = began + request.time_limit * FLEET_SHARE
    fleet = data.vehicle_type(0)
    found: list[list[int]] | None = None
    while fleet.num_available > 1 and time.perf_counter() < deadline:
        trial = fleet.replace(num_available=fleet.num_available - 1)
        stop = MultipleCriteria([FirstFeasible(), MaxRuntime(max(deadline - time.perf_counter(), 0.01))])
        best = pyvrp_solve(
            data.replace(vehicle_types=[trial]),
            stop=stop,
            seed=request.seed,
            collect_stats=False,
            display=False,
        ).best
        if not best.is_feasible():
            break
        found = [[a.idx for a in route if a.is_client()] for route in best.routes()]
        fleet = trial.replace(num_available=len(found))
    data = data.replace(vehicle_types=[fleet])
    note = f"fleet minimisation: {fleet.num_available} vehicles after {time.perf_counter() - began:.1f} s"
    return data, Solution(data, found) if found else None, (note,)


def _assignment(
    *, best: Solution, build: _Build, fleet: _Fleet, request: SolverInput, notes: tuple[str, ...]
) -> Assignment:
    free = {i: list(techs) for i, techs in enumerate(fleet.members)}
    sequences: dict[str, list[str]] = {}
    lunch_after: dict[str, int] = {}
    for route in best.routes():
        tech = free[route.vehicle_type()].pop(0)
        sequence: list[str] = []
        for activity in route.schedule():
            if not activity.is_client():
                continue
            job_id = build.client_job[activity.idx]
            if job_id is None:
                lunch_after[tech.id] = len(sequence)
            else:
                sequence.append(job_id)
        sequences[tech.id] = sequence
    served = {job_id for seq in sequences.values() for job_id in seq}
    dropped = [job.id for job in request.jobs if job.id not in served]
    return Assignment(sequences=sequences, lunch_after=lunch_after, dropped=dropped, notes=notes)
