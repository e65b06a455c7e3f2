"""Benchmark of stock issues on one hot part on PostgreSQL (S9 at scale).

    .venv/bin/python bench/parts.py                       # 32 clients, 5,000 units
    .venv/bin/python bench/parts.py --clients 8 --stock 500

The database given by ``--database-url`` (default: ``aftersales_bench_parts`` on 127.0.0.1, user
postgres) is dropped and created again, migrated, and the demo data set loaded. One hot part gets
``--stock`` units in a bench warehouse (in several lots over two bins). Then ``--clients``
processes, each with its own database connection, issue 1 unit each through ``stock_issue`` in a
loop until they are refused with "insufficient stock". Printed: issues/s (wall clock), refusals,
p50/p95/max latency of an issue, and the check that on hand == received − issued == sum of moves
and no lot is negative.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sla import django_setup, fmt, heading, machine_facts, rate, recreate_database, table

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Barrier

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_bench_parts"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL database (dropped!)")
    p.add_argument("--clients", type=int, default=32, help="parallel clients (processes)")
    p.add_argument("--stock", type=int, default=5000, help="units of the hot part in stock")
    p.add_argument("--lots", type=int, default=20, help="the stock arrives in this many lots")
    p.add_argument(
        "--demo", action=argparse.BooleanOptionalAction, default=True, help="load the demo data set first"
    )
    p.add_argument(
        "--force-drop", action="store_true", help="allow a database whose name does not contain 'bench'"
    )
    return p.parse_args(argv)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def setup_stock(args: argparse.Namespace) -> tuple[int, int, int]:
    """A bench warehouse with two bins and the hot part received in ``--lots`` lots."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from aftersales.access.policy import access_for
    from aftersales.catalog.models import Part
    from aftersales.org.models import Branch, User
    from aftersales.stock.models import Bin, Warehouse
    from aftersales.stock.services import stock_receive

    admin = User.objects.filter(username="admin").first()
    if admin is None:  # --no-demo: head office, one branch and an administrator
        from aftersales.org.roles import Role
        from aftersales.org.services import person_create, role_grant

        hq = Branch.objects.create(code="HQ", name="总部", is_head_office=True)
        Branch.objects.create(code="SH", name="上海服务中心")
        admin = person_create(
            username="admin",
            name="admin",
            password="bench-only",
            home_branch=hq,
            by=None,
            check_password=False,
        )
        role_grant(user=admin, role=Role.ADMIN, branch=hq, by=None)
    sh = Branch.objects.get(code="SH")
    warehouse = Warehouse.objects.create(code="BENCH-W", name="压测仓", branch=sh, kind=Warehouse.Kind.BRANCH)
    bins = [
        Bin.objects.create(
            warehouse=warehouse, branch=sh, zone="Z", shelf="01", level=str(k), code=f"Z-01-{k}"
        )
        for k in (1, 2)
    ]
    part = Part.objects.create(
        code="BENCH-HOT", name="压测热点配件", cost=Decimal("50.00"), price=Decimal("90.00")
    )
    now = timezone.now()
    per_lot, extra = divmod(args.stock, args.lots)
    for k in range(args.lots):
        stock_receive(
            part_id=part.pk,
            warehouse_id=warehouse.pk,
            bin_id=bins[k % 2].pk,
            quantity_passed=per_lot + (1 if k < extra else 0),
            unit_cost=Decimal("50.00") + k,
            received_at=now - dt.timedelta(days=args.lots - k),
            access=access_for(admin),
            by=admin,
        )
    return part.pk, warehouse.pk, admin.pk


def client(url: str, part_id: int, warehouse_id: int, user_id: int, start: Barrier, out: Queue[Any]) -> None:
    """One client: issue 1 unit at a time until refused. Puts (latencies of issues, refusals, errors)."""
    django_setup(url)
    from aftersales.access.policy import access_for
    from aftersales.org.models import User
    from aftersales.stock.services import InsufficientStock, stock_issue

    user = User.objects.get(pk=user_id)
    access = access_for(user)
    times: list[float] = []
    refused = errors = 0
    start.wait(timeout=120)
    while True:
        t0 = time.perf_counter()
        try:
            stock_issue(
                part_id=part_id, warehouse_id=warehouse_id, quantity=1, reason="bench", access=access, by=user
            )
        except InsufficientStock as exc:
            refused += 1
            if exc.available == 0:
                break
            continue
        except Exception as exc:  # a deadlock or constraint error would be a bug: count and stop
            errors += 1
            print(f"client error: {exc!r}", file=sys.stderr)
            break
        times.append(time.perf_counter() - t0)
    out.put((times, refused, errors))


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    recreate_database(args.database_url, force=args.force_drop)
    django_setup(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum

    from aftersales.demo.data import load_demo
    from aftersales.stock.models import StockLevel, StockLot, StockMove

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False, skip_checks=True)
    if args.demo:
        load_demo()
    setup_s = time.perf_counter() - t0
    part_id, warehouse_id, user_id = setup_stock(args)
    connection.close()

    print("# Parts stock benchmark\n")
    print(
        "command: "
        + " ".join([".venv/bin/python", "bench/parts.py", *(sys.argv[1:] if argv is None else argv)])
    )
    heading("Machine")
    table(["fact", "value"], [*machine_facts(), ("migrate + load_demo, s", fmt(setup_s))])

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(args.clients + 1)
    out: Queue[Any] = ctx.Queue()
    procs = [
        ctx.Process(target=client, args=(args.database_url, part_id, warehouse_id, user_id, start, out))
        for _ in range(args.clients)
    ]
    for proc in procs:
        proc.start()
    start.wait(timeout=300)
    t0 = time.perf_counter()
    results = [out.get() for _ in procs]
    wall = time.perf_counter() - t0
    for proc in procs:
        proc.join()

    times = [t for r in results for t in r[0]]
    refused = sum(r[1] for r in results)
    errors = sum(r[2] for r in results)
    heading(
        f"Issues of 1 unit on one hot part: {args.clients} clients, {args.stock:,} in stock, {args.lots} lots"
    )
    table(
        [
            "clients",
            "issued",
            "refused",
            "errors",
            "wall s",
            "issues/s",
            "p50 ms",
            "p95 ms",
            "max ms",
            "mean ms",
        ],
        [
            [
                args.clients,
                len(times),
                refused,
                errors,
                fmt(wall),
                fmt(rate(len(times), wall)),
                fmt(percentile(times, 50) * 1000),
                fmt(percentile(times, 95) * 1000),
                fmt(max(times, default=0) * 1000),
                fmt(statistics.fmean(times) * 1000 if times else 0),
            ]
        ],
    )
    level = StockLevel.objects.get(part_id=part_id, warehouse_id=warehouse_id)
    ledger = StockMove.objects.filter(part_id=part_id, warehouse_id=warehouse_id).aggregate(
        n=Sum("quantity")
    )["n"]
    lots = StockLot.objects.filter(part_id=part_id, warehouse_id=warehouse_id).aggregate(n=Sum("on_hand"))[
        "n"
    ]
    issued_moves = -(
        StockMove.objects.filter(part_id=part_id, warehouse_id=warehouse_id, kind="issue").aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )
    expected = args.stock - len(times)
    ok = level.on_hand == expected == ledger == lots == 0 and issued_moves == len(times) == args.stock
    heading("Check")
    table(
        ["received", "issued (clients)", "issued (moves)", "on hand", "sum of moves", "sum of lots", "ok"],
        [[args.stock, len(times), issued_moves, level.on_hand, ledger, lots, "yes" if ok else "NO"]],
    )
    if not ok or errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
