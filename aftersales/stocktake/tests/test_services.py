from __future__ import annotations

import pytest
from django.db.models import Sum

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from aftersales.conftest import World
from aftersales.stock.models import StockLevel, StockLot, StockMove
from aftersales.stock.services import stock_issue
from aftersales.stocktake.models import Stocktake, StocktakeLine
from aftersales.stocktake.services import (
    stocktake_approve,
    stocktake_cancel,
    stocktake_count,
    stocktake_plan,
    stocktake_post,
    stocktake_reject,
    stocktake_start,
    stocktake_submit,
)
from aftersales.stocktake.tests.conftest import Store


def _as(world: World, name: str) -> dict:
    user = world.users[name]
    return {"access": access_for(user), "by": user}


def _started(world: World, store: Store) -> Stocktake:
    planned = stocktake_plan(warehouse_id=store.warehouse.pk, **_as(world, "sh_warehouse"))
    return stocktake_start(stocktake_id=planned.pk, **_as(world, "sh_warehouse"))


def _line(stocktake: Stocktake, store: Store) -> StocktakeLine:
    return stocktake.lines.get(part=store.part, bin=store.a1)


def _count_all(world: World, stocktake: Stocktake, counts: dict[int, int]) -> None:
    for line in stocktake.lines.all():
        stocktake_count(
            line_id=line.pk, counted=counts.get(line.pk, line.snapshot_quantity), **_as(world, "sh_warehouse")
        )


def _approve_and_post(world: World, stocktake: Stocktake) -> Stocktake:
    stocktake_submit(stocktake_id=stocktake.pk, **_as(world, "sh_warehouse"))
    stocktake_approve(stocktake_id=stocktake.pk, **_as(world, "sh_manager"))
    return stocktake_post(stocktake_id=stocktake.pk, **_as(world, "sh_warehouse"))


def _issue_two(world: World, store: Store) -> None:
    stock_issue(
        part_id=store.part.pk,
        warehouse_id=store.warehouse.pk,
        quantity=2,
        reason="领用",
        bin_id=store.a1.pk,
        **_as(world, "sh_warehouse"),
    )


def _on_hand(store: Store) -> int:
    return StockLevel.objects.get(part=store.part, warehouse=store.warehouse).on_hand


def _ledger(store: Store) -> int:
    return StockMove.objects.filter(part=store.part, warehouse=store.warehouse).aggregate(n=Sum("quantity"))[
        "n"
    ]


def test_an_issue_during_the_count_is_no_difference(world: World, store: Store) -> None:
    stocktake = _started(world, store)
    assert stocktake.state == "counting"
    assert {(ln.part.code, ln.bin.code, ln.snapshot_quantity) for ln in stocktake.lines.all()} == {
        ("BRG-6205", "A-01-1", 10),
        ("SEAL-30", "A-01-2", 4),
    }
    _issue_two(world, store)  # after the snapshot, before the count
    line = _line(stocktake, store)
    _count_all(world, stocktake, {line.pk: 8})
    line.refresh_from_db()
    assert (line.snapshot_quantity, line.expected_quantity, line.counted_quantity, line.difference) == (
        10,
        8,
        8,
        0,
    )
    posted = _approve_and_post(world, stocktake)
    assert posted.state == "posted"
    assert not StockMove.objects.filter(kind="adjustment").exists()
    assert _on_hand(store) == 8 == _ledger(store)


def test_a_shortage_found_after_a_move_is_posted(world: World, store: Store) -> None:
    stocktake = _started(world, store)
    _issue_two(world, store)
    line = _line(stocktake, store)
    _count_all(world, stocktake, {line.pk: 7})
    line.refresh_from_db()
    assert (line.expected_quantity, line.difference) == (8, -1)
    _approve_and_post(world, stocktake)
    adjustment = StockMove.objects.get(kind="adjustment")
    assert (adjustment.quantity, adjustment.bin_id, adjustment.reference) == (
        -1,
        store.a1.pk,
        stocktake.number,
    )
    assert adjustment.approved_by == world.users["sh_manager"]
    assert _on_hand(store) == 7 == _ledger(store)
    assert (
        StockLot.objects.filter(part=store.part, warehouse=store.warehouse).aggregate(n=Sum("on_hand"))["n"]
        == 7
    )
    assert Event.objects.filter(kind="stocktake_adjusted", subject_id=stocktake.pk).count() == 1


def test_posting_twice_posts_once_and_a_surplus_becomes_a_lot(world: World, store: Store) -> None:
    stocktake = _started(world, store)
    line = _line(stocktake, store)
    _count_all(world, stocktake, {line.pk: 12})
    _approve_and_post(world, stocktake)
    again = stocktake_post(stocktake_id=stocktake.pk, **_as(world, "sh_manager"))
    assert again.state == "posted"
    assert list(StockMove.objects.filter(kind="adjustment").values_list("quantity", "unit_cost")) == [
        (2, 12.5)
    ]
    assert _on_hand(store) == 12 == _ledger(store)


