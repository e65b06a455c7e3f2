"""``/api/v1/stocktake``: list, start, count, submit, approve / reject, post, cancel.

Blind count: while counting, lines carry no system quantity (``snapshot``, ``expected`` and
``difference`` are null until the stocktake is submitted)."""

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
from aftersales.stocktake.models import Stocktake, StocktakeLine
from aftersales.stocktake.selectors import stocktake_lines, stocktakes_visible
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

router = Router(tags=["stocktake"])
S = Stocktake.State


class LineOut(Schema):
    id: int
    part: str
    part_name: str
    bin: str
    counted: int | None
    snapshot: int | None
    expected: int | None
    difference: int | None
    value: Decimal | None


class StocktakeOut(Schema):
    id: int
    number: str
    warehouse: str
    zone: str
    bin: str | None
    state: str
    planned_for: dt.date
    started_at: dt.datetime | None
    posted_at: dt.datetime | None


class StocktakeDetailOut(StocktakeOut):
    lines: list[LineOut]


class StartIn(Schema):
    warehouse_id: int
    zone: str = ""
    bin_id: int | None = None
    planned_for: dt.date | None = None
    start: bool = True


class CountIn(Schema):
    counted: int
    note: str = ""


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


def _out(s: Stocktake) -> dict[str, Any]:
    return {
        "id": s.pk,
        "number": s.number,
        "warehouse": s.warehouse.code,
        "zone": s.zone,
        "bin": s.bin.code if s.bin_id and s.bin else None,
        "state": s.state,
        "planned_for": s.planned_for,
        "started_at": s.started_at,
        "posted_at": s.posted_at,
    }


def _detail(request: HttpRequest, stocktake_id: int) -> dict[str, Any]:
    s = _visible(request, stocktake_id)
    blind = s.state in (S.DRAFT, S.COUNTING)
    lines = []
    for lv in stocktake_lines(s):
        ln: StocktakeLine = lv.line
        lines.append(
            {
                "id": ln.pk,
                "part": ln.part.code,
                "part_name": ln.part.name,
                "bin": ln.bin.code,
                "counted": ln.counted_quantity,
                "snapshot": None if blind else ln.snapshot_quantity,
                "expected": None if blind else ln.expected_quantity,
                "difference": None if blind else ln.difference,
                "value": None if blind else lv.value,
            }
        )
    return {**_out(s), "lines": lines}


def _visible(request: HttpRequest, stocktake_id: int) -> Stocktake:
    s = stocktakes_visible(access=access_for(request.user)).filter(pk=stocktake_id).first()
    if s is None:
        raise NotFound()
    return s


def _kw(request: HttpRequest, stocktake_id: int) -> dict[str, Any]:
    _visible(request, stocktake_id)
    return {"stocktake_id": stocktake_id, "access": access_for(request.user), "by": request_user(request)}


@router.get("", response=list[StocktakeOut])
def stocktakes_list(request: HttpRequest, warehouse_id: int | None = None, state: str = "") -> Any:
    qs = stocktakes_visible(access=access_for(request.user)).order_by("-planned_for", "-id")
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    if state:
        qs = qs.filter(state=state)
    return [_out(s) for s in qs[:200]]


@router.post("", response={201: StocktakeDetailOut})
def stocktakes_start(request: HttpRequest, payload: StartIn) -> Any:
    """Plan a stocktake and (``start``, the default) take the snapshot now."""
    access, by = access_for(request.user), request_user(request)
    s = stocktake_plan(
        warehouse_id=payload.warehouse_id,
        zone=payload.zone,
        bin_id=payload.bin_id,
        planned_for=payload.planned_for,
        access=access,
        by=by,
    )
    if payload.start:
        stocktake_start(stocktake_id=s.pk, access=access, by=by)
    return Status(201, _detail(request, s.pk))


@router.get("/{stocktake_id}", response=StocktakeDetailOut)
def stocktakes_get(request: HttpRequest, stocktake_id: int) -> Any:
    return _detail(request, stocktake_id)


@router.post("/{stocktake_id}/start", response=StocktakeDetailOut)
def stocktakes_start_planned(request: HttpRequest, stocktake_id: int) -> Any:
    stocktake_start(**_kw(request, stocktake_id))
    return _detail(request, stocktake_id)


@router.post("/{stocktake_id}/lines/{line_id}/count", response=LineOut)
def stocktakes_count(request: HttpRequest, stocktake_id: int, line_id: int, payload: CountIn) -> Any:
    _visible(request, stocktake_id)
    if not StocktakeLine.objects.filter(pk=line_id, stocktake_id=stocktake_id).exists():
        raise NotFound()
    line = stocktake_count(
        line_id=line_id,
        counted=payload.counted,
        note=payload.note,
        access=access_for(request.user),
        by=request_user(request),
    )
    return {
        "id": line.pk,
        "part": line.part.code,
        "part_name": line.part.name,
        "bin": line.bin.code,
        "counted": line.counted_quantity,
        "snapshot": None,
        "expected": None,
        "difference": None,
        "value": None,
    }


@router.post("/{stocktake_id}/submit", response=StocktakeDetailOut)
def stocktakes_submit(request: HttpRequest, stocktake_id: int) -> Any:
    stocktake_submit(**_kw(request, stocktake_id))
    return _detail(request, stocktake_id)


@router.post("/{stocktake_id}/approve", response=StocktakeDetailOut)
def stocktakes_approve(request: HttpRequest, stocktake_id: int, payload: NoteIn) -> Any:
    stocktake_approve(note=payload.note, **_kw(request, stocktake_id))
    return _detail(request, stocktake_id)


@router.post("/{stocktake_id}/reject", response=StocktakeDetailOut)
def stocktakes_reject(request: HttpRequest, stocktake_id: int, payload: ReasonIn) -> Any:
    stocktake_reject(reason=payload.reason, **_kw(request, stocktake_id))
    return _detail(request, stocktake_id)


@router.post("/{stocktake_id}/post", response=StocktakeDetailOut)
def stocktakes_post(request: HttpRequest, stocktake_id: int) -> Any:
    """Post the approved differences; posting again changes nothing."""
    stocktake_post(**_kw(request, stocktake_id))
    return _detail(request, stocktake_id)


@router.post("/{stocktake_id}/cancel", response=StocktakeDetailOut)
def stocktakes_cancel(request: HttpRequest, stocktake_id: int, payload: ReasonIn) -> Any:
    stocktake_cancel(reason=payload.reason, **_kw(request, stocktake_id))
    return _detail(request, stocktake_id)
