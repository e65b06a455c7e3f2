"""Benchmark of service calls on PostgreSQL: calls registered per second, and the call desk's pages.

    .venv/bin/python bench/calls.py                  # full run: 1,000,000 orders (~10 min, 2 cores)
    .venv/bin/python bench/calls.py --orders 20000   # smoke run (about a minute)

The database given by ``--database-url`` (default: ``aftersales_bench_calls`` on 127.0.0.1, user
postgres) is dropped and created again, migrated, and the demo data set loaded (branches, people
with their roles, customers, 60 units, a few months of service history). Then:

(a) bulk data: ``--units`` more units for the demo customers, and ``--orders`` service orders
    written with COPY over the last two years, each with the call that opened it and its arrival
    and resolution clocks; ``--open-per-branch`` orders are still open today (waiting for dispatch,
    assigned, on the way, on site), the rest closed; ANALYZE;
(b) pages: the call register of a busy day, of every day, the dispatch board and ``GET
    /api/v1/calls``, as the demo supervisor: p50/p95/max, SQL queries per request, and the
    ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest query of the slowest page;
(c) registering calls: ``--api-calls`` calls through ``POST /api/v1/calls`` (token auth, as the
    demo agent; new repairs that open orders, duplicates linked to an open order, consultations
    resolved by phone, e-mailed repairs), the same mix through ``call_register`` directly, and
    ``--workers`` API clients in separate processes at once.

Pages are timed before calls are registered, so that the board shows the orders the bulk data left
open today and not the thousand the registering adds. Figures are printed; docs/performance.md
records a full run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sla import django_setup, fmt, heading, machine_facts, rate, recreate_database, table

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Barrier

    from aftersales.org.models import Branch

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_bench_calls"
UTC = dt.UTC
BRANCH_CODES = ("SH", "HZ", "NJ", "WL")
# Today's open orders per branch, by state: waiting for dispatch, assigned, on the way, on site.
OPEN_MIX = {"open": 0.35, "assigned": 0.40, "travelling": 0.10, "on_site": 0.15}
FAULTS = [
    "主轴异响，加工精度下降",
    "开机报警 E-203，无法回零",
    "压缩机排气温度过高，自动停机",
    "制冷效果差，出水温度偏高",
    "液压站压力不稳，有漏油",
    "PLC 通讯中断，触摸屏无响应",
]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL database (dropped!)")
    p.add_argument("--orders", type=int, default=1_000_000, help="service orders written with COPY")
    p.add_argument("--units", type=int, default=40_000, help="units added to the demo customers")
    p.add_argument("--open-per-branch", type=int, default=300, help="orders still open today, per branch")
    p.add_argument("--days", type=int, default=730, help="the orders are spread over this many days")
    p.add_argument(
        "--clocks", action=argparse.BooleanOptionalAction, default=True, help="arrival and resolution clocks"
    )
    p.add_argument("--api-calls", type=int, default=2000, help="calls registered through the API")
    p.add_argument("--service-calls", type=int, default=1000, help="calls registered by call_register")
    p.add_argument("--workers", type=int, default=2, help="concurrent API clients (processes)")
    p.add_argument("--worker-calls", type=int, default=500, help="calls per concurrent client")
    p.add_argument("--requests", type=int, default=50, help="timed requests per page")
    p.add_argument("--page-budget", type=float, default=30, help="seconds per page (at least 10 requests)")
    p.add_argument("--warm-up", type=int, default=3, help="untimed requests per page first")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument(
        "--force-drop", action="store_true", help="allow a database whose name does not contain 'bench'"
    )
    return p.parse_args(argv)


def prepare_environment() -> None:
    """The test client's host, and no HTTPS redirect: requests are made in-process."""
    hosts = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ["ALLOWED_HOSTS"] = f"{hosts},testserver"
    os.environ.setdefault("HTTPS", "false")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# --------------------------------------------------------------------------- (a) bulk data


@dataclass
class World:
    """What the demo gave, fetched once."""

    branches: dict[str, Branch]
    customers: dict[int, list[tuple[int, int | None, str, str, str]]]  # branch -> (id, zone, contact...)
    models: list[int]
    systems: set[int]
    faults: list[int]
    technicians: dict[int, list[int]]  # branch id -> technician ids
    agents: dict[int, int]  # branch id -> a person who registers calls there
    zones: dict[int, dict[str, int]]  # branch id -> zone kind -> id
    policies: dict[str, int] = field(default_factory=dict)


