"""Benchmark of the parts reports on PostgreSQL with a million stock moves.

    .venv/bin/python bench/partsreports.py                  # 1,000,000 moves
    .venv/bin/python bench/partsreports.py --moves 100000   # smoke run

The database given by ``--database-url`` (default ``aftersales_bench_partsreports``) is dropped,
created and migrated. Ten branches and head office, one warehouse each, 2,000 parts (200 common),
20,000 service orders with units, and ``--moves`` ledger rows over 2025 (receipts, issues to
orders, returns) written with one INSERT … SELECT. Printed: the time of the monthly analysis (head
office and one branch), of the slow-moving job (first run and an idempotent second run), of the
slow-moving report and of the replenishment list.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sla import django_setup, heading, machine_facts, recreate_database, table

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersales_bench_partsreports"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL database (dropped!)")
    p.add_argument("--moves", type=int, default=1_000_000, help="stock moves in the ledger")
    p.add_argument("--force-drop", action="store_true", help="allow a database without 'bench' in its name")
    return p.parse_args(argv)


def populate(moves: int) -> dict[str, Any]:
    from django.db import connection

    from aftersales.calls.models import ServiceOrder
    from aftersales.catalog.models import FaultCategory, Part, ProductLine, ProductModel
    from aftersales.customers.models import Customer
    from aftersales.installed.models import Unit
    from aftersales.org.models import Branch, User
    from aftersales.stock.models import Warehouse

    hq = Branch.objects.create(code="HQ", name="总部", city="上海", is_head_office=True)
    branches = [hq] + [
        Branch.objects.create(code=f"B{i:02d}", name=f"分公司{i}", city="城市") for i in range(10)
    ]
    keeper = User.objects.create(username="bench", name="bench")
    warehouses = [
        Warehouse.objects.create(
            code=f"W-{b.code}", name=b.name, branch=b, kind="head_office" if b.is_head_office else "branch"
        )
        for b in branches
    ]
    lines = [ProductLine.objects.create(code=f"l{i}", name=f"产品线{i}") for i in range(4)]
    models_ = [
        ProductModel.objects.create(code=f"M{i}", name=f"型号{i}", product_line=lines[i % 4])
        for i in range(20)
    ]
    causes = [FaultCategory.objects.create(code=f"c{i}", name=f"故障{i}") for i in range(20)]
    Part.objects.bulk_create(
        Part(code=f"P{i:05d}", name=f"配件{i}", is_common=i < 200, reorder_point=5 if i < 200 else 0)
        for i in range(2000)
    )
    customers = [Customer.objects.create(number=f"C{b.code}", name=b.name, branch=b) for b in branches]
    Unit.objects.bulk_create(
        Unit(
            serial=f"S{i:06d}",
            product_model=models_[i % 20],
            customer=customers[i % len(branches)],
            branch=branches[i % len(branches)],
            sold_on=dt.date(2024, 1, 1),
            warranty_until=dt.date(2026, 1, 1),
        )
        for i in range(20000)
    )
    units = list(Unit.objects.order_by("pk").values_list("pk", "branch_id", "customer_id"))
    ServiceOrder.objects.bulk_create(
        ServiceOrder(
            number=f"SO-{i:07d}",
            branch_id=units[i][1],
            customer_id=units[i][2],
            unit_id=units[i][0],
            category="repair",
            service_type=("paid", "free", "contract")[i % 3],
            fault_category=causes[i % 20],
        )
        for i in range(20000)
    )
    with connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM catalog_part")
        p0, p1 = cur.fetchone()
        cur.execute("SELECT min(id), max(id) FROM calls_serviceorder")
        o0, _o1 = cur.fetchone()
        w0 = warehouses[0].pk
        # One warehouse per order's branch: branch k ↔ warehouse w0 + k (created in the same order).
        b0 = branches[0].pk
        cur.execute(
            """
            INSERT INTO stock_stockmove
              (kind, branch_id, part_id, warehouse_id, quantity, rejected_quantity, unit_cost, order_id,
               reason, reference, by_id, at)
            SELECT CASE WHEN g %% 10 = 0 THEN 'receipt' WHEN g %% 10 = 1 THEN 'return' ELSE 'issue' END,
                   o.branch_id, %s + (g::bigint * 7919) %% (%s - %s + 1), %s + (o.branch_id - %s),
                   CASE WHEN g %% 10 = 0 THEN 20 WHEN g %% 10 = 1 THEN 1 ELSE -1 END, 0, 10 + g %% 90,
                   CASE WHEN g %% 10 = 0 THEN NULL ELSE o.id END, '', '', %s,
                   timestamptz '2025-01-01 00:00+08' + (g %% 365) * interval '1 day'
                     + (g %% 600) * interval '1 minute'
            FROM generate_series(1, %s) AS g
            JOIN calls_serviceorder o ON o.id = %s + g %% 20000
            """,
            [p0, p1, p0, w0, b0, keeper.pk, moves, o0],
        )
        cur.execute(
            """
            INSERT INTO stock_stocklevel (branch_id, part_id, warehouse_id, on_hand, reserved)
            SELECT w.branch_id, p.id, w.id, (p.id * 31 + w.id) % 12, 0
            FROM catalog_part p CROSS JOIN stock_warehouse w WHERE (p.id + w.id) % 3 = 0
            """
        )
        cur.execute("ANALYZE")
    return {"branch": branches[1], "warehouses": len(warehouses)}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    recreate_database(args.database_url, force=args.force_drop)
    django_setup(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from aftersales.access.policy import Access
    from aftersales.partsreports.selectors import monthly_analysis, replenishment_list, slow_moving_report
    from aftersales.partsreports.services import slow_moving_refresh

    heading("Machine")
    table(["fact", "value"], machine_facts())
    seconds, fx = timed(lambda: populate(args.moves))
    print(f"populated {args.moves:,} moves in {seconds:.1f} s")
    everyone = Access(user_id=1, grants=frozenset(), head_office_id=None, is_superuser=True)
    branch = fx["branch"]
    one_branch = Access(user_id=1, grants=frozenset({("manager", branch.pk)}), head_office_id=None)
    rows = []
    for label, fn in [
        (
            "analysis, head office, 2025-06",
            lambda: monthly_analysis(access=everyone, month=dt.date(2025, 6, 1)),
        ),
        (
            "analysis, one branch, 2025-06",
            lambda: monthly_analysis(access=one_branch, month=dt.date(2025, 6, 1)),
        ),
        ("slow-moving job, first run", lambda: slow_moving_refresh(today=dt.date(2026, 3, 1))),
        ("slow-moving job, second run", lambda: slow_moving_refresh(today=dt.date(2026, 3, 1))),
        ("slow-moving report, head office", lambda: slow_moving_report(access=everyone, limit=500)),
        ("replenishment list, head office", lambda: replenishment_list(access=everyone)),
    ]:
        seconds, result = timed(fn)
        summary = getattr(getattr(result, "total", None), "quantity", None)
        if isinstance(result, dict):
            summary = result
        elif isinstance(result, list):
            summary = f"{len(result)} rows"
        elif hasattr(result, "count") and not isinstance(result, list):
            summary = getattr(result, "count", summary)
        rows.append((label, f"{seconds * 1000:.0f} ms", str(summary)))
    heading("Parts reports")
    table(["what", "time", "result"], rows)


if __name__ == "__main__":
    main()
