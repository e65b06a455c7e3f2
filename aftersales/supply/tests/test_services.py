"""The 补件 workflow's rules: each refusal names the field; four eyes; the 15-day limit is policy data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.common.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from aftersales.sla.models import Clock, ClockPolicy
from aftersales.stock.models import StockLevel, StockLoan
from aftersales.supply.models import CloseOut, CloseOutLine, PartsRequest, SupplyOrder
from aftersales.supply.services import (
    CLOSEOUT_ANCHOR,
    LineData,
    RequestData,
    closeout_run,
    request_apply,
    request_approve,
    request_check,
    request_fulfil,
    request_ship,
    supply_order_receive,
)
from aftersales.supply.tests.conftest import Supply

RS = PartsRequest.State


def _a(s: Supply, name: str):  # type: ignore[no-untyped-def]
    return {"access": access_for(s.u(name)), "by": s.u(name)}


def test_a_request_runs_from_stock_to_shipment(supply: Supply) -> None:
    req = supply.approved()
    line = req.lines.get()
    request_fulfil(
        request_id=req.pk,
        line_id=line.pk,
        method="stock",
        warehouse_id=supply.sh.pk,
        **_a(supply, "sh_agent"),
    )
    request_check(
        request_id=req.pk, packaging_ok=True, labels_ok=True, stamp_ok=True, **_a(supply, "sh_warehouse")
    )
    shipment = request_ship(
        request_id=req.pk, carrier="顺丰", loaded_by="王师傅", **_a(supply, "sh_warehouse")
    )
    req.refresh_from_db()
    assert req.state == RS.SHIPPED and shipment.lines.get().quantity == 2
    assert StockLevel.objects.get(part=supply.part, warehouse=supply.sh).on_hand == 8
    clock = Clock.objects.get(subject_type="supply.partsrequest", subject_id=req.pk, code="parts_delivery")
    assert clock.stopped_at is not None and clock.state == "met"


def test_portal_customer_applies_for_own_company_only(supply: Supply) -> None:
    req = supply.apply("customer")
    assert req.channel == "portal" and req.customer == supply.world.sh_customer
    with pytest.raises(NotFound):
        supply.apply("customer", customer_id=supply.world.hz_customer.pk)
    dealer_req = supply.apply("dealer")
    assert dealer_req.channel == "dealer" and dealer_req.dealer == supply.world.sh_dealer


def test_agent_applies_only_for_own_branch_customers(supply: Supply) -> None:
    with pytest.raises(NotFound):
        supply.apply("sh_agent", customer_id=supply.world.hz_customer.pk)


def test_apply_refuses_empty_lines_and_bad_quantity(supply: Supply) -> None:
    with pytest.raises(InvalidInput) as exc:
        request_apply(data=RequestData(customer_id=supply.world.sh_customer.pk), **_a(supply, "sh_agent"))
    assert "lines" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        request_apply(
            data=RequestData(
                customer_id=supply.world.sh_customer.pk, lines=[LineData(part_id=supply.part.pk, quantity=0)]
            ),
            **_a(supply, "sh_agent"),
        )
    assert "lines.0.quantity" in exc.value.fields


def test_promise_is_limited_by_the_policy_not_a_constant(supply: Supply) -> None:
    req = supply.apply()
    with pytest.raises(InvalidInput) as exc:
        supply.confirm(req, days=16)
    assert "promised_on" in exc.value.fields
    latest = (timezone.localdate() + dt.timedelta(days=15)).isoformat()
    assert latest in exc.value.fields["promised_on"][0]
    ClockPolicy.objects.filter(code="parts_delivery").update(amount=Decimal("20"))
    assert supply.confirm(req, days=16).promised_on == timezone.localdate() + dt.timedelta(days=16)


def test_charged_amount_defaults_to_sale_price_and_needs_a_reason_to_change(supply: Supply) -> None:
    req = supply.apply()
    with pytest.raises(InvalidInput) as exc:
        supply.confirm(req, cause="material", amount="50")
    assert "amount" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        supply.confirm(req, cause="customer_damage", amount="300")
    assert "amount_reason" in exc.value.fields
    req = supply.confirm(req, cause="customer_damage")
    assert req.charged and req.amount == Decimal("360.00")
    with pytest.raises(InvalidInput) as exc:
        supply.confirm(supply.apply(), cause="because")
    assert "cause" in exc.value.fields


def test_four_eyes_lead_then_quality_never_the_requester(supply: Supply) -> None:
    req = supply.confirm(supply.apply("sh_supervisor"))
    with pytest.raises(InvalidTransition):  # the supervisor entered it himself
        request_approve(request_id=req.pk, **_a(supply, "sh_supervisor"))
    req2 = supply.confirm(supply.apply())
    with pytest.raises(PermissionDenied):  # the quality manager is the second step, not the first
        request_approve(request_id=req2.pk, **_a(supply, "hq_quality_manager"))
    with pytest.raises(NotFound):  # another branch's supervisor does not see it
        request_approve(request_id=req2.pk, **_a(supply, "hz_supervisor"))
    request_approve(request_id=req2.pk, **_a(supply, "sh_supervisor"))
    req2 = request_approve(request_id=req2.pk, **_a(supply, "hq_quality_manager"))
    assert req2.state == RS.APPROVED
    assert req2.lead_approved_by == supply.u("sh_supervisor")
    assert req2.quality_approved_by == supply.u("hq_quality_manager")


def test_rejection_needs_a_reason_and_cancels_the_clock(supply: Supply) -> None:
    req = supply.confirm(supply.apply())
    with pytest.raises(InvalidTransition) as exc:
        request_approve(request_id=req.pk, approve=False, **_a(supply, "sh_supervisor"))
    assert "reason" in exc.value.fields
    req = request_approve(request_id=req.pk, approve=False, note="非我司产品", **_a(supply, "sh_supervisor"))
    assert req.state == RS.REJECTED
    assert Clock.objects.get(subject_id=req.pk, code="parts_delivery").state == "cancelled"


def test_production_order_runs_the_12_day_clock_and_receipt_stocks_it(supply: Supply) -> None:
    req = supply.approved()
    line = req.lines.get()
    line = request_fulfil(
        request_id=req.pk,
        line_id=line.pk,
        method="production",
        warehouse_id=supply.sh.pk,
        **_a(supply, "sh_agent"),
    )
    order = line.supply_order
    assert order is not None and not line.ready
    assert order.due_at is not None and (order.due_at - order.ordered_at) == dt.timedelta(days=12)
    with pytest.raises(InvalidInput) as exc:  # parts not here yet: no check
        request_check(
            request_id=req.pk, packaging_ok=True, labels_ok=True, stamp_ok=True, **_a(supply, "sh_warehouse")
        )
    assert "lines" in exc.value.fields
    supply_order_receive(order_id=order.pk, **_a(supply, "sh_warehouse"))
    assert StockLevel.objects.get(part=supply.part, warehouse=supply.sh).on_hand == 12
    assert Clock.objects.get(subject_type="supply.supplyorder", subject_id=order.pk).state == "met"


def test_failed_check_blocks_shipping_with_its_reason(supply: Supply) -> None:
    req = supply.approved()
    request_fulfil(
        request_id=req.pk,
        line_id=req.lines.get().pk,
        method="stock",
        warehouse_id=supply.sh.pk,
        **_a(supply, "sh_agent"),
    )
    with pytest.raises(InvalidInput) as exc:
        request_check(
            request_id=req.pk, packaging_ok=True, labels_ok=False, stamp_ok=True, **_a(supply, "sh_warehouse")
        )
    assert "note" in exc.value.fields
    request_check(
        request_id=req.pk,
        packaging_ok=True,
        labels_ok=False,
        stamp_ok=True,
        note="标签数量写错",
        **_a(supply, "sh_warehouse"),
    )
    with pytest.raises(InvalidInput) as exc:
        request_ship(request_id=req.pk, carrier="顺丰", loaded_by="王", **_a(supply, "sh_warehouse"))
    assert "state" in exc.value.fields and "标签数量写错" in exc.value.message
    with pytest.raises(PermissionDenied):
        request_ship(request_id=req.pk, carrier="顺丰", loaded_by="王", **_a(supply, "sh_agent"))


def test_loan_only_when_production_cannot_meet_the_promise(supply: Supply) -> None:
    req = supply.approved()  # promised in 10 days, production takes 12: a loan is allowed
    line = req.lines.get()
    with pytest.raises(InvalidInput) as exc:
        request_fulfil(
            request_id=req.pk,
            line_id=line.pk,
            method="loan",
            warehouse_id=supply.sh.pk,
            **_a(supply, "sh_warehouse"),
        )
    assert "warehouse_id" in exc.value.fields
    line = request_fulfil(
        request_id=req.pk,
        line_id=line.pk,
        method="loan",
        warehouse_id=supply.fg.pk,
        **_a(supply, "sh_warehouse"),
    )
    assert line.ready and line.loan is not None and line.supply_order is not None
    assert StockLevel.objects.get(part=supply.part, warehouse=supply.fg).on_hand == 8
    supply_order_receive(order_id=line.supply_order.pk, **_a(supply, "sh_warehouse"))  # goods back after QA
    assert StockLoan.objects.get(pk=line.loan.pk).state == "returned"
    assert StockLevel.objects.get(part=supply.part, warehouse=supply.fg).on_hand == 10
    req2 = supply.confirm(supply.apply(), days=14)
    for name in ("sh_supervisor", "hq_quality_manager"):
        request_approve(request_id=req2.pk, **_a(supply, name))
    with pytest.raises(InvalidInput) as exc:
        request_fulfil(
            request_id=req2.pk,
            line_id=req2.lines.get().pk,
            method="loan",
            warehouse_id=supply.fg.pk,
            **_a(supply, "sh_warehouse"),
        )
    assert "method" in exc.value.fields


def test_closeout_lists_owed_and_marks_overdue_after_grace_idempotently(supply: Supply) -> None:
    req = supply.confirm(supply.apply(), days=1)
    shipped_later = supply.approved()
    days = (timezone.localdate() + dt.timedelta(days=11) - CLOSEOUT_ANCHOR).days
    close_day = CLOSEOUT_ANCHOR + dt.timedelta(days=-(-days // 15) * 15)  # after both promised dates
    at = dt.datetime.combine(close_day, dt.time(4), tzinfo=dt.UTC)
    first = closeout_run(at=at)
    assert first["closeouts"] == 1 and first["listed"] == 2
    assert closeout_run(at=at) == {"closeouts": 0, "listed": 0, "overdue": 0}
    PartsRequest.objects.filter(pk=shipped_later.pk).update(state=RS.SHIPPED)
    closeout = CloseOut.objects.get()
    after_grace = dt.datetime.combine(closeout.grace_until + dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    assert closeout_run(at=after_grace)["overdue"] == 1
    again = closeout_run(at=after_grace)
    assert again["overdue"] == 0
    assert list(PartsRequest.objects.filter(overdue_at__isnull=False).values_list("pk", flat=True)) == [
        req.pk
    ]
    assert (closeout.grace_until - closeout.period_end).days == 3
    assert CloseOutLine.objects.count() == 2 + again["listed"]
    assert SupplyOrder.objects.count() == 0
