"""``/api/v1/stock/…``: levels, the move ledger, receive / issue / return / transfer, write-offs,
the loan register (lend finished goods, the return with its QA check).

The same services and permissions as the pages; refusals come back as ``{"code", "message",
"fields"}`` (``insufficient_stock``, ``wrong_bin``, ``permission_denied``, ``not_found``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.common.errors import NotFound
from aftersales.stock.models import StockLoan, StockMove, WriteOff
from aftersales.stock.selectors import levels_visible, loans_visible, moves_visible, writeoffs_visible
from aftersales.stock.services import (
    MoveResult,
    stock_issue,
    stock_loan_out,
    stock_loan_return,
    stock_receive,
    stock_return,
    stock_transfer,
    writeoff_decide,
    writeoff_request,
)

router = Router(tags=["stock"])


class LoanOut(Schema):
    id: int
    number: str
    part: str
    warehouse: str
    quantity: int
    unit_cost: Decimal
    borrower: str
    order: str | None
    reason: str
    due_on: dt.date | None
    state: str
    lent_at: dt.datetime
    lent_by: str
    returned_at: dt.datetime | None
    qa_note: str


class LoanIn(Schema):
    part_id: int
    warehouse_id: int
    quantity: int
    borrower: str
    reason: str
    order_id: int | None = None
    due_on: dt.date | None = None


class LoanReturnIn(Schema):
    qa_passed: bool
    qa_note: str = ""
    bin_id: int | None = None


class LevelOut(Schema):
    part: str
    part_name: str
    warehouse: str
    on_hand: int
    reserved: int
    available: int
    reorder_point: int
    last_received_at: dt.datetime | None
    last_issued_at: dt.datetime | None


class MoveOut(Schema):
    id: int
    number: str
    kind: str
    part: str
    warehouse: str
    bin: str | None
    quantity: int
    rejected_quantity: int
    unit_cost: Decimal
    order: str | None
    reason: str
    reference: str
    at: dt.datetime


class PickOut(Schema):
    bin: str
    quantity: int
    received_at: dt.datetime
    unit_cost: Decimal


class MoveResultOut(Schema):
    moves: list[MoveOut]
    pick: list[PickOut]


class ReceiveIn(Schema):
    part_id: int
    warehouse_id: int
    quantity_passed: int
    quantity_rejected: int = 0
    unit_cost: Decimal
    bin_id: int | None = None
    reference: str = ""
    reason: str = ""


class IssueIn(Schema):
    part_id: int
    warehouse_id: int
    quantity: int
    order_id: int | None = None
    bin_id: int | None = None
    reason: str = ""


class ReturnIn(Schema):
    part_id: int
    warehouse_id: int
    quantity: int
    order_id: int
    bin_id: int | None = None
    reason: str = ""


class TransferIn(Schema):
    part_id: int
    from_warehouse_id: int
    to_warehouse_id: int
    quantity: int
    to_bin_id: int | None = None
    reason: str = ""


class WriteOffIn(Schema):
    part_id: int
    warehouse_id: int
    quantity: int
    reason: str
    bin_id: int | None = None
    disposition: str = WriteOff.Disposition.SCRAP


class DecideIn(Schema):
    approve: bool
    note: str = ""


class WriteOffOut(Schema):
    id: int
    number: str
    part: str
    warehouse: str
    quantity: int
    amount: Decimal
    needs_executive: bool
    state: str
    reason: str
    requested_by: str
    decided_by: str | None


def move_out(m: StockMove) -> dict[str, Any]:
    return {
        "id": m.pk,
        "number": m.number,
        "kind": m.kind,
        "part": m.part.code,
        "warehouse": m.warehouse.code,
        "bin": m.bin.code if m.bin else None,
        "quantity": m.quantity,
        "rejected_quantity": m.rejected_quantity,
        "unit_cost": m.unit_cost,
        "order": m.order.number if m.order else None,
        "reason": m.reason,
        "reference": m.reference,
        "at": m.at,
    }


def result_out(result: MoveResult) -> dict[str, Any]:
    moves = StockMove.objects.select_related("part", "warehouse", "bin", "order").filter(
        pk__in=[m.pk for m in result.moves]
    )
    return {
        "moves": [move_out(m) for m in moves.order_by("pk")],
        "pick": [
            {
                "bin": p.bin_code,
                "quantity": p.quantity,
                "received_at": p.received_at,
                "unit_cost": p.unit_cost,
            }
            for p in result.pick
        ],
    }


def writeoff_out(w: WriteOff) -> dict[str, Any]:
    return {
        "id": w.pk,
        "number": w.number,
        "part": w.part.code,
        "warehouse": w.warehouse.code,
        "quantity": w.quantity,
        "amount": w.amount,
        "needs_executive": w.needs_executive,
        "state": w.state,
        "reason": w.reason,
        "requested_by": w.requested_by.display_name,
        "decided_by": w.decided_by.display_name if w.decided_by else None,
    }


@router.get("/levels", response=list[LevelOut])
def levels(request: HttpRequest, warehouse_id: int | None = None, q: str = "", limit: int = 200) -> Any:
    rows = levels_visible(access=access_for(request.user), warehouse_id=warehouse_id, q=q)[: min(limit, 1000)]
    return [
        {
            "part": lv.part.code,
            "part_name": lv.part.name,
            "warehouse": lv.warehouse.code,
            "on_hand": lv.on_hand,
            "reserved": lv.reserved,
            "available": lv.available,
            "reorder_point": lv.part.reorder_point,
            "last_received_at": lv.last_received_at,
            "last_issued_at": lv.last_issued_at,
        }
        for lv in rows
    ]


@router.get("/moves", response=list[MoveOut])
def moves(
    request: HttpRequest, part_id: int | None = None, warehouse_id: int | None = None, limit: int = 100
) -> Any:
    rows = moves_visible(access=access_for(request.user), part_id=part_id, warehouse_id=warehouse_id)
    return [move_out(m) for m in rows[: min(limit, 500)]]


@router.post("/receive", response={201: MoveResultOut})
def receive(request: HttpRequest, payload: ReceiveIn) -> Any:
    result = stock_receive(**payload.dict(), access=access_for(request.user), by=request_user(request))
    return Status(201, result_out(result))


@router.post("/issue", response={201: MoveResultOut})
def issue(request: HttpRequest, payload: IssueIn) -> Any:
    """Issue oldest lots first; the answer carries the pick list with bins."""
    result = stock_issue(**payload.dict(), access=access_for(request.user), by=request_user(request))
    return Status(201, result_out(result))


@router.post("/return", response={201: MoveResultOut})
def return_(request: HttpRequest, payload: ReturnIn) -> Any:
    result = stock_return(**payload.dict(), access=access_for(request.user), by=request_user(request))
    return Status(201, result_out(result))


@router.post("/transfer", response={201: MoveResultOut})
def transfer(request: HttpRequest, payload: TransferIn) -> Any:
    result = stock_transfer(**payload.dict(), access=access_for(request.user), by=request_user(request))
    return Status(201, result_out(result))


@router.get("/writeoffs", response=list[WriteOffOut])
def writeoffs(request: HttpRequest, state: str = "") -> Any:
    rows = writeoffs_visible(access=access_for(request.user), state=state)[:200]
    return [writeoff_out(w) for w in rows]


@router.post("/writeoffs", response={201: WriteOffOut})
def writeoffs_create(request: HttpRequest, payload: WriteOffIn) -> Any:
    w = writeoff_request(**payload.dict(), access=access_for(request.user), by=request_user(request))
    return Status(201, writeoff_out(writeoffs_visible(access=access_for(request.user)).get(pk=w.pk)))


@router.post("/writeoffs/{writeoff_id}/decide", response=WriteOffOut)
def writeoffs_decide(request: HttpRequest, writeoff_id: int, payload: DecideIn) -> Any:
    access = access_for(request.user)
    if not writeoffs_visible(access=access).filter(pk=writeoff_id).exists():
        raise NotFound()
    writeoff_decide(
        writeoff_id=writeoff_id,
        approve=payload.approve,
        note=payload.note,
        access=access,
        by=request_user(request),
    )
    return writeoff_out(writeoffs_visible(access=access).get(pk=writeoff_id))


def loan_out(loan: StockLoan) -> dict[str, Any]:
    return {
        "id": loan.pk,
        "number": loan.number,
        "part": loan.part.code,
        "warehouse": loan.warehouse.code,
        "quantity": loan.quantity,
        "unit_cost": loan.unit_cost,
        "borrower": loan.borrower,
        "order": loan.order.number if loan.order else None,
        "reason": loan.reason,
        "due_on": loan.due_on,
        "state": loan.state,
        "lent_at": loan.lent_at,
        "lent_by": loan.lent_by.display_name,
        "returned_at": loan.returned_at,
        "qa_note": loan.qa_note,
    }


def _loan(access: Any, loan_id: int) -> StockLoan:
    loan = loans_visible(access=access).select_related("order", "lent_by").filter(pk=loan_id).first()
    if loan is None:
        raise NotFound()
    return loan


@router.get("/loans", response=list[LoanOut])
def loans(request: HttpRequest, state: str = "") -> Any:
    """The loan register; ``state``: out, returned or failed_qa (empty: all)."""
    rows = loans_visible(access=access_for(request.user), state=state).select_related("order", "lent_by")
    return [loan_out(loan) for loan in rows.order_by("-lent_at", "-pk")[:200]]


@router.post("/loans", response={201: LoanOut})
def loans_create(request: HttpRequest, payload: LoanIn) -> Any:
    access = access_for(request.user)
    loan = stock_loan_out(**payload.dict(), access=access, by=request_user(request))
    return Status(201, loan_out(_loan(access, loan.pk)))


@router.post("/loans/{loan_id}/return", response=LoanOut)
def loans_return(request: HttpRequest, loan_id: int, payload: LoanReturnIn) -> Any:
    """The goods come back: QA passed → back into stock; failed (a note is required) → not restocked."""
    access = access_for(request.user)
    _loan(access, loan_id)
    stock_loan_return(loan_id=loan_id, **payload.dict(), access=access, by=request_user(request))
    return loan_out(_loan(access, loan_id))