def load_world() -> World:
    from aftersales.catalog.models import FaultCategory, ProductModel
    from aftersales.customers.models import Customer
    from aftersales.org.models import Branch, RoleAssignment, User, Zone
    from aftersales.org.roles import Role
    from aftersales.sla.policies import policy_for

    branches = {b.code: b for b in Branch.objects.filter(code__in=BRANCH_CODES)}
    customers: dict[int, list[tuple[int, int | None, str, str, str]]] = {}
    for c in Customer.objects.filter(branch__code__in=BRANCH_CODES).order_by("pk"):
        customers.setdefault(c.branch_id, []).append((c.pk, c.zone_id, c.contact_name, c.phone, c.address))
    technicians: dict[int, list[int]] = {}
    for ra in RoleAssignment.objects.filter(role=Role.TECHNICIAN).order_by("user_id"):
        technicians.setdefault(ra.branch_id, []).append(ra.user_id)
    agents: dict[int, int] = {}
    for username in ("agent", "hz_agent", "nj_supervisor", "wl_supervisor"):
        user = User.objects.get(username=username)
        agents[user.home_branch_id] = user.pk  # type: ignore[index]
    zones: dict[int, dict[str, int]] = {}
    for z in Zone.objects.all():
        zones.setdefault(z.branch_id, {})[z.kind] = z.pk
    world = World(
        branches=branches,
        customers=customers,
        models=list(ProductModel.objects.order_by("pk").values_list("pk", flat=True)),
        systems=set(ProductModel.objects.filter(is_system=True).values_list("pk", flat=True)),
        faults=list(FaultCategory.objects.order_by("pk").values_list("pk", flat=True)),
        technicians=technicians,
        agents=agents,
        zones=zones,
    )
    sh = branches["SH"]
    for code in (
        "arrival_urban",
        "arrival_suburban",
        "arrival_same_day",
        "resolution",
        "resolution_same_day",
    ):
        world.policies[code] = policy_for(code=code, branch=sh).pk
    return world


def copy_rows(table_name: str, columns: Sequence[str], rows: Iterator[Sequence[object]]) -> int:
    from django.db import connection

    n = 0
    with (
        connection.cursor() as cur,
        cur.cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as cp,
    ):
        for row in rows:
            cp.write_row(row)
            n += 1
    return n


def check_columns(model: Any, columns: Sequence[str]) -> None:
    have = {f.column for f in model._meta.concrete_fields}
    assert have == set(columns), f"{model._meta.db_table} changed: {sorted(have ^ set(columns))}"


def next_id(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def reset_sequence(model: Any) -> None:
    from django.db import connection

    name = model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT coalesce(max(id), 1) FROM {name}))"
        )


UNIT_COLUMNS = [
    "id", "serial", "product_model_id", "customer_id", "branch_id", "site_id", "dealer_id", "contract_id",
    "sold_on", "installed_on", "warranty_until", "warranty_rule_id", "software_version", "notes",
    "created_at", "updated_at",
]  # fmt: skip


def write_units(
    world: World, n: int, rng: random.Random, now: dt.datetime
) -> list[tuple[int, int, int, int]]:
    """``n`` units spread over the demo customers; returns every unit as (id, branch, customer, model)."""
    from aftersales.installed.models import Unit

    check_columns(Unit, UNIT_COLUMNS)
    first = next_id(Unit)
    today = now.date()
    branch_ids = list(world.customers)
    weights = [len(world.customers[b]) for b in branch_ids]

    def rows() -> Iterator[tuple[object, ...]]:
        for i in range(n):
            branch_id = rng.choices(branch_ids, weights)[0]
            customer = rng.choice(world.customers[branch_id])
            model = rng.choice(world.models)
            sold = today - dt.timedelta(days=rng.randrange(30, 6 * 365))
            yield (
                first + i, f"BENCH-{i + 1:07d}", model, customer[0], branch_id, None, None, None,
                sold, sold + dt.timedelta(days=rng.randrange(0, 30)), sold + dt.timedelta(days=365 * 2),
                None, "", "", now, now,
            )  # fmt: skip

    copy_rows(Unit._meta.db_table, UNIT_COLUMNS, rows())
    reset_sequence(Unit)
    return [(u.pk, u.branch_id, u.customer_id, u.product_model_id) for u in Unit.objects.order_by("pk")]


