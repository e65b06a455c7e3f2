"""Benchmark of the dispatch optimiser against a supervisor's greedy dispatch on generated days.

    .venv/bin/python bench/dispatch_days.py                            # 10 days × 7 sizes, 10 s each
    .venv/bin/python bench/dispatch_days.py --days 2 --sizes 10x60 --time-limit 5
    .venv/bin/python bench/dispatch_days.py --solver pyvrp

Each day comes from :func:`aftersales.routing.daygen.generate_day` (seed = the day's number, so
runs are repeatable) and is planned twice: by :func:`aftersales.routing.greedy.greedy_plan`
("the nearest free certified technician") and by :func:`aftersales.routing.solver.solve`. Both
plans go through the checker. Printed per day and size: late jobs, priority-weighted late
minutes, travel (km and minutes), jobs left out, seconds to plan, checker ok; then the summary
against issue 7's targets:

- days where greedy had no late job and the optimiser had one (must be 0);
- days where greedy made jobs late and the optimiser did not have fewer late minutes (must be 0).
  "Unavoidable" is how many of greedy's late minutes no plan could avoid
  (:mod:`aftersales.routing.bounds`: the nearest qualified technician driving straight there,
  the appointment's opening, a long job that cannot run across lunch). When all of greedy's
  lateness is unavoidable, the optimiser is only asked not to do worse;
- mean travel reduction (target ≥ 30 %), in minutes and per job served (the optimiser usually
  serves jobs that greedy left out, and they need travel too);
- plans over 10 s (must be 0).

The optimiser runs in a child process with a hard timeout (three times ``--time-limit`` plus
30 s): a solver that does not come back is reported as such instead of stopping the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aftersales.routing.bounds import unavoidable_lateness
from aftersales.routing.checker import check_plan
from aftersales.routing.daygen import generate_day
from aftersales.routing.greedy import greedy_plan
from aftersales.routing.model import EPSILON, Plan, Problem, weighted_late_minutes
from aftersales.routing.solver import SOLVERS, PlanRejected, solve

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

PLAN_SECONDS_TARGET = 10.0
TRAVEL_REDUCTION_TARGET = 30.0
"""Per cent."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--days", type=int, default=10, help="days per size (seeds 0, 1, …)")
    p.add_argument("--first-seed", type=int, default=0, help="seed of the first day")
    p.add_argument(
        "--sizes",
        default="20x60,30x90,50x150,10x60,20x120,30x180,50x300",
        help="technicians x jobs, comma-separated; the first three are light days (3 jobs a head)",
    )
    p.add_argument("--time-limit", type=float, default=10.0, help="the optimiser's time limit, seconds")
    p.add_argument("--solver", default="ortools", choices=SOLVERS, help="the product plans with OR-Tools")
    return p.parse_args(argv)


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        technicians, jobs = part.lower().split("x")
        sizes.append((int(technicians), int(jobs)))
    return sizes


@dataclass(frozen=True, slots=True)
class Figures:
    """One plan of one day, measured."""

    late_jobs: int = 0
    late_minutes: float = 0.0
    """Weighted by priority."""
    km: float = 0.0
    travel_minutes: float = 0.0
    served: int = 0
    left_out: int = 0
    seconds: float = 0.0
    checker_ok: bool = False
    failure: str = ""
    """Why there is no plan (the checker refused it, the solver failed or did not come back)."""

    @property
    def travel_per_job(self) -> float:
        return self.travel_minutes / self.served if self.served else float("nan")


def measure(*, problem: Problem, plan: Plan, seconds: float, failure: str = "") -> Figures:
    violations = check_plan(problem=problem, plan=plan)
    return Figures(
        late_jobs=sum(1 for route in plan.routes for visit in route.visits if visit.late > EPSILON),
        late_minutes=weighted_late_minutes(plan=plan, jobs=problem.jobs),
        km=plan.distance,
        travel_minutes=plan.travel_time,
        served=sum(len(route.visits) for route in plan.routes),
        left_out=len(plan.unassigned),
        seconds=seconds,
        checker_ok=not violations and not failure,
        failure=failure or (f"{len(violations)} violations: {violations[0]}" if violations else ""),
    )


