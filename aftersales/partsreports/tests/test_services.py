"""S8 through the real job on real ledger rows; the job is idempotent and follows new issues."""

from __future__ import annotations

import datetime as dt

from aftersales.catalog.models import Part
from aftersales.jobs.registry import PERIODIC
from aftersales.partsreports.models import SlowMovingFlag
from aftersales.partsreports.services import slow_moving_refresh
from aftersales.partsreports.tests.conftest import issue, receive
from aftersales.rules.models import Rule
from aftersales.stock.tests.conftest import Stock

D = dt.date


def flags() -> dict[str, tuple[str, dt.date, dt.date]]:
    return {f.part.code: (f.flag, f.since, f.basis_on) for f in SlowMovingFlag.objects.select_related("part")}


def test_s8_through_the_job(stock: Stock) -> None:
    old = Part.objects.create(code="P-OLD", name="从未出库件")
    receive(stock, 10, day="2025-05-01")
    issue(stock, 2, day="2025-05-10")
    receive(stock, 3, day="2025-01-02", part=old)
    slow_moving_refresh(today=D(2025, 4, 1))
    assert flags() == {"P-OLD": ("yellow", D(2025, 2, 2), D(2025, 1, 2))}
    slow_moving_refresh(today=D(2025, 4, 2))
    assert flags()["P-OLD"] == ("red", D(2025, 4, 2), D(2025, 1, 2))
    slow_moving_refresh(today=D(2025, 6, 9))
    assert "P-100" not in flags()
    slow_moving_refresh(today=D(2025, 6, 10))
    assert flags()["P-100"] == ("yellow", D(2025, 6, 10), D(2025, 5, 10))
    slow_moving_refresh(today=D(2025, 8, 10))
    assert flags()["P-100"] == ("red", D(2025, 8, 10), D(2025, 5, 10))
    row = SlowMovingFlag.objects.get(part=old)
    assert row.never_issued and row.warehouse == stock.sh and row.branch == stock.world.sh


def test_the_job_is_idempotent_and_a_part_issued_again_loses_its_flag(stock: Stock) -> None:
    receive(stock, 10, day="2025-01-02")
    empty = Part.objects.create(code="P-GONE", name="已出完")
    receive(stock, 1, day="2025-01-02", part=empty)
    issue(stock, 1, day="2025-01-03", part=empty)  # nothing left on hand: never flagged
    first = slow_moving_refresh(today=D(2025, 6, 1))
    rows = list(SlowMovingFlag.objects.values_list("pk", "part__code", "flag", "since", "computed_on"))
    assert first == {"flagged": 1, "yellow": 0, "red": 1, "cleared": 0}
    assert slow_moving_refresh(today=D(2025, 6, 1)) == first
    assert (
        list(SlowMovingFlag.objects.values_list("pk", "part__code", "flag", "since", "computed_on")) == rows
    )
    issue(stock, 1, day="2025-06-02")
    assert slow_moving_refresh(today=D(2025, 6, 2))["cleared"] == 1
    assert not SlowMovingFlag.objects.exists()


def test_the_months_are_the_rules_of_the_branch(stock: Stock) -> None:
    receive(stock, 1, day="2025-01-02")
    slow_moving_refresh(today=D(2025, 2, 2))
    assert flags()["P-100"][0] == "yellow"
    Rule.objects.filter(key="slow_moving_yellow_months").update(value=2)
    slow_moving_refresh(today=D(2025, 2, 2))
    assert flags() == {}


def test_the_job_is_registered() -> None:
    assert PERIODIC["partsreports.slow_moving"].every == dt.timedelta(hours=1)
