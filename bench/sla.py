"""Benchmark of the SLA clocks on PostgreSQL: deadlines per second, and the sweeper.

    .venv/bin/python bench/sla.py                    # full run: 1,000,000 open clocks (~5 min, 2 cores)
    .venv/bin/python bench/sla.py --clocks 20000     # smoke run (under a minute)

The database given by ``--database-url`` (default: ``aftersales_bench`` on 127.0.0.1, user
postgres) is dropped and created again, migrated (which seeds the default clock policies and the
official calendar), then:

(a) deadlines: a year (2025) of mixed clocks (every clock code that runs, random start instants,
    some with pauses) computed through ``compute_due`` with the calendar fetched once per branch
    (what the sweeper and the recompute do) and through ``due_for`` (what the API and the
    ``sla due`` command do per request), on a branch with the default hours and on one with
    other hours in another time zone;
(b) the sweeper: ``--clocks`` open clocks written with COPY, of which ``--due-fraction`` owe a
    step (warning, breach, escalation) at the sweep's instant; one sweep over the whole set, a
    second sweep right after (nothing due: the index on ``next_action_at``), the queries one due
    clock costs, and two sweepers at once on a fresh batch (the work is split, no step twice).

Figures are printed; docs/performance.md records a full run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Barrier

    from aftersales.org.models import Branch
    from aftersales.sla.calendar import BranchCalendar
    from aftersales.sla.models import ClockPolicy

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_bench"
UTC = dt.UTC
URUMQI_HOURS = [["10:00", "14:00"], ["15:30", "19:30"]]
# The sweeper's instant: a Monday afternoon in December 2025 (15:00 in Shanghai).
SWEEP_AT = dt.datetime(2025, 12, 15, 7, 0, tzinfo=UTC)
SUBJECT_TYPE = "bench.record"


# --------------------------------------------------------------------------- set-up


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL database (dropped!)")
    p.add_argument("--clocks", type=int, default=1_000_000, help="open clocks for the sweeper")
    p.add_argument("--due-fraction", type=float, default=0.01, help="share of clocks owing a step")
    p.add_argument("--deadlines", type=int, default=200_000, help="compute_due calls per branch")
    p.add_argument("--due-for", type=int, default=5_000, help="due_for calls per branch")
    p.add_argument("--batch", type=int, default=200, help="sweep(batch=...)")
    p.add_argument("--profile-due", type=int, default=200, help="due clocks swept with queries captured")
    p.add_argument(
        "--concurrent-due",
        type=int,
        default=None,
        help="due clocks for the concurrent sweepers (default: the due fraction of --clocks, at most 10,000)",
    )
    p.add_argument("--workers", type=int, default=2, help="concurrent sweeper processes")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument(
        "--force-drop", action="store_true", help="allow a database whose name does not contain 'bench'"
    )
    args = p.parse_args(argv)
    if args.concurrent_due is None:
        args.concurrent_due = min(10_000, max(100, round(args.clocks * args.due_fraction)))
    return args


def recreate_database(url: str, *, force: bool) -> None:
    """Drop and create the benchmark database (UTF-8, C.UTF-8 locale, as docs/operations.md says)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or ("bench" not in name and not force):
        sys.exit(f"refusing to drop database {name!r}: its name has no 'bench' (use --force-drop)")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            ).format(ident)
        )


