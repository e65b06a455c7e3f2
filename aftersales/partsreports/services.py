"""The slow-moving job: recompute every flag from the stock ledger and the rules, in bulk.

Idempotent and safe on many workers: the wanted rows are computed from the ledger, then written
with one upsert per batch on the ``(part, warehouse)`` unique constraint (in key order, so two
workers never wait on each other in a cycle) and the rows no longer wanted are deleted by id. Two
runs on the same day write the same rows; a part issued again, or with no stock left, loses its flag.

Flag changes are not written to the audit trail: they are derived data, recomputed every run from
the ledger (whose moves are in the trail) and the rules (whose changes are too); ``since`` says
when a flag began (docs/parts-reports.md).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from aftersales.org.models import Branch
from aftersales.partsreports.flags import slow_moving_flag, slow_moving_since
from aftersales.partsreports.models import SlowMovingFlag
from aftersales.rules.services import rule_int
from aftersales.stock.models import StockLevel, StockMove

MK = StockMove.Kind
BATCH = 1000
# What puts a part into a warehouse for the first time (a never-issued part counts from it).
ARRIVALS = (MK.RECEIPT, MK.TRANSFER_IN)


@dataclass(frozen=True)
class Months:
    yellow: int
    red: int


def _months(branch_id: int, cache: dict[int, Months]) -> Months:
    if branch_id not in cache:
        yellow, _rule = rule_int("slow_moving_yellow_months", branch_id=branch_id)
        red, _rule = rule_int("slow_moving_red_months", branch_id=branch_id)
        cache[branch_id] = Months(yellow=yellow, red=red)
    return cache[branch_id]


def _local_day(value: dt.datetime | None, tz: dt.tzinfo) -> dt.date | None:
    return value.astimezone(tz).date() if value is not None else None


def slow_moving_levels() -> list[dict[str, Any]]:
    """Each level with stock on hand, its last issue and first arrival (two index-backed subqueries)."""
    moves = StockMove.objects.filter(part=OuterRef("part"), warehouse=OuterRef("warehouse"))
    levels: Any = (
        StockLevel.objects.filter(on_hand__gt=0)
        .annotate(
            last_issue=Subquery(moves.filter(kind=MK.ISSUE).order_by("-at").values("at")[:1]),
            first_arrival=Subquery(moves.filter(kind__in=ARRIVALS).order_by("at").values("at")[:1]),
        )
        .values("part_id", "warehouse_id", "branch_id", "last_issue", "first_arrival", "last_received_at")
        .order_by("part_id", "warehouse_id")
    )
    return list(levels)


def slow_moving_refresh(*, today: dt.date | None = None) -> dict[str, int]:
    """Recompute every slow-moving flag as of ``today`` (the local date by default)."""
    today = today or timezone.localdate()
    zones = {b.pk: zoneinfo.ZoneInfo(b.timezone) for b in Branch.objects.only("pk", "timezone")}
    months: dict[int, Months] = {}
    wanted: dict[tuple[int, int], SlowMovingFlag] = {}
    for row in slow_moving_levels():
        branch_id = int(row["branch_id"])
        tz = zones.get(branch_id, timezone.get_default_timezone())
        last_issued_on = _local_day(row["last_issue"], tz)
        first_received_on = _local_day(row["first_arrival"] or row["last_received_at"], tz)
        m = _months(branch_id, months)
        flag = slow_moving_flag(
            last_issued_on=last_issued_on,
            first_received_on=first_received_on,
            today=today,
            yellow_months=m.yellow,
            red_months=m.red,
        )
        if not flag:
            continue
        basis = last_issued_on or first_received_on
        assert basis is not None
        since = slow_moving_since(basis=basis, flag=flag, yellow_months=m.yellow, red_months=m.red)
        assert since is not None
        key = (int(row["part_id"]), int(row["warehouse_id"]))
        wanted[key] = SlowMovingFlag(
            part_id=key[0],
            warehouse_id=key[1],
            branch_id=branch_id,
            flag=flag,
            since=since,
            basis_on=basis,
            never_issued=last_issued_on is None,
            computed_on=today,
        )
    rows = [wanted[key] for key in sorted(wanted)]
    for start in range(0, len(rows), BATCH):
        SlowMovingFlag.objects.bulk_create(
            rows[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["part", "warehouse"],
            update_fields=["branch", "flag", "since", "basis_on", "never_issued", "computed_on"],
        )
    stale = sorted(
        pk
        for pk, part_id, warehouse_id in SlowMovingFlag.objects.values_list("pk", "part_id", "warehouse_id")
        if (part_id, warehouse_id) not in wanted
    )
    cleared = 0
    for start in range(0, len(stale), BATCH):
        cleared += SlowMovingFlag.objects.filter(pk__in=stale[start : start + BATCH]).delete()[0]
    red = sum(1 for r in rows if r.flag == SlowMovingFlag.Flag.RED)
    return {"flagged": len(rows), "yellow": len(rows) - red, "red": red, "cleared": cleared}
