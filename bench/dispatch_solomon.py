"""The dispatch optimiser on Solomon's 56 VRPTW instances with 100 customers.

    .venv/bin/python bench/dispatch_solomon.py                          # 60 s each, PyVRP, classic
    .venv/bin/python bench/dispatch_solomon.py --time-limit 5 --instances C101,R101,RC201
    .venv/bin/python bench/dispatch_solomon.py --solver ortools --time-limit 10
    .venv/bin/python bench/dispatch_solomon.py --objective distance --time-limit 10

Each instance goes through the product's path: ``solomon.to_problem`` → ``solver.solve`` (the
library, the re-timing in floating point and the independent checker). ``--jobs`` instances run
at once in separate processes (default 2, the machine's cores: each library search is
single-threaded).

Objectives, and the best-known solution (BKS, ``bks.csv`` in the data folder) each is compared to:

- ``classic`` (the Solomon tables): fewest vehicles first, then distance. Vehicles get a fixed
  cost of 100,000 distance units each (far above any route's length), and with PyVRP half the
  time goes to its fleet minimisation first. Compared to the hierarchical BKS: ``gap %`` is
  the distance gap when the vehicle count equals the BKS's; with more vehicles the row shows
  ``+n veh`` and the raw distance gap in brackets (more vehicles usually means less distance,
  so that figure is not a gap). The summary gives, per class, the instances at the BKS vehicle
  count, the total vehicles against the BKS's, and the mean gap over the instances at the BKS
  vehicle count.
- ``distance``: distance only, any number of vehicles; compared to the distance-only BKS
  measured in doubles (``dist_only_double``; the published CVRPLIB figures truncate each arc
  to one decimal, a different convention).

Figures are printed; docs/performance.md records full runs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aftersales.routing import solomon  # noqa: E402
from aftersales.routing.model import CLASSIC_VEHICLE_COST, Objective, Plan  # noqa: E402
from aftersales.routing.solver import SOLVERS, PlanRejected, solve  # noqa: E402


@dataclass(frozen=True, slots=True)
class Row:
    instance: str
    vehicles: int
    distance: float
    bks_vehicles: int
    bks_distance: float
    checker_ok: bool
    seconds: float
    problems: str = ""

    @property
    def instance_class(self) -> str:
        return solomon.instance_class(self.instance)

    @property
    def extra_vehicles(self) -> int:
        return self.vehicles - self.bks_vehicles

    @property
    def gap(self) -> float:
        return (self.distance - self.bks_distance) / self.bks_distance * 100


@dataclass(frozen=True, slots=True)
class Task:
    instance: str
    solver: str
    objective: str
    time_limit: float
    seed: int


def objective_for(name: str) -> Objective:
    vehicle_cost = CLASSIC_VEHICLE_COST if name == "classic" else 0.0
    return Objective(vehicle_cost=vehicle_cost, travel="distance", allow_unassigned=False)


def run_one(task: Task) -> Row:
    instance = solomon.read_instance(name=task.instance)
    best = solomon.read_best_known()[task.instance]
    problem = solomon.to_problem(instance)
    began = time.perf_counter()
    problems = ""
    try:
        plan = solve(
            problem=problem,
            solver=task.solver,
            time_limit=task.time_limit,
            objective=objective_for(task.objective),
            seed=task.seed,
        )
    except PlanRejected as rejected:
        plan = rejected.plan
        problems = "; ".join(str(v) for v in rejected.violations[:3])
    seconds = time.perf_counter() - began
    classic = task.objective == "classic"
    return Row(
        instance=task.instance,
        vehicles=plan.vehicles,
        distance=round_distance(plan),
        bks_vehicles=best.vehicles if classic else best.dist_only_vehicles,
        bks_distance=best.distance if classic else best.dist_only_double,
        checker_ok=not problems,
        seconds=seconds,
        problems=problems,
    )


def round_distance(plan: Plan) -> float:
    return round(plan.distance, 2)


def print_rows(*, rows: Sequence[Row], classic: bool) -> None:
    print(
        f"{'instance':<8} {'veh':>4} {'distance':>10} {'BKS veh':>8} {'BKS dist':>10} {'gap %':>16} {'checker':>8} {'s':>6}"
    )
    for row in rows:
        print(
            f"{row.instance:<8} {row.vehicles:>4} {row.distance:>10.2f} {row.bks_vehicles:>8} "
            f"{row.bks_distance:>10.2f} {gap_text(row=row, classic=classic):>16} "
            f"{'ok' if row.checker_ok else 'FAIL':>8} {row.seconds:>6.1f}"
        )
        if row.problems:
            print(f"         checker: {row.problems}")


def gap_text(*, row: Row, classic: bool) -> str:
    if not classic or row.extra_vehicles == 0:
        return f"{row.gap:.2f}"
    return f"{row.extra_vehicles:+d} veh ({row.gap:.2f})"


def print_summary(*, rows: Sequence[Row], classic: bool) -> None:
    groups = [(c, [r for r in rows if r.instance_class == c]) for c in solomon.CLASSES]
    groups = [(c, g) for c, g in groups if g] + [("all", list(rows))]
    print()
    if classic:
        print(
            f"{'class':<6} {'n':>3} {'at BKS veh':>10} {'veh':>5} {'BKS veh':>8} {'mean gap % (at BKS veh)':>24} {'checker ok':>10}"
        )
    else:
        print(
            f"{'class':<6} {'n':>3} {'veh':>5} {'BKS veh':>8} {'mean gap %':>11} {'max gap %':>10} {'checker ok':>10}"
        )
    for name, group in groups:
        ok = sum(r.checker_ok for r in group)
        vehicles, bks_vehicles = sum(r.vehicles for r in group), sum(r.bks_vehicles for r in group)
        if classic:
            at_bks = [r for r in group if r.extra_vehicles == 0]
            mean = f"{statistics.fmean(r.gap for r in at_bks):.2f}" if at_bks else "–"
            print(
                f"{name:<6} {len(group):>3} {len(at_bks):>10} {vehicles:>5} {bks_vehicles:>8} {mean:>24} {ok:>10}"
            )
        else:
            gaps = [r.gap for r in group]
            print(
                f"{name:<6} {len(group):>3} {vehicles:>5} {bks_vehicles:>8} {statistics.fmean(gaps):>11.2f} "
                f"{max(gaps):>10.2f} {ok:>10}"
            )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument("--solver", choices=SOLVERS, default="pyvrp")
    parser.add_argument("--objective", choices=("classic", "distance"), default="classic")
    parser.add_argument("--instances", default="", help="comma-separated names (default: all 56)")
    parser.add_argument("--jobs", type=int, default=2, help="instances solved at once (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = [n.strip().upper() for n in args.instances.split(",") if n.strip()] or solomon.instance_names()
    tasks = [Task(name, args.solver, args.objective, args.time_limit, args.seed) for name in names]
    print(
        f"{len(tasks)} instances, solver {args.solver}, objective {args.objective}, {args.time_limit:g} s each, "
        f"{args.jobs} at once; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f}"
    )
    began = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        rows = []
        for row in pool.imap_unordered(run_one, tasks):
            rows.append(row)
            print(
                f"  {row.instance}: {row.vehicles} vehicles, {row.distance:.2f}, {row.seconds:.1f} s",
                flush=True,
            )
    rows.sort(key=lambda r: names.index(r.instance))
    print()
    classic = args.objective == "classic"
    print_rows(rows=rows, classic=classic)
    print_summary(rows=rows, classic=classic)
    print(f"\nwall time {time.perf_counter() - began:.0f} s; load average {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    return 0 if all(r.checker_ok for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
