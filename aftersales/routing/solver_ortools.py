"""OR-Tools' vehicle routing library (9.15) as the routing library.

Everything the product needs is native: breaks on the time dimension
(``SetBreakIntervalsOfVehicle``), allowed vehicles per visit (``SetAllowedVehiclesForIndex``),
soft deadlines (``SetCumulVarSoftUpperBound``), optional visits with a penalty
(``AddDisjunction``) and a fixed cost per vehicle used. Integers, as for PyVRP: times scaled by
:data:`SCALE`, rounded so that the answer stays feasible in exact arithmetic. The search is
cheapest-cost insertion (late minutes included) then guided local search until the time
limit, with OR-Tools' own exact scheduling switched off (see :func:`solve_with_ortools`).
"""

from __future__ import annotations

import math

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from aftersales.routing.model import Job, Technician
from aftersales.routing.solver import Assignment, SolverInput

SCALE = 1000
"""OR-Tools' integer unit is a thousandth of the problem's time unit."""


FIRST_SOLUTION = "LOCAL_CHEAPEST_COST_INSERTION"
"""Insert each job where it costs least *including* its late minutes. The cheaper-arc
constructions (parallel cheapest insertion, savings) build travel-short routes with thousands
of late minutes that the local search then has no time to undo on a 300-job day."""


def _up(value: float) -> int:
    return math.ceil(value * SCALE - 1e-6)


def _down(value: float) -> int:
    return math.floor(value * SCALE + 1e-6)


def solve_with_ortools(request: SolverInput) -> Assignment:
    techs, jobs = request.technicians, request.jobs
    rows = [request.legs.index[p] for t in techs for p in (t.start, t.end_place)]
    rows += [request.legs.index[j.place] for j in jobs]
    service = np.array([0.0] * (2 * len(techs)) + [j.duration for j in jobs])
    node_rows = np.array(rows)
    minutes = request.legs.matrix.time[np.ix_(node_rows, node_rows)]
    travel = request.legs.matrix.time if request.objective.travel == "time" else request.legs.matrix.distance
    cost = np.rint(travel[np.ix_(node_rows, node_rows)] * SCALE).astype(np.int64)
    transit = np.ceil((minutes + service[:, None]) * SCALE - 1e-6).astype(np.int64)
    np.fill_diagonal(cost, 0)
    np.fill_diagonal(transit, 0)
    starts = [2 * v for v in range(len(techs))]
    ends = [2 * v + 1 for v in range(len(techs))]
    manager = pywrapcp.RoutingIndexManager(len(rows), len(techs), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(cost.tolist()))
    horizon = _down(max(t.shift.end for t in techs))
    routing.AddDimension(routing.RegisterTransitMatrix(transit.tolist()), horizon, horizon, False, "time")
    clock = routing.GetDimensionOrDie("time")
    _add_shifts(routing=routing, clock=clock, techs=techs)
    _add_jobs(routing=routing, manager=manager, clock=clock, request=request)
    _add_load(routing=routing, request=request)
    visit_length = [0] * routing.Size()
    for index in range(routing.Size()):
        node = manager.IndexToNode(index)
        visit_length[index] = _up(float(service[node])) if node < len(rows) else 0
    for v, tech in enumerate(techs):
        lunch = tech.lunch
        if lunch is None:
            continue
        interval = routing.solver().FixedDurationIntervalVar(
            _up(max(lunch.window.start, tech.shift.start)),
            _down(lunch.latest_start),
            _up(lunch.duration),
            False,
            f"lunch {v}",
        )
        clock.SetBreakIntervalsOfVehicle([interval], v, visit_length)
    if request.objective.vehicle_cost > 0:
        routing.SetFixedCostOfAllVehicles(round(request.objective.vehicle_cost * SCALE))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, FIRST_SOLUTION)
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    # Without this OR-Tools times every changed route with a CP-SAT model (the breaks make it an
    # integer problem) and manages about 17 moves a second on a 300-job day; with it, about
    # twice as many. Exact timing is ours anyway: ``solve`` re-times and checks every route.
    params.disable_scheduling_beware_this_may_degrade_performance = True
    params.time_limit.FromMilliseconds(max(int(request.time_limit * 1000), 100))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        note = f"OR-Tools found no solution (status {routing.status()})"
        return Assignment(sequences={}, dropped=[j.id for j in jobs], notes=(note,))
    return _assignment(routing=routing, manager=manager, clock=clock, solution=solution, request=request)