ORDER_COLUMNS = [
    "id", "number", "branch_id", "customer_id", "unit_id", "zone_id", "address", "category", "urgency",
    "service_type", "fault_category_id", "fault_description", "state", "technician_id", "repeat_of_id",
    "appointment_start", "appointment_end", "appointment_by_customer", "assigned_at", "travel_started_at",
    "arrived_at", "completed_at", "settlement", "closed_at", "opened_at", "updated_at",
]  # fmt: skip
CALL_COLUMNS = [
    "id", "number", "branch_id", "customer_id", "unit_id", "channel", "category", "urgency", "contact_name",
    "phone", "address", "zone_id", "fault_category_id", "fault_description", "warranty_state",
    "warranty_until", "service_type", "service_type_reason", "state", "order_id", "is_repeat",
    "resolution_note", "received_at", "registered_by_id",
]  # fmt: skip
CLOCK_COLUMNS = [
    "id", "code", "policy_id", "subject_type", "subject_id", "subject_label", "subject_url",
    "branch_id", "responsible_id", "state", "started_at", "effective_start", "due_at", "warn_at",
    "limit_at", "allowance", "remaining", "paused_total", "paused_since", "stopped_at", "elapsed",
    "warned_at", "breached_at", "escalation_level", "next_action_at", "provisional", "context",
    "created_at", "updated_at",
]  # fmt: skip


@dataclass
class Bulk:
    orders: int = 0
    calls: int = 0
    clocks: int = 0
    open_by_state: Counter[str] = field(default_factory=Counter)
    calls_per_day: Counter[tuple[int, dt.date]] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    open_units: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Planned:
    """One bulk order, with what its call and clocks need."""

    opened: dt.datetime
    unit: tuple[int, int, int, int]
    state: str