def _optimise(problem: Problem, solver: str, time_limit: float, seed: int, out: Connection) -> None:
    warnings.simplefilter("ignore")  # PyVRP's penalty warnings; the figures say what matters
    began = time.perf_counter()
    try:
        plan = solve(problem=problem, solver=solver, time_limit=time_limit, seed=seed)
        out.send(measure(problem=problem, plan=plan, seconds=time.perf_counter() - began))
    except PlanRejected as rejected:
        seconds = time.perf_counter() - began
        failure = f"rejected by the checker: {rejected.violations[0]} ({len(rejected.violations)} in all)"
        out.send(measure(problem=problem, plan=rejected.plan, seconds=seconds, failure=failure))
    except Exception as error:
        out.send(Figures(seconds=time.perf_counter() - began, failure=f"{type(error).__name__}: {error}"))
    out.close()


def optimise(*, problem: Problem, solver: str, time_limit: float, seed: int) -> Figures:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    began = time.perf_counter()
    child = context.Process(target=_optimise, args=(problem, solver, time_limit, seed, send), daemon=True)
    child.start()
    send.close()
    timeout = 3 * time_limit + 30
    if receive.poll(timeout):
        figures: Figures = receive.recv()
        child.join(5)
        return figures
    child.terminate()
    child.join(5)
    return Figures(seconds=time.perf_counter() - began, failure=f"no plan after {timeout:.0f} s (stopped)")


