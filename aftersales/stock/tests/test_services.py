"""Stock services: FIFO, pick lists, refusals that name part / quantity / what is allowed, approvals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import translation

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.common.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from aftersales.conftest import make_person
from aftersales.org.roles import Role
from aftersales.stock.models import (
    AppendOnlyError,
    Reservation,
    StockLevel,
    StockLoan,
    StockLot,
    StockMove,
    Warehouse,
)
from aftersales.stock.services import (
    InsufficientStock,
    reservation_consume,
    reservation_create,
    reservation_release,
    reservation_return,
    stock_issue,
    stock_loan_out,
    stock_loan_return,
    stock_receive,
    stock_return,
    stock_transfer,
    writeoff_decide,
    writeoff_request,
)
from aftersales.stock.tests.conftest import Stock

DAY = dt.timedelta(days=1)
T0 = dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC)


def level(stock: Stock, warehouse: Warehouse | None = None) -> StockLevel:
    return StockLevel.objects.get(part=stock.part, warehouse=warehouse or stock.sh)


def ledger(stock: Stock, warehouse: Warehouse | None = None) -> int:
    total = StockMove.objects.filter(part=stock.part, warehouse=warehouse or stock.sh).aggregate(
        n=Sum("quantity")
    )
    return int(total["n"] or 0)


def as_user(stock: Stock, name: str) -> dict:
    user = stock.world.users[name]
    return {"access": access_for(user), "by": user}


def test_issue_takes_the_oldest_lots_first_and_the_pick_list_shows_the_bins(stock: Stock) -> None:
    stock.receive(2, cost="90.00", bin="B-02-3", received_at=T0 + 10 * DAY)
    stock.receive(3, cost="80.00", bin="A-01-1", received_at=T0)  # older, received later
    result = stock_issue(
        part_id=stock.part.pk,
        warehouse_id=stock.sh.pk,
        quantity=4,
        order_id=stock.order.pk,
        **as_user(stock, "sh_warehouse"),
    )
    assert [(line.bin_code, line.quantity, line.unit_cost) for line in result.pick] == [
        ("A-01-1", 3, Decimal("80.00")),
        ("B-02-3", 1, Decimal("90.00")),
    ]
    assert result.cost == Decimal("330.00")
    assert [m.quantity for m in result.moves] == [-3, -1]
    assert all(m.order_id == stock.order.pk and m.kind == "issue" for m in result.moves)
    assert level(stock).on_hand == 1 == ledger(stock)
    assert level(stock).last_issued_at is not None
    assert Event.objects.filter(kind="stock_issued", data__order=stock.order.number).exists()


def test_insufficient_stock_names_the_part_the_quantity_and_what_is_available(stock: Stock) -> None:
    stock.receive(2)
    with translation.override("en"), pytest.raises(InsufficientStock) as refused:
        stock_issue(
            part_id=stock.part.pk,
            warehouse_id=stock.sh.pk,
            quantity=3,
            order_id=stock.order.pk,
            **as_user(stock, "sh_warehouse"),
        )
    assert refused.value.message == "insufficient stock: P-100 主轴编码器, asked 3, available 2"
    assert (refused.value.code, refused.value.asked, refused.value.available) == ("insufficient_stock", 3, 2)
    assert level(stock).on_hand == 2 == ledger(stock)


def test_receipt_stocks_only_what_passed_inspection(stock: Stock) -> None:
    result = stock.receive(8, quantity_rejected=2, reference="供应商送货单 778")
    (move,) = result.moves
    assert (move.quantity, move.rejected_quantity, move.kind) == (8, 2, "receipt")
    assert result.lot is not None and result.lot.on_hand == 8 and result.lot.bin.code == "A-01-1"
    assert level(stock).on_hand == 8


def test_a_bin_of_another_warehouse_is_refused_naming_bin_warehouse_and_allowed_bins(stock: Stock) -> None:
    keeper = stock.world.users["sh_warehouse"]
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        stock_receive(
            part_id=stock.part.pk,
            warehouse_id=stock.sh.pk,
            bin_id=stock.bins["HZ-W:A-01-1"].pk,
            quantity_passed=1,
            unit_cost=Decimal(1),
            access=access_for(keeper),
            by=keeper,
        )
    assert refused.value.code == "wrong_bin"
    assert "SH-W" in refused.value.message and "A-01-1, B-02-3" in refused.value.message
    assert not StockMove.objects.exists()


def test_reservations_hold_stock_then_are_used_returned_or_released(stock: Stock) -> None:
    stock.receive(5)
    who = as_user(stock, "sh_warehouse")
    held = reservation_create(
        order_id=stock.order.pk, part_id=stock.part.pk, warehouse_id=stock.sh.pk, quantity=3, **who
    )
    assert (level(stock).on_hand, level(stock).reserved) == (5, 3)
    with pytest.raises(InsufficientStock) as refused:
        stock_issue(part_id=stock.part.pk, warehouse_id=stock.sh.pk, quantity=3, reason="样机", **who)
    assert refused.value.available == 2
    result = reservation_consume(reservation_id=held.pk, **who)
    assert sum(m.quantity for m in result.moves) == -3
    assert (level(stock).on_hand, level(stock).reserved) == (2, 0)
    reservation_return(reservation_id=held.pk, reason="没用上", **who)
    assert level(stock).on_hand == 5 == ledger(stock)
    assert Reservation.objects.get(pk=held.pk).state == "returned"
    other = reservation_create(
        order_id=stock.order.pk, part_id=stock.part.pk, warehouse_id=stock.sh.pk, quantity=5, **who
    )
    reservation_release(reservation_id=other.pk, reason="订单取消", **who)
    assert level(stock).reserved == 0
    with pytest.raises(InvalidTransition):
        reservation_consume(reservation_id=other.pk, **who)


def test_returns_from_an_order_are_limited_to_what_was_issued(stock: Stock) -> None:
    stock.receive(4, cost="70.00", received_at=T0)
    who = as_user(stock, "sh_warehouse")
    stock_issue(part_id=stock.part.pk, warehouse_id=stock.sh.pk, quantity=2, order_id=stock.order.pk, **who)
    result = stock_return(
        part_id=stock.part.pk,
        warehouse_id=stock.sh.pk,
        quantity=1,
        order_id=stock.order.pk,
        bin_id=stock.bins["SH-W:B-02-3"].pk,
        **who,
    )
    assert result.lot is not None and (result.lot.received_at, result.lot.unit_cost) == (T0, Decimal("70.00"))
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        stock_return(
            part_id=stock.part.pk, warehouse_id=stock.sh.pk, quantity=2, order_id=stock.order.pk, **who
        )
    assert "P-100" in refused.value.message and "1 issued" in refused.value.message
    assert level(stock).on_hand == 3 == ledger(stock)


def test_transfer_to_a_van_keeps_the_lots_dates_and_costs(stock: Stock) -> None:
    stock.receive(2, cost="80.00", received_at=T0)
    stock.receive(2, cost="95.00", received_at=T0 + DAY)
    result = stock_transfer(
        part_id=stock.part.pk,
        from_warehouse_id=stock.sh.pk,
        to_warehouse_id=stock.van.pk,
        quantity=3,
        **as_user(stock, "sh_warehouse"),
    )
    lots = list(
        StockLot.objects.filter(warehouse=stock.van).values_list("received_at", "unit_cost", "on_hand")
    )
    assert lots == [(T0, Decimal("80.00"), 2), (T0 + DAY, Decimal("95.00"), 1)]
    assert [m.kind for m in result.moves] == ["transfer_out", "transfer_out", "transfer_in", "transfer_in"]
    assert (level(stock).on_hand, level(stock, stock.van).on_hand) == (1, 3)
    assert ledger(stock) == 1 and ledger(stock, stock.van) == 3
    # The technician issues from his own van; the branch warehouse is not his to see.
    tech = as_user(stock, "sh_tech")
    stock_issue(part_id=stock.part.pk, warehouse_id=stock.van.pk, quantity=1, order_id=stock.order.pk, **tech)
    with pytest.raises(NotFound):
        stock_issue(
            part_id=stock.part.pk, warehouse_id=stock.sh.pk, quantity=1, order_id=stock.order.pk, **tech
        )


def test_outsiders_do_not_see_another_branchs_warehouse(stock: Stock) -> None:
    stock.receive(1)
    with pytest.raises(NotFound):
        stock_issue(
            part_id=stock.part.pk,
            warehouse_id=stock.sh.pk,
            quantity=1,
            reason="x",
            **as_user(stock, "hz_supervisor"),
        )


def test_writeoff_up_to_the_threshold_needs_a_second_person_with_approval_rights(stock: Stock) -> None:
    stock.receive(10, cost="100.00")
    keeper = as_user(stock, "sh_warehouse")
    writeoff = writeoff_request(
        part_id=stock.part.pk, warehouse_id=stock.sh.pk, quantity=3, reason="运输压坏", **keeper
    )
    assert (writeoff.amount, writeoff.needs_executive, writeoff.state) == (
        Decimal("300.00"),
        False,
        "requested",
    )
    assert level(stock).on_hand == 10  # nothing leaves before approval
    with pytest.raises(PermissionDenied):
        writeoff_decide(writeoff_id=writeoff.pk, approve=True, **keeper)  # asked it himself
    other_keeper = make_person("sh_warehouse2", Role.WAREHOUSE, stock.world.sh)
    with pytest.raises(PermissionDenied):  # a branch keeper is not the warehouse supervisor
        writeoff_decide(
            writeoff_id=writeoff.pk, approve=True, access=access_for(other_keeper), by=other_keeper
        )
    hq_keeper = make_person("hq_warehouse", Role.WAREHOUSE, stock.world.hq)
    done = writeoff_decide(writeoff_id=writeoff.pk, approve=True, access=access_for(hq_keeper), by=hq_keeper)
    assert (done.state, done.decided_by_id) == ("approved", hq_keeper.pk)
    move = StockMove.objects.get(kind="writeoff")
    assert (move.quantity, move.approved_by_id, move.reference) == (-3, hq_keeper.pk, writeoff.number)
    assert level(stock).on_hand == 7 == ledger(stock)


def test_writeoff_above_the_threshold_only_the_executive_approves(stock: Stock) -> None:
    stock.receive(60, cost="100.00")
    writeoff = writeoff_request(
        part_id=stock.part.pk,
        warehouse_id=stock.sh.pk,
        quantity=51,
        reason="水淹",
        **as_user(stock, "sh_warehouse"),
    )
    assert (writeoff.amount, writeoff.needs_executive) == (Decimal("5100.00"), True)
    with pytest.raises(PermissionDenied):
        writeoff_decide(writeoff_id=writeoff.pk, approve=True, **as_user(stock, "sh_manager"))
    writeoff_decide(writeoff_id=writeoff.pk, approve=True, **as_user(stock, "hq_executive"))
    assert level(stock).on_hand == 9 == ledger(stock)
    small = writeoff_request(
        part_id=stock.part.pk,
        warehouse_id=stock.sh.pk,
        quantity=1,
        reason="丢失",
        **as_user(stock, "sh_warehouse"),
    )
    with pytest.raises(InvalidTransition):  # rejecting needs a reason
        writeoff_decide(writeoff_id=small.pk, approve=False, **as_user(stock, "sh_manager"))
    rejected = writeoff_decide(
        writeoff_id=small.pk, approve=False, note="找到了", **as_user(stock, "sh_manager")
    )
    assert rejected.state == "rejected" and level(stock).on_hand == 9


def test_loans_from_finished_goods_come_back_after_the_qa_check(stock: Stock) -> None:
    fg = Warehouse.objects.create(code="HQ-FG", name="成品库", branch=stock.world.hq, kind="finished_goods")
    stock.bins["HQ-FG:A-01-1"] = fg.bins.create(branch=stock.world.hq, zone="A", code="A-01-1")
    stock.receive(3, warehouse=fg, cost="500.00", received_at=T0)
    admin = as_user(stock, "hq_admin")
    with pytest.raises(InvalidInput):
        stock_loan_out(
            part_id=stock.part.pk, warehouse_id=stock.hq.pk, quantity=1, borrower="x", reason="y", **admin
        )
    loan = stock_loan_out(
        part_id=stock.part.pk,
        warehouse_id=fg.pk,
        quantity=2,
        borrower="上海申达",
        reason="生产周期超15天",
        **admin,
    )
    assert (loan.state, loan.unit_cost, level(stock, fg).on_hand) == ("out", Decimal("500.00"), 1)
    back = stock_loan_return(loan_id=loan.pk, qa_passed=True, qa_note="外观完好", **admin)
    assert back.state == "returned" and level(stock, fg).on_hand == 3 == ledger(stock, fg)
    assert StockLot.objects.filter(warehouse=fg, on_hand=2, received_at=T0).exists()
    failed = stock_loan_out(
        part_id=stock.part.pk, warehouse_id=fg.pk, quantity=1, borrower="b", reason="r", **admin
    )
    stock_loan_return(loan_id=failed.pk, qa_passed=False, qa_note="外壳破损", **admin)
    assert StockLoan.objects.get(pk=failed.pk).state == "failed_qa" and level(stock, fg).on_hand == 2


def test_the_ledger_and_the_checks_refuse_changes_and_negative_stock(stock: Stock) -> None:
    (move,) = stock.receive(1).moves
    with pytest.raises(AppendOnlyError):
        StockMove.objects.filter(pk=move.pk).update(quantity=5)
    with pytest.raises(AppendOnlyError):
        move.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(part=stock.part).update(on_hand=-1)