def test_a_shortage_the_bin_no_longer_holds_is_refused(world: World, store: Store) -> None:
    stocktake = _started(world, store)
    line = _line(stocktake, store)
    _count_all(world, stocktake, {line.pk: 9})
    stocktake_submit(stocktake_id=stocktake.pk, **_as(world, "sh_warehouse"))
    stocktake_approve(stocktake_id=stocktake.pk, **_as(world, "sh_manager"))
    stock_issue(
        part_id=store.part.pk,
        warehouse_id=store.warehouse.pk,
        quantity=10,
        reason="领用",
        bin_id=store.a1.pk,
        **_as(world, "sh_warehouse"),
    )
    with pytest.raises(InvalidInput) as refused:
        stocktake_post(stocktake_id=stocktake.pk, **_as(world, "sh_warehouse"))
    assert refused.value.code == "stocktake_bin_short" and "lines" in refused.value.fields
    assert "BRG-6205" in refused.value.message and "A-01-1" in refused.value.message
    assert Stocktake.objects.get(pk=stocktake.pk).state == "approved"
    assert _on_hand(store) == 0 == _ledger(store)


def test_four_eyes_and_the_supervisor_approve(world: World, store: Store) -> None:
    stocktake = _started(world, store)
    _count_all(world, stocktake, {})
    with pytest.raises(InvalidTransition):
        stocktake_approve(stocktake_id=stocktake.pk, **_as(world, "sh_manager"))
    stocktake_submit(stocktake_id=stocktake.pk, **_as(world, "sh_warehouse"))
    with pytest.raises(PermissionDenied):  # the counter
        stocktake_approve(stocktake_id=stocktake.pk, **_as(world, "sh_warehouse"))
    with pytest.raises(PermissionDenied):  # sees the stock, is not the supervisor
        stocktake_approve(stocktake_id=stocktake.pk, **_as(world, "sh_accountant"))
    stocktake_reject(stocktake_id=stocktake.pk, reason="A-01-2 复盘", **_as(world, "sh_manager"))
    assert Stocktake.objects.get(pk=stocktake.pk).state == "counting"
    # The manager counts one line himself: now he may not approve; head office's admin may.
    stocktake_count(line_id=stocktake.lines.earliest("pk").pk, counted=4, **_as(world, "sh_manager"))
    stocktake_submit(stocktake_id=stocktake.pk, **_as(world, "sh_warehouse"))
    with pytest.raises(PermissionDenied):
        stocktake_approve(stocktake_id=stocktake.pk, **_as(world, "sh_manager"))
    assert stocktake_approve(stocktake_id=stocktake.pk, **_as(world, "hq_admin")).state == "approved"
    kinds = list(
        Event.objects.filter(subject_id=stocktake.pk, kind__startswith="stocktake_").values_list(
            "kind", flat=True
        )
    )
    assert {
        "stocktake_planned",
        "stocktake_started",
        "stocktake_submitted",
        "stocktake_rejected",
        "stocktake_approved",
    } <= set(kinds)


def test_submit_refuses_uncounted_lines_and_counts_must_be_whole(world: World, store: Store) -> None:
    stocktake = _started(world, store)
    with pytest.raises(InvalidInput) as bad:
        stocktake_count(line_id=_line(stocktake, store).pk, counted="-1", **_as(world, "sh_warehouse"))
    assert "counted" in bad.value.fields
    with pytest.raises(InvalidInput) as refused:
        stocktake_submit(stocktake_id=stocktake.pk, **_as(world, "sh_warehouse"))
    assert "lines" in refused.value.fields


def test_cancel_needs_a_reason_and_adjusts_nothing(world: World, store: Store) -> None:
    stocktake = _started(world, store)
    _count_all(world, stocktake, {_line(stocktake, store).pk: 3})
    with pytest.raises(InvalidTransition):
        stocktake_cancel(stocktake_id=stocktake.pk, reason=" ", **_as(world, "sh_warehouse"))
    cancelled = stocktake_cancel(stocktake_id=stocktake.pk, reason="重新安排", **_as(world, "sh_warehouse"))
    assert cancelled.state == "cancelled"
    with pytest.raises(InvalidTransition):
        stocktake_post(stocktake_id=stocktake.pk, **_as(world, "sh_warehouse"))
    assert _on_hand(store) == 10


def test_outsiders_cannot_start_or_count(world: World, store: Store) -> None:
    from aftersales.common.errors import NotFound

    with pytest.raises(NotFound):
        stocktake_plan(warehouse_id=store.warehouse.pk, **_as(world, "hz_supervisor"))
    stocktake = _started(world, store)
    with pytest.raises(NotFound):
        stocktake_count(line_id=_line(stocktake, store).pk, counted=1, **_as(world, "hz_tech"))