def plan_orders(
    args: argparse.Namespace, units: list[tuple[int, int, int, int]], rng: random.Random, now: dt.datetime
) -> list[Planned]:
    """Closed orders over ``--days`` days (weekdays busier, office hours), open ones in the last days."""
    by_branch: dict[int, list[tuple[int, int, int, int]]] = {}
    for u in units:
        by_branch.setdefault(u[1], []).append(u)
    n_open = min(args.open_per_branch * len(by_branch), args.orders // 10)
    per_branch = n_open // len(by_branch)
    plans: list[Planned] = []
    states = list(OPEN_MIX)
    weights = list(OPEN_MIX.values())
    for pool in by_branch.values():
        for unit in rng.sample(pool, min(per_branch, len(pool))):  # one open order per unit
            state = rng.choices(states, weights)[0]
            back = rng.uniform(0, 6) if rng.random() < 0.7 else rng.uniform(6, 72)  # hours
            plans.append(Planned(now - dt.timedelta(hours=back), unit, state))
    start = now - dt.timedelta(days=args.days)
    day_weights = [0.25 if (start + dt.timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(args.days)]
    days = rng.choices(range(args.days - 3), day_weights[: args.days - 3], k=args.orders - len(plans))
    for d in days:
        # 08:00–18:00 Beijing time (00:00–10:00 UTC), on the chosen day
        at = start.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(
            days=d, seconds=rng.randrange(10 * 3600)
        )
        plans.append(Planned(at, rng.choice(units), "closed"))
    plans.sort(key=lambda p: p.opened)
    return plans


def write_orders(world: World, args: argparse.Namespace, rng: random.Random, now: dt.datetime) -> Bulk:
    from django.db import connection, transaction

    from aftersales.calls.models import ServiceCall, ServiceOrder
    from aftersales.common.models import NumberSequence
    from aftersales.sla.models import Clock

    bulk = Bulk()
    for model, columns in (
        (ServiceOrder, ORDER_COLUMNS),
        (ServiceCall, CALL_COLUMNS),
        (Clock, CLOCK_COLUMNS),
    ):
        check_columns(model, columns)
    t0 = time.perf_counter()
    units = write_units(world, args.units, rng, now)
    bulk.seconds["units"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    plans = plan_orders(args, units, rng, now)
    bulk.seconds["plan"] = time.perf_counter() - t0
    branch_of = {b.pk: b for b in world.branches.values()}
    seqs: Counter[tuple[str, int, int]] = Counter(
        {(s.kind, s.branch_id, s.year): s.last_value for s in NumberSequence.objects.all()}
    )
    customers = {c[0]: c for cs in world.customers.values() for c in cs}
    first_order, first_call, first_clock = next_id(ServiceOrder), next_id(ServiceCall), next_id(Clock)
    numbers: list[tuple[str, str, int]] = []  # (order no., call no., year): computed once, in order
    for p in plans:
        branch = branch_of[p.unit[1]]
        local = p.opened.astimezone(branch.tzinfo)
        year = local.year
        for kind in ("order", "call"):
            seqs[(kind, branch.pk, year)] += 1
        o_no = f"{branch.code}-SO-{year}-{seqs[('order', branch.pk, year)]:06d}"
        c_no = f"{branch.code}-SC-{year}-{seqs[('call', branch.pk, year)]:06d}"
        numbers.append((o_no, c_no, year))
        bulk.calls_per_day[(branch.pk, local.date())] += 1

    def order_rows() -> Iterator[tuple[object, ...]]:
        for i, p in enumerate(plans):
            uid, bid, cid, _model = p.unit
            customer = customers[cid]
            zone = customer[1]
            tech = rng.choice(world.technicians[bid])
            fault = rng.choice(world.faults) if world.faults else None
            opened = p.opened
            assigned = travel = arrived = completed = closed = appt_s = appt_e = None
            if p.state != "open":
                assigned = opened + dt.timedelta(minutes=rng.randrange(10, 240))
                appt_s = assigned + dt.timedelta(hours=rng.randrange(1, 30))
                appt_e = appt_s + dt.timedelta(hours=2)
            if p.state in ("travelling", "on_site", "closed"):
                travel = appt_s
            if p.state in ("on_site", "closed"):
                arrived = appt_s + dt.timedelta(minutes=rng.randrange(20, 120)) if appt_s else None
            if p.state == "closed":
                assert arrived is not None
                completed = arrived + dt.timedelta(minutes=rng.randrange(30, 300))
                closed = completed + dt.timedelta(hours=rng.randrange(1, 72))
            else:
                bulk.open_by_state[p.state] += 1
                bulk.open_units.add(uid)
            yield (
                first_order + i, numbers[i][0], bid, cid, uid, zone, customer[4], "repair", "normal",
                "paid" if rng.random() < 0.4 else "free", fault, FAULTS[i % len(FAULTS)], p.state,
                None if p.state == "open" else tech, None, appt_s, appt_e, False, assigned, travel,
                arrived, completed, "paid" if closed else "pending", closed, opened, closed or opened,
            )  # fmt: skip

    def call_rows() -> Iterator[tuple[object, ...]]:
        for i, p in enumerate(plans):
            uid, bid, cid, _model = p.unit
            customer = customers[cid]
            received = p.opened - dt.timedelta(seconds=rng.randrange(30, 600))
            yield (
                first_call + i, numbers[i][1], bid, cid, uid, "phone", "repair", "normal", customer[2],
                customer[3], customer[4], customer[1], None, FAULTS[i % len(FAULTS)], "in", None, "free", "",
                "ordered", first_order + i, False, "", received, world.agents.get(bid),
            )  # fmt: skip

    def clock_rows() -> Iterator[tuple[object, ...]]:
        k = first_clock
        for i, p in enumerate(plans):
            _uid, bid, _cid, model = p.unit
            system = model in world.systems
            arrival = "arrival_same_day" if system else "arrival_urban"
            resolution = "resolution_same_day" if system else "resolution"
            order_id = first_order + i
            for code, hours in ((arrival, 4 if system else 8), (resolution, 8 if system else 48)):
                allowance = dt.timedelta(hours=hours)
                due = p.opened + allowance
                warn = p.opened + allowance * 0.75
                stopped = elapsed = None
                state = "running"
                if p.state == "closed" or (code == arrival and p.state == "on_site"):
                    late = rng.random() < 0.08
                    stopped = (
                        due + dt.timedelta(hours=rng.uniform(0.2, 6))
                        if late
                        else p.opened + allowance * rng.uniform(0.2, 0.95)
                    )
                    elapsed = stopped - p.opened
                    state = "breached" if late else "met"
                context = json.dumps(
                    {"zone_id": None, "product_line_id": None, "customer_id": None, "window_end": None}
                )
                yield (
                    k, code, world.policies[code], "calls.serviceorder", order_id, numbers[i][0], "", bid,
                    None, state, p.opened, p.opened, due, warn, None, allowance, dt.timedelta(0),
                    dt.timedelta(0), None, stopped, elapsed, warn if stopped is not None and stopped > warn else None,
                    due if state == "breached" else None, 0, warn if stopped is None else None, False,
                    context, p.opened, stopped or p.opened,
                )  # fmt: skip
                k += 1

    with transaction.atomic():
        t0 = time.perf_counter()
        bulk.orders = copy_rows(ServiceOrder._meta.db_table, ORDER_COLUMNS, order_rows())
        bulk.seconds["orders"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        bulk.calls = copy_rows(ServiceCall._meta.db_table, CALL_COLUMNS, call_rows())
        bulk.seconds["calls"] = time.perf_counter() - t0
        if args.clocks:
            t0 = time.perf_counter()
            bulk.clocks = copy_rows(Clock._meta.db_table, CLOCK_COLUMNS, clock_rows())
            bulk.seconds["clocks"] = time.perf_counter() - t0
        for model in (ServiceOrder, ServiceCall, Clock):
            reset_sequence(model)
        for (kind, branch_id, year), last in seqs.items():
            NumberSequence.objects.update_or_create(
                kind=kind, branch_id=branch_id, year=year, defaults={"last_value": last}
            )
        t0 = time.perf_counter()  # the foreign keys are deferred: checked row by row at COMMIT
    bulk.seconds["commit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for model in (ServiceOrder, ServiceCall, Clock):
            cur.execute(f"ANALYZE {model._meta.db_table}")
        cur.execute("ANALYZE installed_unit")
    bulk.seconds["ANALYZE"] = time.perf_counter() - t0
    return bulk


def table_sizes() -> list[list[object]]:
    from django.db import connection

    out: list[list[object]] = []
    with connection.cursor() as cur:
        for name in ("calls_serviceorder", "calls_servicecall", "sla_clock", "installed_unit"):
            cur.execute(
                "SELECT (SELECT count(*) FROM "
                + name
                + "), pg_relation_size(%s), pg_total_relation_size(%s)",
                [name, name],
            )
            rows, heap, total = cur.fetchone()
            out.append([name, rows, f"{heap / 2**20:,.0f} MiB", f"{total / 2**20:,.0f} MiB"])
    return out


# --------------------------------------------------------------------------- (b) pages


NUMBERS = re.compile(r"\b\d+\b|'[^']*'")


@dataclass
class PageFigures:
    label: str
    status: int
    times: list[float]  # ms
    queries: int
    sql_ms: float
    slowest_sql: str
    slowest_params: Any
    slowest_ms: float
    repeated: tuple[str, int]
    rows: str

    def row(self) -> list[object]:
        return [
            self.label,
            self.status,
            self.rows,
            len(self.times),
            statistics.median(self.times),
            percentile(self.times, 95),
            max(self.times),
            self.queries,
            self.sql_ms,
            self.slowest_ms,
            f"{self.repeated[1]}× {self.repeated[0][:60]}" if self.repeated[1] > 1 else "—",
        ]


class QueryLog:
    """A database execute wrapper: every statement with its parameters and its time (ms)."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, Any, float]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, (time.perf_counter() - t0) * 1000))


def time_page(client: Any, label: str, url: str, args: argparse.Namespace, rows: Any) -> PageFigures:
    """``--requests`` timed requests, or fewer if they take more than ``--page-budget`` seconds."""
    from django.db import connection

    for _ in range(args.warm_up):
        client.get(url)
    times: list[float] = []
    status = 0
    budget = time.perf_counter() + args.page_budget
    while len(times) < args.requests and (len(times) < 10 or time.perf_counter() < budget):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        status = response.status_code
    log = QueryLog()
    with connection.execute_wrapper(log):
        response = client.get(url)
    queries = [q for q in log.queries if q[0].lstrip().upper().startswith("SELECT")] or log.queries
    slowest = max(queries, key=lambda q: q[2]) if queries else ("", None, 0.0)
    shapes = Counter(NUMBERS.sub("?", q[0]) for q in log.queries)
    repeated = shapes.most_common(1)[0] if shapes else ("", 0)
    return PageFigures(
        label=label,
        status=status,
        times=times,
        queries=len(log.queries),
        sql_ms=sum(q[2] for q in log.queries),
        slowest_sql=slowest[0],
        slowest_params=slowest[1],
        slowest_ms=slowest[2],
        repeated=repeated,
        rows=rows(response),
    )


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cur.fetchall())


def busy_day(bulk: Bulk, branch_id: int, now: dt.datetime) -> tuple[dt.date, int]:
    year_ago = (now - dt.timedelta(days=365)).date()
    days = [(d, n) for (b, d), n in bulk.calls_per_day.items() if b == branch_id and d <= year_ago]
    if not days:
        days = [(d, n) for (b, d), n in bulk.calls_per_day.items() if b == branch_id]
    return max(days, key=lambda dn: (dn[1], dn[0]))


def bench_pages(world: World, bulk: Bulk, args: argparse.Namespace, now: dt.datetime) -> None:
    from django.test import Client

    from aftersales.org.models import User

    sh = world.branches["SH"]
    day, day_calls = busy_day(bulk, sh.pk, now)
    supervisor = User.objects.get(username="supervisor")
    client = Client()
    client.force_login(supervisor)
    html_rows = re.compile(rb"<tr\b")

    def count_tr(response: Any) -> str:
        return str(max(len(html_rows.findall(response.content)) - 1, 0))

    def count_items(response: Any) -> str:
        return str(len(response.json().get("items", [])))

    def board_orders(response: Any) -> str:
        ctx = response.context
        if ctx is None:
            return "?"
        waiting = len(ctx["unassigned"])
        active = sum(len(r.orders) for r in ctx["rows"])
        return f"{waiting} + {active}"

    pages = [
        (
            f"/calls/?day={day.isoformat()} (a busy day a year ago)",
            f"/calls/?day={day.isoformat()}",
            count_tr,
        ),
        ("/calls/?day= (every day, first page)", "/calls/?day=", count_tr),
        ("/calls/?day= (every day, page 100)", None, count_tr),
        ("/calls/board/?branch=SH", "/calls/board/?branch=SH", board_orders),
        ("GET /api/v1/calls", "/api/v1/calls", count_items),
        (f"GET /api/v1/calls?day={day.isoformat()}", f"/api/v1/calls?day={day.isoformat()}", count_items),
    ]
    heading(f"(b) Pages as the demo supervisor ({args.requests} requests each after {args.warm_up} warm-ups)")
    print(f"busy day: {day.isoformat()}, {day_calls:,} calls registered at SH that day\n")
    from aftersales.calls.models import ServiceCall

    deep = (
        ServiceCall.objects.filter(branch=sh)
        .order_by("-pk")
        .values_list("pk", flat=True)[50 * 99 : 50 * 99 + 1]
    )
    figures: list[PageFigures] = []
    for label, url, rows in pages:
        if url is None:
            url = f"/calls/?day=&before={deep[0]}" if deep else "/calls/?day="
        figures.append(time_page(client, label, url, args, rows))
    table(
        ["page", "status", "rows", "requests", "p50 ms", "p95 ms", "max ms", "queries", "SQL ms", "slowest query ms", "most repeated query"],
        [f.row() for f in figures],
    )  # fmt: skip
    print("\nrows: lines of the register, items of the API, orders on the board (waiting + in progress).")
    print("queries, SQL ms (time in cursor.execute), slowest SELECT: one more request, statements timed.")
    worst = max(figures, key=lambda f: percentile(f.times, 95))
    others = sorted((f for f in figures if f is not worst and f.slowest_ms > 20), key=lambda f: -f.slowest_ms)
    for f in [worst, *others]:
        what = "slowest page" if f is worst else "also slow"
        print(f"\n{what}: {f.label}; its slowest SELECT ({f.slowest_ms:.1f} ms):\n")
        print(f.slowest_sql, f.slowest_params)
        print("\nEXPLAIN (ANALYZE, BUFFERS):\n")
        print(explain(f.slowest_sql, f.slowest_params))


# --------------------------------------------------------------------------- (c) registering calls


def call_payloads(
    world: World, units: list[tuple[int, int]], n: int, rng: random.Random
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """A desk's mix: new repairs (55 %), e-mailed repairs (10 %), duplicates of a repair already
    open (15 %), consultations answered on the phone (20 %). ``units``: (unit, customer), none with
    an open order; the new repairs take them in turn."""
    fresh = list(units)
    rng.shuffle(fresh)
    opened: list[tuple[int, int]] = []
    out: list[dict[str, Any]] = []
    kinds: Counter[str] = Counter()
    for i in range(n):
        roll = rng.random()
        fault = rng.choice(world.faults) if world.faults else None
        body: dict[str, Any]
        if roll < 0.15 and opened:
            uid, cid = rng.choice(opened)
            kind, body = (
                "duplicate (linked)",
                {"fault_description": "客户再次来电催促：" + FAULTS[i % len(FAULTS)]},
            )
        elif roll < 0.35:
            uid, cid = rng.choice(units)
            kind = "consultation (resolved by phone)"
            body = {"category": "consultation", "resolved_remotely": True, "resolution_note": "电话指导复位"}
        else:
            uid, cid = fresh.pop()
            opened.append((uid, cid))
            email = roll > 0.90
            kind = "e-mailed repair (order + reply clock)" if email else "new repair (opens an order)"
            body = {"fault_description": FAULTS[i % len(FAULTS)], "fault_category_id": fault}
            if email:
                body["channel"] = "email"
        kinds[kind] += 1
        out.append({"unit_id": uid, "customer_id": cid, **body})
    return out, kinds


@dataclass
class RegisterFigures:
    label: str
    count: int
    seconds: float
    times: list[float]
    failures: int = 0
    queries: str = ""

    def row(self) -> list[object]:
        return [
            self.label,
            self.count,
            self.failures,
            self.seconds,
            rate(self.count, self.seconds),
            statistics.median(self.times) if self.times else 0.0,
            percentile(self.times, 95),
            max(self.times) if self.times else 0.0,
            self.queries,
        ]


def api_token(client: Any, username: str) -> str:
    from aftersales.demo.data import DEMO_PASSWORD

    response = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def register_api(payloads: list[dict[str, Any]], token: str, label: str) -> RegisterFigures:
    from django.test import Client

    client = Client(headers={"authorization": f"Bearer {token}"})
    times: list[float] = []
    failures = 0
    t_start = time.perf_counter()
    for body in payloads:
        t0 = time.perf_counter()
        response = client.post("/api/v1/calls", body, content_type="application/json")
        times.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 201:
            failures += 1
            if failures <= 3:
                print(f"  {response.status_code}: {response.content[:300]!r}", file=sys.stderr)
    return RegisterFigures(label, len(payloads), time.perf_counter() - t_start, times, failures)


def register_service(payloads: list[dict[str, Any]], username: str, label: str) -> RegisterFigures:
    from aftersales.access.policy import access_for
    from aftersales.calls.services import CallData, call_register
    from aftersales.common.errors import DomainError
    from aftersales.org.models import User

    user = User.objects.get(username=username)
    times: list[float] = []
    failures = 0
    t_start = time.perf_counter()
    for body in payloads:
        t0 = time.perf_counter()
        try:
            call_register(data=CallData(**body), access=access_for(user), by=user)
        except DomainError as exc:
            failures += 1
            if failures <= 3:
                print(f"  {exc}", file=sys.stderr)
        times.append((time.perf_counter() - t0) * 1000)
    return RegisterFigures(label, len(payloads), time.perf_counter() - t_start, times, failures)


def api_worker(url: str, payloads: list[dict[str, Any]], token: str, start: Barrier, out: Queue[Any]) -> None:
    prepare_environment()
    django_setup(url)
    from django.db import connection

    connection.ensure_connection()
    start.wait()
    out.put(register_api(payloads, token, f"client {os.getpid()}"))


def queries_per_call(payload: dict[str, Any], token: str) -> tuple[int, Counter[str]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"authorization": f"Bearer {token}"})
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/calls", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    kinds: Counter[str] = Counter()
    table_re = re.compile(r'\b(?:INTO|FROM|UPDATE)\s+"(\w+)"')
    for q in ctx.captured_queries:
        sql = q["sql"]
        m = table_re.search(sql)
        kinds[f"{sql.split(None, 1)[0].upper()} {m.group(1) if m else ''}".strip()] += 1
    return len(ctx.captured_queries), kinds


def free_units(branch_id: int, exclude: set[int]) -> list[tuple[int, int]]:
    from aftersales.calls.models import OPEN_ORDER_STATES, ServiceOrder
    from aftersales.installed.models import Unit

    busy = set(
        ServiceOrder.objects.filter(branch_id=branch_id, state__in=OPEN_ORDER_STATES).values_list(
            "unit_id", flat=True
        )
    )
    return [
        (pk, cid)
        for pk, cid in Unit.objects.filter(branch_id=branch_id).values_list("pk", "customer_id")
        if pk not in busy and pk not in exclude
    ]


def bench_register(world: World, args: argparse.Namespace, rng: random.Random) -> None:
    from django.test import Client

    sh = world.branches["SH"]
    heading("(c) Registering calls as the demo agent (Shanghai)")
    token = api_token(Client(), "agent")
    units = free_units(sh.pk, set())
    needed = args.api_calls + args.service_calls + args.workers * args.worker_calls + 10
    if len(units) < needed:
        print(
            f"note: {len(units):,} Shanghai units without an open order; some new repairs will link instead"
        )
    slices: list[list[tuple[int, int]]] = []
    share = max(len(units) // (2 + args.workers + 1), 1)
    for k in range(2 + args.workers + 1):
        slices.append(units[k * share : (k + 1) * share] or units)
    count, kinds_q = queries_per_call(call_payloads(world, slices[-1], 1, rng)[0][0], token)
    api_payloads, mix = call_payloads(world, slices[0], args.api_calls, rng)
    print("mix of the calls:\n")
    table(["call", "share"], [[k, f"{v / max(args.api_calls, 1):.0%}"] for k, v in mix.most_common()])
    print()
    figures = [register_api(api_payloads, token, "POST /api/v1/calls, one client")]
    figures[0].queries = f"{count} (a new repair)"
    if args.service_calls:
        service_payloads, _m = call_payloads(world, slices[1], args.service_calls, rng)
        figures.append(register_service(service_payloads, "agent", "call_register() directly"))
    wall = 0.0
    workers: list[RegisterFigures] = []
    if args.workers and args.worker_calls:
        ctx = multiprocessing.get_context("spawn")
        start = ctx.Barrier(args.workers + 1)
        out: Queue[Any] = ctx.Queue()
        procs = []
        for k in range(args.workers):
            payloads, _m = call_payloads(world, slices[2 + k], args.worker_calls, rng)
            procs.append(
                ctx.Process(target=api_worker, args=(args.database_url, payloads, token, start, out))
            )
        for proc in procs:
            proc.start()
        start.wait(timeout=120)
        t0 = time.perf_counter()
        workers = [out.get() for _ in procs]
        wall = time.perf_counter() - t0
        for proc in procs:
            proc.join()
        for w in workers:
            w.label = f"{args.workers} API clients at once: {w.label}"
        figures.extend(workers)
        together = RegisterFigures(
            f"{args.workers} API clients at once: together (wall clock)",
            sum(w.count for w in workers),
            wall,
            [t for w in workers for t in w.times],
            sum(w.failures for w in workers),
        )
        figures.append(together)
    table(
        ["path", "calls", "failed", "s", "calls/s", "p50 ms", "p95 ms", "max ms", "queries/call"],
        [f.row() for f in figures],
    )
    print("\nstatements of one new repair through the API:\n")
    table(["statement", "count"], [[k, v] for k, v in kinds_q.most_common()])


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    recreate_database(args.database_url, force=args.force_drop)
    prepare_environment()
    django_setup(args.database_url)
    from django.core.management import call_command
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from aftersales.demo.data import load_demo

    setup_test_environment()  # the test client keeps the response's context (the board's rows)
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    load_demo()
    demo_s = time.perf_counter() - t0

    print("# Calls benchmark\n")
    print(
        "command: "
        + " ".join([".venv/bin/python", "bench/calls.py", *(sys.argv[1:] if argv is None else argv)])
    )
    heading("Machine")
    table(
        ["fact", "value"],
        [*machine_facts(), ("migrate (fresh database), s", fmt(migrate_s)), ("load_demo, s", fmt(demo_s))],
    )

    rng = random.Random(args.seed)
    now = timezone.now()
    world = load_world()
    heading(f"(a) Bulk data: {args.orders:,} service orders over {args.days} days (COPY)")
    bulk = write_orders(world, args, rng, now)
    table(
        ["step", "rows", "s", "rows/s"],
        [
            ["units (COPY)", args.units, bulk.seconds["units"], rate(args.units, bulk.seconds["units"])],
            ["orders planned (Python)", bulk.orders, bulk.seconds["plan"], rate(bulk.orders, bulk.seconds["plan"])],
            ["service orders (COPY)", bulk.orders, bulk.seconds["orders"], rate(bulk.orders, bulk.seconds["orders"])],
            ["service calls (COPY)", bulk.calls, bulk.seconds["calls"], rate(bulk.calls, bulk.seconds["calls"])],
            ["clocks, arrival + resolution (COPY)", bulk.clocks, bulk.seconds.get("clocks", 0.0), rate(bulk.clocks, bulk.seconds.get("clocks", 0.0))],
            ["COMMIT (deferred foreign-key checks of every row)", "", bulk.seconds["commit"], ""],
            ["ANALYZE", "", bulk.seconds["ANALYZE"], ""],
        ],
    )  # fmt: skip
    print()
    open_total = sum(bulk.open_by_state.values())
    table(
        ["orders written", "count", "share"],
        [["closed", bulk.orders - open_total, f"{(bulk.orders - open_total) / max(bulk.orders, 1):.2%}"]]
        + [[f"open today: {k}", v, f"{v / max(bulk.orders, 1):.3%}"] for k, v in bulk.open_by_state.most_common()],
    )  # fmt: skip
    print()
    table(["table", "rows", "heap", "with indexes"], table_sizes())

    if args.requests:
        bench_pages(world, bulk, args, now)
    if args.api_calls:
        bench_register(world, args, rng)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\ntotal run time: {time.perf_counter() - started:.0f} s; load average at the end: {load}")


if __name__ == "__main__":
    main()
