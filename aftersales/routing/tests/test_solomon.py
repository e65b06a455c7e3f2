"""The Solomon reader, and the checker agreeing with the published best-known distances."""

from __future__ import annotations

import pytest

from aftersales.routing import solomon
from aftersales.routing.checker import Kind, check_plan
from aftersales.routing.solver import plan_from_sequences

pytestmark = pytest.mark.skipif(
    not (solomon.data_dir() / "bks.csv").exists(),
    reason="the VRPTW data folder (../shared/data/vrptw) is absent",
)


def test_reads_c101():
    instance = solomon.read_instance(name="C101")
    assert (instance.vehicles, instance.capacity, len(instance.customers)) == (25, 200, 100)
    assert instance.depot == solomon.Customer(0, 40, 50, 0, 0, 1236, 0)
    assert instance.customers[0] == solomon.Customer(1, 45, 68, 10, 912, 967, 90)
    assert instance.instance_class == "C1" and solomon.instance_class("RC208") == "RC2"
    assert len(solomon.instance_names()) == 56


@pytest.mark.parametrize("name", ["C101", "RC208"])
def test_best_known_routes_recomputed_by_the_checker_match_bks_csv(name: str):
    problem = solomon.to_problem(solomon.read_instance(name=name))
    routes = solomon.read_solution(name=name)
    plan = plan_from_sequences(
        problem=problem, sequences={f"v{n + 1}": [str(c) for c in route] for n, route in enumerate(routes)}
    )
    assert check_plan(problem=problem, plan=plan, allow_unassigned=False) == []
    best = solomon.read_best_known()[name]
    assert (plan.vehicles, round(plan.distance, 2)) == (best.dist_only_vehicles, best.dist_only_double)


def test_the_checker_finds_the_late_arrival_in_a_bks_route_measured_in_doubles():
    # bks.csv: R102's distance-only routes meet every window only with distances truncated
    # to one decimal (dist_only_double_tw_ok is False).
    problem = solomon.to_problem(solomon.read_instance(name="R102"))
    routes = solomon.read_solution(name="R102")
    plan = plan_from_sequences(
        problem=problem, sequences={f"v{n + 1}": [str(c) for c in route] for n, route in enumerate(routes)}
    )
    assert {v.kind for v in check_plan(problem=problem, plan=plan)} == {Kind.WINDOW}
