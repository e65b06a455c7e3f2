"""``/api/v1/supply``: parts requests (补件) with the same services and scoping as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.common.errors import NotFound
from aftersales.common.paging import keyset_page
from aftersales.supply import services as sv
from aftersales.supply.models import PartsRequest, SupplyOrder
from aftersales.supply.selectors import requests_search, requests_visible

router = Router(tags=["supply"])


class LineIn(Schema):
    part_id: int
    quantity: int


class ApplyIn(Schema):
    customer_id: int | None = None
    lines: list[LineIn]
    contact_name: str = ""
    phone: str = ""
    address: str = ""
    description: str = ""
    channel: str = ""


class LineOut(Schema):
    id: int
    part: str
    quantity: int
    unit_price: Decimal
    fulfilment: str
    warehouse: str | None
    supply_order_id: int | None
    supply_order: str | None
    loan: str | None
    ready: bool


class RequestOut(Schema):
    id: int
    number: str
    branch: str
    customer_id: int
    customer: str
    channel: str
    state: str
    cause: str
    charged: bool
    amount: Decimal
    promised_on: dt.date | None
    confirmed_with: str
    lead_approved_by: str | None
    quality_approved_by: str | None
    check_problem: str
    overdue: bool
    lines: list[LineOut]


class RequestPage(Schema):
    items: list[RequestOut]
    next_before: int | None


class ConfirmIn(Schema):
    promised_on: dt.date
    confirmed_with: str
    cause: str
    amount: str | None = None
    amount_reason: str = ""


class ApproveIn(Schema):
    approve: bool = True
    note: str = ""


class FulfilIn(Schema):
    line_id: int
    method: str
    warehouse_id: int | None = None


class ReceiveIn(Schema):
    qa_passed: bool = True
    qa_note: str = ""


class CheckIn(Schema):
    packaging_ok: bool
    labels_ok: bool
    stamp_ok: bool
    note: str = ""


class ShipIn(Schema):
    carrier: str
    loaded_by: str
    day: dt.date | None = None


class ShipOut(Schema):
    shipment: str
    day: dt.date
    request: RequestOut


def request_out(r: PartsRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "number": r.number,
        "branch": r.branch.code,
        "customer_id": r.customer_id,
        "customer": r.customer.name,
        "channel": r.channel,
        "state": r.state,
        "cause": r.cause,
        "charged": r.charged,
        "amount": r.amount,
        "promised_on": r.promised_on,
        "confirmed_with": r.confirmed_with,
        "lead_approved_by": r.lead_approved_by.display_name if r.lead_approved_by else None,
        "quality_approved_by": r.quality_approved_by.display_name if r.quality_approved_by else None,
        "check_problem": r.check_problem,
        "overdue": r.overdue_at is not None and r.is_open,
        "lines": [
            {
                "id": ln.pk,
                "part": ln.part.code,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "fulfilment": ln.fulfilment,
                "warehouse": ln.warehouse.code if ln.warehouse else None,
                "supply_order_id": ln.supply_order_id,
                "supply_order": ln.supply_order.number if ln.supply_order else None,
                "loan": ln.loan.number if ln.loan else None,
                "ready": ln.ready,
            }
            for ln in r.lines.all()
        ],
    }


def _visible(request: HttpRequest, request_id: int) -> PartsRequest:
    req = (
        requests_visible(access=access_for(request.user))
        .select_related("lead_approved_by", "quality_approved_by")
        .prefetch_related("lines__part", "lines__warehouse", "lines__supply_order", "lines__loan")
        .filter(pk=request_id)
        .first()
    )
    if req is None:
        raise NotFound()
    return req


def _ctx(request: HttpRequest) -> dict[str, Any]:
    return {"access": access_for(request.user), "by": request_user(request)}


@router.post("/requests", response={201: RequestOut})
def requests_apply(request: HttpRequest, payload: ApplyIn) -> Any:
    data = sv.RequestData(
        customer_id=payload.customer_id,
        lines=[sv.LineData(part_id=ln.part_id, quantity=ln.quantity) for ln in payload.lines],
        contact_name=payload.contact_name,
        phone=payload.phone,
        address=payload.address,
        description=payload.description,
        channel=payload.channel,
    )
    req = sv.request_apply(data=data, **_ctx(request))
    return Status(201, request_out(_visible(request, req.pk)))


@router.get("/requests", response=RequestPage)
def requests_list(
    request: HttpRequest,
    state: str = "",
    overdue: bool = False,
    q: str = "",
    before: int | None = None,
    size: int = Query(50, ge=1, le=500),
) -> Any:
    qs = requests_search(
        access=access_for(request.user), state=state, overdue=overdue, q=q, before_id=before
    ).prefetch_related("lines__part", "lines__warehouse", "lines__supply_order", "lines__loan")
    page = keyset_page(qs.select_related("lead_approved_by", "quality_approved_by"), size=size)
    return {"items": [request_out(r) for r in page.items], "next_before": page.next_before}


@router.get("/requests/{request_id}", response=RequestOut)
def requests_get(request: HttpRequest, request_id: int) -> Any:
    return request_out(_visible(request, request_id))


@router.post("/requests/{request_id}/confirm", response=RequestOut)
def requests_confirm(request: HttpRequest, request_id: int, payload: ConfirmIn) -> Any:
    _visible(request, request_id)
    sv.request_confirm(request_id=request_id, **payload.dict(), **_ctx(request))
    return request_out(_visible(request, request_id))


@router.post("/requests/{request_id}/approve", response=RequestOut)
def requests_approve(request: HttpRequest, request_id: int, payload: ApproveIn) -> Any:
    _visible(request, request_id)
    sv.request_approve(request_id=request_id, approve=payload.approve, note=payload.note, **_ctx(request))
    return request_out(_visible(request, request_id))


@router.post("/requests/{request_id}/fulfil", response=RequestOut)
def requests_fulfil(request: HttpRequest, request_id: int, payload: FulfilIn) -> Any:
    _visible(request, request_id)
    sv.request_fulfil(request_id=request_id, **payload.dict(), **_ctx(request))
    return request_out(_visible(request, request_id))


@router.post("/supply-orders/{order_id}/receive", response=RequestOut)
def supply_orders_receive(request: HttpRequest, order_id: int, payload: ReceiveIn) -> Any:
    order = SupplyOrder.objects.filter(pk=order_id).values_list("request_id", flat=True).first()
    if order is None:
        raise NotFound()
    _visible(request, order)
    sv.supply_order_receive(order_id=order_id, **payload.dict(), **_ctx(request))
    return request_out(_visible(request, order))


@router.post("/requests/{request_id}/check", response=RequestOut)
def requests_check(request: HttpRequest, request_id: int, payload: CheckIn) -> Any:
    _visible(request, request_id)
    sv.request_check(request_id=request_id, **payload.dict(), **_ctx(request))
    return request_out(_visible(request, request_id))


@router.post("/requests/{request_id}/ship", response=ShipOut)
def requests_ship(request: HttpRequest, request_id: int, payload: ShipIn) -> Any:
    _visible(request, request_id)
    shipment = sv.request_ship(request_id=request_id, **payload.dict(), **_ctx(request))
    return {
        "shipment": shipment.number,
        "day": shipment.day,
        "request": request_out(_visible(request, request_id)),
    }