def django_setup(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "aftersales.settings"
    os.environ["DATABASE_URL"] = url
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def machine_facts() -> list[tuple[str, str]]:
    import django
    import psycopg
    from django.db import connection

    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    return [
        ("date", dt.datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("RAM", ram),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("Django", django.get_version()),
        ("psycopg", psycopg.__version__),
        ("PostgreSQL", pg),
        ("load average at start (1, 5, 15 min)", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


# --------------------------------------------------------------------------- printing


def heading(text: str) -> None:
    print(f"\n## {text}\n", flush=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table, so the output can go into docs/performance.md as it is."""
    cells = [[str(h) for h in headers], *[[fmt(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )

    print(line(cells[0]))
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for row in cells[1:]:
        print(line(row))
    sys.stdout.flush()


def fmt(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 1:
            return f"{value:.2f}"
        return f"{value:.4f}"
    return str(value)


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


# --------------------------------------------------------------------------- fixtures


@dataclass
class Fixture:
    head_office: Branch
    branches: list[Branch]  # the benchmark's branches: default hours, Urumqi hours
    responsibles: dict[int, list[Any]]  # branch id -> users who may be responsible for a clock
    users: int = 0


def create_fixture() -> Fixture:
    """Head office and two branches, with the people the sweeper notifies."""
    from aftersales.org.models import Branch, RoleAssignment, User

    head = Branch.objects.filter(is_head_office=True).first() or Branch.objects.create(
        code="HQ", name="总部售后服务部", name_en="Head office", is_head_office=True
    )
    default = Branch.objects.create(code="BA", name="基准分公司", name_en="Bench branch", city="上海")
    urumqi = Branch.objects.create(
        code="BW",
        name="乌鲁木齐基准中心",
        name_en="Bench Urumqi centre",
        city="乌鲁木齐",
        timezone="Asia/Urumqi",
        business_hours=URUMQI_HOURS,
    )
    people = 0

    def person(username: str, branch: Branch, role: str, language: str) -> Any:
        nonlocal people
        user = User(
            username=username,
            name=username,
            email=f"{username}@bench.invalid",
            home_branch=branch,
            preferred_language=language,
        )
        user.set_unusable_password()
        user.save()
        RoleAssignment.objects.create(user=user, role=role, branch=branch)
        people += 1
        return user

    person("hq-manager", head, "manager", "zh-hans")
    responsibles: dict[int, list[Any]] = {}
    for branch in (default, urumqi):
        code = branch.code.lower()
        person(f"{code}-supervisor", branch, "supervisor", "zh-hans")
        person(f"{code}-manager", branch, "manager", "en")
        responsibles[branch.pk] = [
            person(f"{code}-tech{i}", branch, "technician", "zh-hans" if i % 2 else "en") for i in range(1, 4)
        ]
    return Fixture(head_office=head, branches=[default, urumqi], responsibles=responsibles, users=people)


def running_codes() -> list[str]:
    """Every clock that runs (a reminder date such as contract_notice is not a running clock)."""
    from aftersales.org.models import Branch
    from aftersales.sla.models import DurationUnit
    from aftersales.sla.policies import CLOCK_CODES, policy_for

    probe = Branch(code="XX", name="XX")
    return [c for c in CLOCK_CODES if policy_for(code=c, branch=probe).unit != DurationUnit.MONTHS_BEFORE]


def is_window(policy: ClockPolicy) -> bool:
    from aftersales.sla.models import DurationUnit

    return policy.unit == DurationUnit.WINDOW


# --------------------------------------------------------------------------- (a) deadlines

Pause = tuple[dt.datetime, dt.datetime | None]
Case = tuple[str, dt.datetime, list[Pause], dt.datetime | None]


def deadline_cases(rng: random.Random, n: int, codes: Sequence[str], windows: set[str]) -> list[Case]:
    """``n`` clocks started at random instants of 2025; a fifth of them paused once or more."""
    year_start = dt.datetime(2025, 1, 1, tzinfo=UTC) - dt.timedelta(hours=8)
    year_seconds = 365 * 86_400
    cases: list[Case] = []
    for _ in range(n):
        code = rng.choice(codes)
        start = year_start + dt.timedelta(seconds=rng.randrange(year_seconds))
        pauses: list[Pause] = []
        roll = rng.random()
        if roll < 0.22:
            at = start + dt.timedelta(minutes=rng.randrange(10, 2 * 24 * 60))
            for _p in range(1 if roll < 0.15 else 2):
                until = at + dt.timedelta(minutes=rng.randrange(30, 3 * 24 * 60))
                pauses.append((at, until))
                at = until + dt.timedelta(minutes=rng.randrange(10, 24 * 60))
            if roll > 0.20:  # still paused: the due time is unknown until it resumes
                pauses.append((at, None))
        window_end = (
            start + dt.timedelta(minutes=rng.randrange(120, 5 * 24 * 60)) if code in windows else None
        )
        cases.append((code, start, pauses, window_end))
    return cases


@dataclass
class DeadlineFigures:
    branch: str
    path: str
    count: int
    seconds: float
    paused: int
    queries: str


def bench_deadlines(fx: Fixture, args: argparse.Namespace, rng: random.Random) -> list[DeadlineFigures]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aftersales.sla.calendar import calendar_for, calendar_revision
    from aftersales.sla.policies import policy_for
    from aftersales.sla.services import compute_due, due_for

    codes = running_codes()
    out: list[DeadlineFigures] = []
    for branch in fx.branches:
        policies = {c: policy_for(code=c, branch=branch) for c in codes}
        windows = {c for c, p in policies.items() if is_window(p)}
        cases = deadline_cases(rng, max(args.deadlines, args.due_for), codes, windows)
        label = f"{branch.code} ({branch.timezone}, {hours_label(branch.business_hours)})"
        paused = sum(1 for c in cases[: args.deadlines] if c[2])

        bc = calendar_for(branch, revision=calendar_revision())
        with CaptureQueriesContext(connection) as ctx:
            compute_due(policy=policies[codes[0]], bc=bc, branch=branch, start=cases[0][1])
        queries_compute = len(ctx.captured_queries)
        t0 = time.perf_counter()
        computed = [
            compute_due(
                policy=policies[code], bc=bc, branch=branch, start=start, pauses=pauses, window_end=end
            )
            for code, start, pauses, end in cases[: args.deadlines]
        ]
        seconds = time.perf_counter() - t0
        out.append(
            DeadlineFigures(
                label, "compute_due, calendar once", len(computed), seconds, paused, str(queries_compute)
            )
        )

        sample = cases[: args.due_for]
        with CaptureQueriesContext(connection) as ctx:
            code, start, pauses, end = sample[0]
            due_for(code=code, start=start, branch=branch, pauses=pauses, window_end=end)
        queries_due_for = len(ctx.captured_queries)
        t0 = time.perf_counter()
        answered = [
            due_for(code=code, start=start, branch=branch, pauses=pauses, window_end=end)
            for code, start, pauses, end in sample
        ]
        seconds = time.perf_counter() - t0
        out.append(
            DeadlineFigures(
                label,
                "due_for, per request",
                len(answered),
                seconds,
                sum(1 for c in sample if c[2]),
                str(queries_due_for),
            )
        )
        # The same cases, as far as both samples go: both paths must give the same instants.
        mismatched = sum(
            1
            for a, b in zip(computed, answered, strict=False)
            if (a.due_at, a.warn_at) != (b.due_at, b.warn_at)
        )
        compared = min(len(computed), len(answered))
        print(
            f"{branch.code}: compute_due and due_for give the same instants: {compared - mismatched:,} of {compared:,}"
        )
    return out


def hours_label(hours: list[list[str]]) -> str:
    return " ".join(f"{a}–{b}" for a, b in hours)


# --------------------------------------------------------------------------- (b) open clocks


@dataclass
class Population:
    """What was written: counts by (state, what is owed at the sweep's instant)."""

    kinds: Counter[str] = field(default_factory=Counter)
    pauses: int = 0
    seconds: float = 0.0


@dataclass
class ClockPlan:
    branch: Branch
    bc: BranchCalendar
    policy: ClockPolicy
    span: dt.timedelta  # typical start-to-due time, to place starts before the sweep's instant
    window: bool  # runs to the end of an agreed window (arrival_appointment)


def milestones(plan: ClockPlan, result: Any, now: dt.datetime) -> list[dt.datetime]:
    """The clock's step instants (warning, due = breach, each escalation) up to the first after ``now``."""
    from aftersales.sla.models import Clock
    from aftersales.sla.services import escalation_instant

    out: list[dt.datetime] = [result.warn_at]
    if result.warn_at >= now:
        return out
    probe = Clock(policy=plan.policy, allowance=result.allowance, effective_start=result.effective_start)
    probe.due_at = result.due_at
    for step in plan.policy.escalation or []:
        at = escalation_instant(probe, float(step["after"]), bc=plan.bc)
        if at is None:
            break
        out.append(at)
        if at >= now:
            break
    return out


# Clocks that owe a step: how far they are (1 = the warning, 2 = the breach, 3 and 4 = escalations)
# and where their start lies, in multiples of the clock's typical span before the sweep's instant.
OWED = {1: (0.40, 0.76, 1.0), 2: (0.30, 1.0, 1.5), 3: (0.20, 1.5, 2.0), 4: (0.10, 2.0, 3.0)}


def clock_rows(
    fx: Fixture,
    plans: dict[tuple[int, str], ClockPlan],
    n: int,
    due: int,
    rng: random.Random,
    pop: Population,
) -> Iterator[tuple[int, tuple[object, ...], Pause | None]]:
    """One row for sla_clock per open clock, and its open pause if it is paused."""
    from aftersales.sla.services import compute_due

    now = SWEEP_AT
    owing = set(rng.sample(range(n), due))
    codes = sorted({code for _b, code in plans})
    kinds = list(OWED)
    weights = [OWED[k][0] for k in kinds]
    created = now
    for i in range(n):
        branch = fx.branches[i % len(fx.branches)]
        plan = plans[(branch.pk, rng.choice(codes))]
        policy = plan.policy
        target = rng.choices(kinds, weights)[0] if i in owing else 0
        for attempt in range(60):
            if target:
                lo, hi = OWED[target][1:]
                if attempt >= 30:  # e.g. an end-of-day clock cannot owe a warning on some days
                    lo, hi = 0.7, 4.0 + (attempt - 30) / 2
                x = rng.uniform(lo, hi)
            else:
                x = rng.uniform(0.0, 0.7) if rng.random() < 0.85 else rng.uniform(0.7, 3.0)
            span = plan.span
            if plan.window:  # an appointment agreed for between 2 hours and 3 days later
                span = dt.timedelta(minutes=rng.randrange(120, 3 * 24 * 60))
            start = (now - span * x).replace(microsecond=0)
            window_end = start + span if plan.window else None
            result = compute_due(policy=policy, bc=plan.bc, branch=branch, start=start, window_end=window_end)
            steps = milestones(plan, result, now)
            reached = sum(1 for at in steps if at < now)
            if not target or reached == target or (attempt >= 30 and reached >= 1):
                break
        else:
            raise RuntimeError(f"could not place a {policy.code} clock owing step {target} ({plan.span})")
        # The sweeper is up to date with a clock unless it owes a step: then it is one step
        # behind (sometimes two: warning and breach at once, as after a stopped worker).
        done = reached
        if target:
            done = reached - (2 if reached >= 2 and rng.random() < 0.2 else 1)
        level = max(done - 1, 0)
        warned_at = result.warn_at if done >= 1 else None
        next_at = steps[done] if done < len(steps) else None
        state = "breached" if level >= 1 else "running"
        breached_at = result.due_at if level >= 1 else None
        pause: Pause | None = None
        due_at, warn_at, remaining, paused_since = result.due_at, result.warn_at, dt.timedelta(0), None
        if not target and reached <= 1 and rng.random() < 0.02:  # waiting for the customer
            since = warned_at or start  # paused after its last step
            paused_at = since + (now - since) * rng.random()
            paused = compute_due(
                policy=policy,
                bc=plan.bc,
                branch=branch,
                start=start,
                pauses=[(paused_at, None)],
                window_end=window_end,
            )
            state, next_at, pause = "paused", None, (paused_at, None)
            due_at, remaining, paused_since = paused.due_at, paused.remaining, paused.paused_since
            warn_at = paused.warn_at
        if target:
            owed = " + ".join(STEP_NAMES[k] for k in range(done + 1, reached + 1))
            pop.kinds[f"due: owes {owed}"] += 1
        else:
            phase = PHASE_NAMES[reached]
            pop.kinds[f"not due: {phase}" if state != "paused" else f"not due: paused ({phase})"] += 1
        responsible = rng.choice(fx.responsibles[branch.pk]) if rng.random() < 0.5 else None
        context = json.dumps({"window_end": window_end.isoformat()}) if window_end else "{}"
        yield (
            i + 1,
            (
                i + 1,
                policy.code,
                policy.pk,
                SUBJECT_TYPE,
                i + 1,
                f"BENCH-{i + 1:07d}",
                f"/bench/{i + 1}/",
                branch.pk,
                responsible.pk if responsible else None,
                state,
                start,
                result.effective_start,
                due_at,
                warn_at,
                result.limit_at,
                result.allowance,
                remaining,
                dt.timedelta(0),
                paused_since,
                None,
                None,
                warned_at,
                breached_at,
                level,
                next_at,
                result.provisional,
                context,
                created,
                created,
            ),
            pause,
        )


STEP_NAMES = {1: "warning", 2: "breach", 3: "escalation to manager", 4: "escalation to head office"}
PHASE_NAMES = {
    0: "running, before its warning",
    1: "running, warned, before its due time",
    2: "breached, supervisor told",
    3: "breached, manager told",
    4: "breached, head office told",
}


def write_clocks(fx: Fixture, args: argparse.Namespace, rng: random.Random) -> Population:
    """COPY the open clocks (and the open pauses of paused ones) into the database."""
    from django.db import connection, transaction

    from aftersales.sla.calendar import calendar_for, calendar_revision
    from aftersales.sla.models import Clock, ClockPause
    from aftersales.sla.policies import policy_for
    from aftersales.sla.services import compute_due

    revision = calendar_revision()
    plans: dict[tuple[int, str], ClockPlan] = {}
    probe = random.Random(args.seed + 1)
    for branch in fx.branches:
        bc = calendar_for(branch, revision=revision)
        for code in running_codes():
            policy = policy_for(code=code, branch=branch)
            span = dt.timedelta(0)
            if not is_window(policy):
                for _ in range(40):
                    start = SWEEP_AT - dt.timedelta(days=probe.uniform(20, 60))
                    due_at = compute_due(policy=policy, bc=bc, branch=branch, start=start).due_at
                    assert due_at is not None
                    span += (due_at - start) / 40
            plans[(branch.pk, code)] = ClockPlan(
                branch=branch, bc=bc, policy=policy, span=span, window=is_window(policy)
            )

    columns = [
        "id", "code", "policy_id", "subject_type", "subject_id", "subject_label", "subject_url",
        "branch_id", "responsible_id", "state", "started_at", "effective_start", "due_at", "warn_at",
        "limit_at", "allowance", "remaining", "paused_total", "paused_since", "stopped_at", "elapsed",
        "warned_at", "breached_at", "escalation_level", "next_action_at", "provisional", "context",
        "created_at", "updated_at",
    ]  # fmt: skip
    assert {f.column for f in Clock._meta.concrete_fields} == set(columns), "sla_clock changed"
    pop = Population()
    due = round(args.clocks * args.due_fraction)
    pauses: list[tuple[int, dt.datetime]] = []
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        copy_sql = f"COPY {Clock._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        with cur.cursor.copy(copy_sql) as copy:
            for clock_id, row, pause in clock_rows(fx, plans, args.clocks, due, rng, pop):
                copy.write_row(row)
                if pause is not None:
                    pauses.append((clock_id, pause[0]))
        with cur.cursor.copy(
            f"COPY {ClockPause._meta.db_table} (clock_id, paused_at, resumed_at, reason) FROM STDIN"
        ) as copy:
            for clock_id, paused_at in pauses:
                copy.write_row((clock_id, paused_at, None, "waiting for the customer"))
        for model in (Clock, ClockPause):
            table_name = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table_name}))"
            )
    pop.pauses = len(pauses)
    pop.seconds = time.perf_counter() - t0
    return pop


# --------------------------------------------------------------------------- (b) sweeps


@dataclass
class SweepFigures:
    label: str
    clocks: int
    warned: int
    breached: int
    escalated: int
    notifications: int
    seconds: float

    @classmethod
    def of(cls, label: str, result: Any, seconds: float) -> SweepFigures:
        return cls(
            label,
            result.clocks,
            result.warned,
            result.breached,
            result.escalated,
            result.notifications,
            seconds,
        )

    def row(self) -> list[object]:
        return [
            self.label,
            self.clocks,
            self.warned,
            self.breached,
            self.escalated,
            self.notifications,
            self.seconds,
            rate(self.clocks, self.seconds) if self.clocks else "—",
        ]


SWEEP_HEADERS = ["sweep", "clocks", "warnings", "breaches", "escalations", "notifications", "s", "clocks/s"]


def due_count(now: dt.datetime) -> int:
    from aftersales.sla.models import Clock

    return Clock.objects.filter(next_action_at__lt=now).count()


def instant_with_due(count: int) -> dt.datetime:
    """The instant just after the next ``count`` planned steps: a fresh batch of due clocks."""
    from aftersales.sla.models import Clock

    ats = Clock.objects.filter(next_action_at__isnull=False).order_by("next_action_at")
    row = ats.values_list("next_action_at", flat=True)[count - 1 : count]
    last = [at for at in row if at is not None]
    if not last:
        raise SystemExit(f"fewer than {count} clocks have a next step")
    return last[0] + dt.timedelta(microseconds=1)


def explain_selection(now: dt.datetime, batch: int) -> str:
    """EXPLAIN ANALYZE of the sweeper's selecting query (the same queryset as sweep())."""
    from django.db import transaction

    from aftersales.sla.models import Clock

    with transaction.atomic():
        qs = Clock.objects.filter(next_action_at__lt=now).order_by("next_action_at")
        qs = qs.select_for_update(skip_locked=True, of=("self",))
        return qs.select_related("policy", "branch", "responsible")[:batch].explain(
            analyze=True, buffers=True
        )


SQL_TABLE = re.compile(r'\b(?:INTO|FROM|UPDATE)\s+"(\w+)"')


def statement_kind(sql: str) -> str:
    """``INSERT sla_clockalert``, ``SELECT org_roleassignment``...: the verb and the first table."""
    verb = sql.split(None, 1)[0].upper() if sql.strip() else "?"
    m = SQL_TABLE.search(sql)
    return f"{verb} {m.group(1)}" if m else verb


class QueryTimer:
    """A database execute wrapper: statements by kind, and the time spent executing them."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.ms: dict[str, float] = defaultdict(float)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = statement_kind(sql)
            self.count[kind] += 1
            self.ms[kind] += (time.perf_counter() - t0) * 1000


def query_profile(now: dt.datetime, batch: int) -> tuple[Any, float, QueryTimer]:
    from django.db import connection

    from aftersales.sla.sweeper import sweep

    timer = QueryTimer()
    with connection.execute_wrapper(timer):
        t0 = time.perf_counter()
        result = sweep(now=now, batch=batch)
        seconds = time.perf_counter() - t0
    return result, seconds, timer


def sweeper_process(url: str, now: dt.datetime, batch: int, start: Barrier, out: Queue[Any]) -> None:
    """One sweeper worker: its own process, its own connection, started with the others."""
    django_setup(url)
    from django.db import connection

    from aftersales.sla.sweeper import sweep

    connection.ensure_connection()
    start.wait()  # every worker ready: go
    t0 = time.perf_counter()
    result = sweep(now=now, batch=batch)
    seconds = time.perf_counter() - t0
    out.put((os.getpid(), SweepFigures.of(f"worker {os.getpid()}", result, seconds), result.steps))


def concurrent_sweeps(
    url: str, now: dt.datetime, batch: int, workers: int
) -> tuple[list[SweepFigures], float, list[set[tuple[int, int]]]]:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(workers + 1)
    out: Queue[Any] = ctx.Queue()
    procs = [ctx.Process(target=sweeper_process, args=(url, now, batch, start, out)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    start.wait(timeout=120)  # each process has imported Django and connected
    t0 = time.perf_counter()
    results = [out.get() for _ in procs]
    wall = time.perf_counter() - t0
    for proc in procs:
        proc.join()
    figures = [fig for _pid, fig, _steps in results]
    steps = [{(clock_id, step) for clock_id, step, _kind in s} for _pid, _fig, s in results]
    return figures, wall, steps


def db_counts() -> dict[str, int]:
    from django.db import connection

    from aftersales.audit.models import Event
    from aftersales.notifications.models import Notification
    from aftersales.sla.models import ClockAlert

    out = {
        "alerts": ClockAlert.objects.count(),
        "events": Event.objects.count(),
        "notifications": Notification.objects.count(),
    }
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {ClockAlert._meta.db_table} GROUP BY clock_id, step HAVING count(*) > 1) d"
        )
        out["duplicate alerts"] = int(cur.fetchone()[0])
    return out


def bench_sweeper(fx: Fixture, args: argparse.Namespace, rng: random.Random) -> None:
    from django.db import connection

    from aftersales.sla.models import Clock
    from aftersales.sla.sweeper import sweep

    heading(f"(b) Sweeper over {args.clocks:,} open clocks")
    pop = write_clocks(fx, args, rng)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {Clock._meta.db_table}")
        cur.execute(
            "SELECT pg_total_relation_size(%s), pg_relation_size(%s)", ["sla_clock", "sla_clock_next_action"]
        )
        total_size, index_size = cur.fetchone()
    analyze = time.perf_counter() - t0
    table(
        ["open clocks written", "rows", "share"],
        [[k, v, f"{v / args.clocks:.2%}"] for k, v in sorted(pop.kinds.items(), key=lambda kv: -kv[1])],
    )
    print()
    table(
        ["set-up", "figure"],
        [
            ["clocks computed and written (COPY), s", pop.seconds],
            ["clocks/s", rate(args.clocks, pop.seconds)],
            ["open pauses written", pop.pauses],
            ["ANALYZE, s", analyze],
            ["sla_clock with its indexes", f"{total_size / 2**20:,.0f} MiB"],
            ["index sla_clock_next_action", f"{index_size / 2**20:,.0f} MiB"],
            ["people notified (roles in the branches, head office)", fx.users],
            ["clocks owing a step at the sweep's instant", due_count(SWEEP_AT)],
        ],
    )

    print(f"\nsweep(now={SWEEP_AT.isoformat()}, batch={args.batch})", flush=True)
    before = db_counts()
    t0 = time.perf_counter()
    first = sweep(now=SWEEP_AT, batch=args.batch)
    first_s = time.perf_counter() - t0
    after_first = db_counts()
    repeats: list[tuple[float, Any]] = []
    for _ in range(5):
        t0 = time.perf_counter()
        second = sweep(now=SWEEP_AT, batch=args.batch)
        repeats.append((time.perf_counter() - t0, second))
    second_s, second = sorted(repeats, key=lambda r: r[0])[len(repeats) // 2]
    rows = [
        SweepFigures.of("1st: everything due", first, first_s).row(),
        SweepFigures.of("2nd, right after: nothing due (median of 5)", second, second_s).row(),
    ]
    print()
    table(SWEEP_HEADERS, rows)
    print()
    table(
        ["written by the 1st sweep", "rows"],
        [[k, after_first[k] - before[k]] for k in ("alerts", "events", "notifications")]
        + [["batches (SELECT … FOR UPDATE SKIP LOCKED)", first.batches]],
    )
    if first.clocks:
        print(
            f"\n1st sweep: {first_s / first.clocks * 1000:.2f} ms per due clock; 2nd sweep: {second_s * 1000:.1f} ms"
        )
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the sweeper's selecting query, nothing due:\n")
    print(explain_selection(SWEEP_AT, args.batch))

    if args.profile_due:
        now = instant_with_due(args.profile_due)
        result, seconds, timer = query_profile(now, args.batch)
        kinds, ms = timer.count, timer.ms
        heading(f"Queries of one sweep over {result.clocks:,} due clocks")
        print(
            f"warnings {result.warned}, breaches {result.breached}, escalations {result.escalated}, "
            f"notifications {result.notifications}, {seconds:.2f} s (statements timed)\n"
        )
        total, total_ms, n = sum(kinds.values()), sum(ms.values()), max(result.clocks, 1)
        table(
            ["statement", "count", "per due clock", "execute ms", "execute ms per due clock"],
            [[k, v, v / n, ms[k], ms[k] / n] for k, v in kinds.most_common()]
            + [["total", total, total / n, total_ms, total_ms / n]],
        )
        print(
            f"\nexecute = time inside cursor.execute (round trip and server); the rest of the "
            f"{seconds / n * 1000:.2f} ms per clock is Python (ORM, deadline arithmetic, messages)."
        )

    if args.workers and args.concurrent_due:
        now = instant_with_due(args.concurrent_due)
        owed = due_count(now)
        heading(f"{args.workers} sweepers at once over {owed:,} due clocks")
        before = db_counts()
        figures, wall, steps = concurrent_sweeps(args.database_url, now, args.batch, args.workers)
        after = db_counts()
        processed = sum(f.clocks for f in figures)
        overlap = set.intersection(*steps) if len(steps) > 1 else set()
        table(
            SWEEP_HEADERS,
            [f.row() for f in figures]
            + [
                [
                    "together (wall clock)",
                    processed,
                    sum(f.warned for f in figures),
                    sum(f.breached for f in figures),
                    sum(f.escalated for f in figures),
                    sum(f.notifications for f in figures),
                    wall,
                    rate(processed, wall),
                ]
            ],
        )
        print()
        table(
            ["check", "figure"],
            [
                ["clocks due before", owed],
                ["clocks processed, all workers", processed],
                ["split correctly (processed == due)", processed == owed],
                ["steps done by more than one worker", len(overlap)],
                ["alerts written", after["alerts"] - before["alerts"]],
                ["duplicate (clock_id, step) in sla_clockalert", after["duplicate alerts"]],
                ["clocks still due afterwards", due_count(now)],
            ],
        )


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    recreate_database(args.database_url, force=args.force_drop)
    django_setup(args.database_url)
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - t0

    print("# SLA benchmark\n")
    print(
        "command: "
        + " ".join([".venv/bin/python", "bench/sla.py", *(sys.argv[1:] if argv is None else argv)])
    )
    heading("Machine")
    table(["fact", "value"], [*machine_facts(), ("migrate (fresh database), s", f"{migrate_s:.1f}")])

    rng = random.Random(args.seed)
    fx = create_fixture()
    if args.deadlines:
        heading("(a) Deadlines of a year (2025) of mixed clocks")
        figures = bench_deadlines(fx, args, rng)
        print(f"clocks: {', '.join(running_codes())}\n")
        table(
            ["branch", "path", "deadlines", "with pauses", "queries/call", "s", "deadlines/s", "µs each"],
            [
                [
                    f.branch,
                    f.path,
                    f.count,
                    f.paused,
                    f.queries,
                    f.seconds,
                    rate(f.count, f.seconds),
                    f.seconds / f.count * 1e6,
                ]
                for f in figures
            ],
        )
    if args.clocks:
        bench_sweeper(fx, args, rng)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\ntotal run time: {time.perf_counter() - started:.0f} s; load average at the end: {load}")


if __name__ == "__main__":
    main()
