"""``/api/v1/calls`` and ``/api/v1/orders``: register and read calls with the same rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.calls.models import ServiceCall, ServiceOrder
from aftersales.calls.selectors import calls_register_page, calls_visible, orders_visible
from aftersales.calls.services import CallData, call_register
from aftersales.common.errors import NotFound
from aftersales.common.paging import keyset_page

router = Router(tags=["calls"])


class CallIn(Schema):
    customer_id: int | None = None
    unit_id: int | None = None
    channel: str = "phone"
    category: str = "repair"
    urgency: str = "normal"
    contact_name: str = ""
    phone: str = ""
    address: str = ""
    zone_id: int | None = None
    fault_category_id: int | None = None
    fault_description: str = ""
    human_damage_suspected: bool = False
    service_type: str = ""
    service_type_reason: str = ""
    resolved_remotely: bool = False
    resolution_note: str = ""
    received_at: dt.datetime | None = None


class CallOut(Schema):
    id: int
    number: str
    branch: str
    customer_id: int
    customer: str
    unit_id: int | None
    serial: str | None
    channel: str
    category: str
    urgency: str
    phone: str
    address: str
    fault_description: str
    warranty_state: str
    warranty_until: dt.date | None
    service_type: str
    state: str
    order_id: int | None
    order_number: str | None
    is_repeat: bool
    received_at: dt.datetime


class CallRegistered(Schema):
    call: CallOut
    order_number: str
    linked: bool


class CallPage(Schema):
    items: list[CallOut]
    next_before: int | None


class OrderOut(Schema):
    id: int
    number: str
    branch: str
    customer: str
    serial: str | None
    category: str
    service_type: str
    state: str
    technician: str | None
    repeat_of: str | None
    opened_at: dt.datetime


def call_out(c: ServiceCall) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "branch": c.branch.code,
        "customer_id": c.customer_id,
        "customer": c.customer.name,
        "unit_id": c.unit_id,
        "serial": c.unit.serial if c.unit else None,
        "channel": c.channel,
        "category": c.category,
        "urgency": c.urgency,
        "phone": c.phone,
        "address": c.address,
        "fault_description": c.fault_description,
        "warranty_state": c.warranty_state,
        "warranty_until": c.warranty_until,
        "service_type": c.service_type,
        "state": c.state,
        "order_id": c.order_id,
        "order_number": c.order.number if c.order else None,
        "is_repeat": c.is_repeat,
        "received_at": c.received_at,
    }


def order_out(o: ServiceOrder) -> dict[str, Any]:
    return {
        "id": o.pk,
        "number": o.number,
        "branch": o.branch.code,
        "customer": o.customer.name,
        "serial": o.unit.serial if o.unit else None,
        "category": o.category,
        "service_type": o.service_type,
        "state": o.state,
        "technician": o.technician.display_name if o.technician else None,
        "repeat_of": o.repeat_of.number if o.repeat_of_id and o.repeat_of else None,
        "opened_at": o.opened_at,
    }


@router.post("/calls", response={201: CallRegistered})
def calls_create(request: HttpRequest, payload: CallIn) -> Any:
    """Register a call. A second call on a unit with an open order is linked to it (S11)."""
    access = access_for(request.user)
    result = call_register(data=CallData(**payload.dict()), access=access, by=request_user(request))
    call = calls_visible(access=access).get(pk=result.call.pk)
    return Status(201, {"call": call_out(call), "order_number": result.order_number, "linked": result.linked})


@router.get("/calls", response=CallPage)
def calls_list(
    request: HttpRequest,
    day: dt.date | None = None,
    branch: int | None = None,
    q: str = "",
    before: int | None = None,
    size: int = Query(50, ge=1, le=500),
) -> Any:
    qs = calls_register_page(
        access=access_for(request.user), day=day, branch_id=branch, q=q, before_id=before
    )
    page = keyset_page(qs, size=size)
    return {"items": [call_out(c) for c in page.items], "next_before": page.next_before}


@router.get("/calls/{call_id}", response=CallOut)
def calls_get(request: HttpRequest, call_id: int) -> Any:
    call = calls_visible(access=access_for(request.user)).filter(pk=call_id).first()
    if call is None:
        raise NotFound()
    return call_out(call)


@router.get("/orders/{order_id}", response=OrderOut)
def orders_get(request: HttpRequest, order_id: int) -> Any:
    order = (
        orders_visible(access=access_for(request.user))
        .select_related("repeat_of")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound()
    return order_out(order)


# --- the order's workflow: the same services as the pages --------------------------------------------


class AssignIn(Schema):
    technician_id: int
    reason: str = ""


class AppointmentIn(Schema):
    start: dt.datetime
    end: dt.datetime
    customer_choice: bool = True


class PartIn(Schema):
    part_id: int
    quantity: int = 1
    old_part: str = "return"


class ReportIn(Schema):
    fault_category_id: int | None = None
    diagnosis: str = ""
    cause: str = ""
    solution: str = ""
    labour_minutes: int = 0
    no_parts_used: bool = False
    parts: list[PartIn] = []
    extra_work: str = ""


class SignIn(Schema):
    signed_by: str
    signature: str
    opinion: str
    comment: str = ""


class NotFixedIn(Schema):
    next_step: str
    reason: str


class SettleIn(Schema):
    settlement: str
    reason: str = ""
    amount: str | None = None  # paid on site: defaults to the accepted quote's total
    method: str = ""  # paid on site: cash, bank_transfer, wechat, alipay, card


def _visible_order(request: HttpRequest, order_id: int) -> ServiceOrder:
    order = orders_visible(access=access_for(request.user)).filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    return order


def _order_reply(request: HttpRequest, order_id: int) -> dict[str, Any]:
    return order_out(
        orders_visible(access=access_for(request.user)).select_related("repeat_of").get(pk=order_id)
    )


@router.post("/orders/{order_id}/assign", response=OrderOut)
def orders_assign(request: HttpRequest, order_id: int, payload: AssignIn) -> Any:
    """Assign or reassign (with a reason) a technician of the branch certified for the product line."""
    from aftersales.calls.workflow import order_assign

    _visible_order(request, order_id)
    order_assign(
        order_id=order_id,
        technician_id=payload.technician_id,
        reason=payload.reason,
        access=access_for(request.user),
        by=request_user(request),
    )
    return _order_reply(request, order_id)


@router.post("/orders/{order_id}/appointment", response=OrderOut)
def orders_appointment(request: HttpRequest, order_id: int, payload: AppointmentIn) -> Any:
    from aftersales.calls.workflow import order_book_appointment

    _visible_order(request, order_id)
    order_book_appointment(
        order_id=order_id,
        start=payload.start,
        end=payload.end,
        customer_choice=payload.customer_choice,
        access=access_for(request.user),
        by=request_user(request),
    )
    return _order_reply(request, order_id)


@router.post("/orders/{order_id}/travel", response=OrderOut)
def orders_travel(request: HttpRequest, order_id: int) -> Any:
    from aftersales.calls.workflow import order_start_travel

    _visible_order(request, order_id)
    order_start_travel(order_id=order_id, access=access_for(request.user), by=request_user(request))
    return _order_reply(request, order_id)


@router.post("/orders/{order_id}/arrive", response=OrderOut)
def orders_arrive(request: HttpRequest, order_id: int) -> Any:
    """The technician is on site: the arrival clock stops."""
    from aftersales.calls.workflow import order_arrive

    _visible_order(request, order_id)
    order_arrive(order_id=order_id, access=access_for(request.user), by=request_user(request))
    return _order_reply(request, order_id)


@router.put("/orders/{order_id}/report", response=OrderOut)
def orders_report(request: HttpRequest, order_id: int, payload: ReportIn) -> Any:
    from aftersales.calls.onsite import PartUse, ReportData, report_save

    _visible_order(request, order_id)
    data = payload.dict()
    data["parts"] = [PartUse(**p) for p in data["parts"]]
    report_save(
        order_id=order_id, data=ReportData(**data), access=access_for(request.user), by=request_user(request)
    )
    return _order_reply(request, order_id)


@router.post("/orders/{order_id}/sign", response=OrderOut)
def orders_sign(request: HttpRequest, order_id: int, payload: SignIn) -> Any:
    from aftersales.calls.onsite import report_sign

    _visible_order(request, order_id)
    report_sign(
        order_id=order_id,
        signed_by=payload.signed_by,
        signature=payload.signature,
        opinion=payload.opinion,
        comment=payload.comment,
        access=access_for(request.user),
        by=request_user(request),
    )
    return _order_reply(request, order_id)


@router.post("/orders/{order_id}/complete", response=OrderOut)
def orders_complete(request: HttpRequest, order_id: int) -> Any:
    """Work done: refused until the report is complete and signed."""
    from aftersales.calls.onsite import order_complete

    _visible_order(request, order_id)
    order_complete(order_id=order_id, access=access_for(request.user), by=request_user(request))
    return _order_reply(request, order_id)


@router.post("/orders/{order_id}/not-fixed", response=OrderOut)
def orders_not_fixed(request: HttpRequest, order_id: int, payload: NotFixedIn) -> Any:
    from aftersales.calls.onsite import order_not_fixed

    _visible_order(request, order_id)
    order_not_fixed(
        order_id=order_id,
        next_step=payload.next_step,
        reason=payload.reason,
        access=access_for(request.user),
        by=request_user(request),
    )
    return _order_reply(request, order_id)


@router.post("/orders/{order_id}/settle", response=OrderOut)
def orders_settle(request: HttpRequest, order_id: int, payload: SettleIn) -> Any:
    from aftersales.calls.onsite import order_settle

    _visible_order(request, order_id)
    order_settle(
        order_id=order_id,
        settlement=payload.settlement,
        reason=payload.reason,
        amount=payload.amount,
        method=payload.method,
        access=access_for(request.user),
        by=request_user(request),
    )
    return _order_reply(request, order_id)


@router.post("/orders/{order_id}/close", response=OrderOut)
def orders_close(request: HttpRequest, order_id: int) -> Any:
    """Close: only with a complete report and the money settled."""
    from aftersales.calls.onsite import order_close

    _visible_order(request, order_id)
    order_close(order_id=order_id, access=access_for(request.user), by=request_user(request))
    return _order_reply(request, order_id)