def plan_greedy(problem: Problem) -> tuple[Figures, float]:
    """Greedy's figures, and how many of its (weighted) late minutes no plan could avoid."""
    began = time.perf_counter()
    plan = greedy_plan(problem)
    figures = measure(problem=problem, plan=plan, seconds=time.perf_counter() - began)
    bound = unavoidable_lateness(problem)
    priority = {job.id: job.priority for job in problem.jobs}
    served = [visit.job_id for route in plan.routes for visit in route.visits]
    return figures, sum(bound.get(job_id, 0.0) * priority[job_id] for job_id in served)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table, so the output can go into docs/performance.md as it is."""
    cells = [list(headers), *[[fmt(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print(
            "| "
            + " | ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )
        if n == 0:
            print("| " + " | ".join("-" * w for w in widths) + " |")
    sys.stdout.flush()


def fmt(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:
            return "–"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    return str(value)


def machine() -> str:
    cpu = "unknown"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        cpu = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line), cpu
        )
    except OSError:
        pass
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    return (
        f"{now}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"PyVRP {metadata.version('pyvrp')}, OR-Tools {metadata.version('ortools')}; load average {load:.1f} at the start"
    )


def reduction(before: float, after: float) -> float:
    """How much smaller ``after`` is than ``before``, in per cent."""
    return 100 * (1 - after / before) if before > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Day:
    size: str
    seed: int
    greedy: Figures
    optimiser: Figures
    unavoidable: float = 0.0
    """Of greedy's weighted late minutes, those no plan serving the same jobs could avoid
    (:func:`aftersales.routing.bounds.unavoidable_lateness`)."""

    @property
    def planned(self) -> bool:
        """The optimiser came back with a plan the checker accepts."""
        return not self.optimiser.failure

    @property
    def late_where_greedy_had_none(self) -> bool:
        return self.greedy.late_jobs == 0 and (self.optimiser.late_jobs > 0 or not self.planned)

    @property
    def not_fewer_late_minutes(self) -> bool:
        """Greedy made jobs late and the optimiser did not do better (or gave no plan). When all
        of greedy's lateness is unavoidable (a bound no plan can beat), the optimiser must only
        not do worse."""
        if self.greedy.late_jobs == 0:
            return False
        if not self.planned:
            return True
        if self.greedy.late_minutes <= self.unavoidable + EPSILON:
            return self.optimiser.late_minutes > self.greedy.late_minutes + EPSILON
        return self.optimiser.late_minutes >= self.greedy.late_minutes - EPSILON


def run_size(*, technicians: int, jobs: int, args: argparse.Namespace) -> list[Day]:
    size = f"{technicians}×{jobs}"
    print(f"\n### {size}: {technicians} technicians, {jobs} jobs\n", flush=True)
    days: list[Day] = []
    rows: list[list[object]] = []
    notes: list[str] = []
    for seed in range(args.first_seed, args.first_seed + args.days):
        problem = generate_day(seed=seed, technicians=technicians, jobs=jobs)
        greedy, unavoidable = plan_greedy(problem)
        best = optimise(problem=problem, solver=args.solver, time_limit=args.time_limit, seed=seed)
        days.append(Day(size=size, seed=seed, greedy=greedy, optimiser=best, unavoidable=unavoidable))
        appointments = sum(job.window is not None for job in problem.jobs)
        for name, f in (("greedy", greedy), (args.solver, best)):
            first = name == "greedy"
            figures: list[object] = [f.late_jobs, f.late_minutes, f.km, f.travel_minutes, f.travel_per_job]
            if f.served == 0 and f.failure:
                figures = ["–"] * len(figures)
            rows.append(
                [
                    f"{seed}" if first else "",
                    appointments if first else "",
                    unavoidable if first else "",
                    name,
                    *figures,
                    f.left_out if f.served or not f.failure else "–",
                    f"{f.seconds:.2f}",
                    f.checker_ok,
                ]
            )
            if f.failure:
                notes.append(f"day {seed}, {name}: {f.failure}")
    headers = [
        "day",
        "appts",
        "unavoidable",
        "plan",
        "late jobs",
        "late min ×prio",
        "km",
        "travel min",
        "min/job",
    ]
    table([*headers, "left out", "s", "checker ok"], rows)
    if notes:
        print()
        for note in notes:
            print(f"- {note}")
    sys.stdout.flush()
    return days


def summarise(days: Sequence[Day], *, solver: str) -> None:
    """The targets, per size and over all days. Late jobs and minutes, travel and jobs left out
    are compared on the days where the optimiser gave a checked plan."""
    print("\n### Summary\n")
    rows: list[list[object]] = []
    for size in [*dict.fromkeys(day.size for day in days), "all"]:
        chosen = [day for day in days if size in ("all", day.size)]
        planned = [day for day in chosen if day.planned]
        rows.append(
            [
                size,
                len(chosen),
                len(chosen) - len(planned),
                sum(day.greedy.late_jobs == 0 for day in chosen),
                sum(day.late_where_greedy_had_none for day in chosen),
                sum(day.not_fewer_late_minutes for day in chosen),
                f"{sum(d.greedy.late_jobs for d in planned)} / {sum(d.optimiser.late_jobs for d in planned)}",
                f"{sum(d.greedy.late_minutes for d in planned):,.0f} / {sum(d.optimiser.late_minutes for d in planned):,.0f}",
                sum(d.unavoidable for d in planned),
                _mean(reduction(d.greedy.travel_minutes, d.optimiser.travel_minutes) for d in planned),
                _mean(reduction(d.greedy.km, d.optimiser.km) for d in planned),
                _mean(reduction(d.greedy.travel_per_job, d.optimiser.travel_per_job) for d in planned),
                f"{sum(d.greedy.left_out for d in planned)} / {sum(d.optimiser.left_out for d in planned)}",
                f"{statistics.fmean(d.optimiser.seconds for d in chosen):.1f} / {max(d.optimiser.seconds for d in chosen):.1f}",
                sum(day.optimiser.seconds > PLAN_SECONDS_TARGET for day in chosen),
            ]
        )
    table(
        [
            "size",
            "days",
            "no plan",
            "greedy none late",
            "late where greedy had none",
            "not fewer late min",
            f"late jobs greedy / {solver}",
            "late min ×prio",
            "of greedy's unavoidable",
            "travel min −%",
            "km −%",
            "travel per job −%",
            "left out",
            "s mean / max",
            "over 10 s",
        ],
        rows,
    )
    planned = [day for day in days if day.planned]
    checks = [
        (sum(not day.planned for day in days), "days without a checked plan"),
        (sum(day.late_where_greedy_had_none for day in days), "days late where greedy was not"),
        (sum(day.not_fewer_late_minutes for day in days), "days without fewer late minutes than greedy"),
        (sum(day.optimiser.seconds > PLAN_SECONDS_TARGET for day in days), "plans over 10 s"),
    ]
    missed = [f"{count} {what}" for count, what in checks if count]
    travel = _mean(reduction(d.greedy.travel_minutes, d.optimiser.travel_minutes) for d in planned)
    if not travel >= TRAVEL_REDUCTION_TARGET:
        missed.append(f"mean travel reduction {travel:.1f} % (target {TRAVEL_REDUCTION_TARGET:.0f} %)")
    print(f"\nTargets: {'all met' if not missed else 'missed: ' + '; '.join(missed)}.", flush=True)


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.fmean(values) if values else float("nan")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    began = time.perf_counter()
    print(f"## Dispatch days: greedy against {args.solver}, {args.time_limit:g} s\n")
    print(f"Machine: {machine()}.", flush=True)
    days: list[Day] = []
    for technicians, jobs in parse_sizes(args.sizes):
        days += run_size(technicians=technicians, jobs=jobs, args=args)
    summarise(days, solver=args.solver)
    print(
        f"\nTotal run time: {time.perf_counter() - began:.0f} s; load average at the end {os.getloadavg()[0]:.1f}."
    )


if __name__ == "__main__":
    main()