def _add_shifts(
    *, routing: pywrapcp.RoutingModel, clock: pywrapcp.RoutingDimension, techs: tuple[Technician, ...]
) -> None:
    for v, tech in enumerate(techs):
        for index in (routing.Start(v), routing.End(v)):
            clock.CumulVar(index).SetRange(_up(tech.shift.start), _down(tech.shift.end))


def _add_jobs(
    *,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    clock: pywrapcp.RoutingDimension,
    request: SolverInput,
) -> None:
    objective = request.objective
    vehicle_of = {t.id: v for v, t in enumerate(request.technicians)}
    for position, job in enumerate(request.jobs):
        index = manager.NodeToIndex(2 * len(request.technicians) + position)
        early, late = _window(job)
        clock.CumulVar(index).SetRange(early, min(late, clock.CumulVar(index).Max()))
        if job.due is not None:
            coefficient = max(round(objective.late_weight * job.priority), 1)
            clock.SetCumulVarSoftUpperBound(index, max(_down(job.due), 0), coefficient)
        allowed = [vehicle_of[t] for t in request.eligible[job.id]]
        if len(allowed) < len(request.technicians):
            routing.VehicleVar(index).SetValues([-1, *allowed])
        # Optional even when every job must be served: with hard windows, construction may
        # find nothing otherwise; a job still left out makes the checker refuse the plan.
        penalty = objective.unassigned_penalty * job.priority * (1 if objective.allow_unassigned else 100)
        routing.AddDisjunction([index], round(penalty * SCALE))


def _window(job: Job) -> tuple[int, int]:
    if job.window is None:
        return 0, np.iinfo(np.int64).max
    return max(_up(job.window.start), 0), _down(job.window.end)


def _add_load(*, routing: pywrapcp.RoutingModel, request: SolverInput) -> None:
    techs, jobs = request.technicians, request.jobs
    if not any(j.demand for j in jobs) and all(t.capacity is None for t in techs):
        return
    demand = [0] * (2 * len(techs)) + [j.demand for j in jobs]
    total = sum(demand)
    capacities = [t.capacity if t.capacity is not None else total for t in techs]
    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterUnaryTransitVector(demand), 0, capacities, True, "load"
    )


def _assignment(
    *,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    clock: pywrapcp.RoutingDimension,
    solution: pywrapcp.Assignment,
    request: SolverInput,
) -> Assignment:
    techs, jobs = request.technicians, request.jobs
    lunch_start = _lunch_starts(solution)
    sequences: dict[str, list[str]] = {}
    lunch_after: dict[str, int] = {}
    for v, tech in enumerate(techs):
        sequence: list[str] = []
        starts: list[int] = []
        index = solution.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            sequence.append(jobs[manager.IndexToNode(index) - 2 * len(techs)].id)
            starts.append(solution.Value(clock.CumulVar(index)))
            index = solution.Value(routing.NextVar(index))
        sequences[tech.id] = sequence
        if v in lunch_start:
            lunch_after[tech.id] = sum(1 for start in starts if start < lunch_start[v])
    served = {job_id for seq in sequences.values() for job_id in seq}
    dropped = [job.id for job in jobs if job.id not in served]
    return Assignment(sequences=sequences, lunch_after=lunch_after, dropped=dropped)


def _lunch_starts(solution: pywrapcp.Assignment) -> dict[int, int]:
    """Vehicle number → start of its lunch in the solution."""
    container = solution.IntervalVarContainer()
    starts = {}
    for i in range(container.Size()):
        element = container.Element(i)
        name = element.Var().Name()
        if name.startswith("lunch ") and element.PerformedValue():
            starts[int(name.removeprefix("lunch "))] = element.StartValue()
    return starts
