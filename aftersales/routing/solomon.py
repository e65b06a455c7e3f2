"""Solomon's 100-customer VRPTW instances and their best-known solutions, as routing problems.

The data live outside the repository, in ``../shared/data/vrptw`` next to the checkout (its
README gives the conventions); ``AFTERSALES_VRPTW_DIR`` points elsewhere. Conventions: Euclidean
distances in doubles, travel time = distance, service time at every customer, service starts
within the customer's window, every vehicle back at the depot by the depot's due date, load
within capacity, every customer served once.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from aftersales.routing.model import Job, Place, Problem, Technician, Window
from aftersales.routing.travel import EuclideanTravel

CLASSES = ("C1", "C2", "R1", "R2", "RC1", "RC2")


def data_dir() -> Path:
    configured = os.environ.get("AFTERSALES_VRPTW_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "vrptw"


@dataclass(frozen=True, slots=True)
class Customer:
    number: int
    x: float
    y: float
    demand: int
    ready: float
    due: float
    service: float


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    vehicles: int
    capacity: int
    depot: Customer
    customers: tuple[Customer, ...]

    @property
    def instance_class(self) -> str:
        return instance_class(self.name)


@dataclass(frozen=True, slots=True)
class BestKnown:
    instance: str
    vehicles: int
    distance: float
    """Hierarchical objective: fewest vehicles, then shortest distance (doubles)."""
    dist_only_vehicles: int
    dist_only_double: float
    """Distance-only objective, the CVRPLIB routes measured in doubles."""
    dist_only_double_tw_ok: bool


def instance_class(name: str) -> str:
    """``C101`` → ``C1``, ``RC208`` → ``RC2``."""
    return name.rstrip("0123456789") + name.lstrip("CR")[0]


def instance_names(*, directory: Path | None = None) -> list[str]:
    folder = (directory or data_dir()) / "solomon"
    return sorted(path.stem for path in folder.glob("*.txt"))


def read_instance(*, name: str, directory: Path | None = None) -> Instance:
    path = (directory or data_dir()) / "solomon" / f"{name}.txt"
    lines = [line.split() for line in path.read_text().splitlines()]
    vehicles, capacity = (int(v) for v in lines[lines.index(["NUMBER", "CAPACITY"]) + 1])
    rows = [
        Customer(int(r[0]), float(r[1]), float(r[2]), int(float(r[3])), float(r[4]), float(r[5]), float(r[6]))
        for r in lines
        if len(r) == 7 and r[0].isdigit()
    ]
    if rows[0].number != 0 or [c.number for c in rows] != list(range(len(rows))):
        raise ValueError(f"{path}: customers are not numbered 0, 1, 2, …")
    return Instance(name=name, vehicles=vehicles, capacity=capacity, depot=rows[0], customers=tuple(rows[1:]))


def read_best_known(*, directory: Path | None = None) -> dict[str, BestKnown]:
    path = (directory or data_dir()) / "bks.csv"
    with path.open(newline="") as handle:
        return {
            row["instance"]: BestKnown(
                instance=row["instance"],
                vehicles=int(row["vehicles"]),
                distance=float(row["distance"]),
                dist_only_vehicles=int(row["dist_only_vehicles"]),
                dist_only_double=float(row["dist_only_double"]),
                dist_only_double_tw_ok=row["dist_only_double_tw_ok"] == "True",
            )
            for row in csv.DictReader(handle)
        }


def read_solution(*, name: str, directory: Path | None = None) -> list[list[int]]:
    """Customer numbers of each route of the distance-only best-known solution."""
    path = (directory or data_dir()) / "bks_solutions_distance_only" / f"{name}.sol"
    routes = []
    for line in path.read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(n) for n in line.split(":", 1)[1].split()])
    return routes


def to_problem(instance: Instance) -> Problem:
    """Vehicles become technicians without skills or lunch; customers become jobs whose id
    is the customer number and whose window is hard."""
    depot = Place(instance.depot.x, instance.depot.y)
    shift = Window(instance.depot.ready, instance.depot.due)
    technicians = tuple(
        Technician(id=f"v{n + 1}", start=depot, shift=shift, capacity=instance.capacity)
        for n in range(instance.vehicles)
    )
    jobs = tuple(
        Job(
            id=str(c.number),
            place=Place(c.x, c.y),
            duration=c.service,
            window=Window(c.ready, c.due),
            demand=c.demand,
        )
        for c in instance.customers
    )
    return Problem(technicians=technicians, jobs=jobs, travel=EuclideanTravel(), name=instance.name)
