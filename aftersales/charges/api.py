"""``/api/v1/orders/{id}/quotes`` and ``/api/v1/quotes/{id}/…``: quotes with the S6 approval rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.calls.selectors import orders_visible
from aftersales.charges.models import Quote
from aftersales.charges.services import (
    discount_pct,
    quote_answer,
    quote_build,
    quote_decide,
    quote_send,
    quote_set_total,
    quote_submit,
)
from aftersales.common.errors import NotFound

router = Router(tags=["charges"])


class QuoteLineOut(Schema):
    kind: str
    description: str
    quantity: Decimal
    list_price: Decimal
    unit_price: Decimal
    amount: Decimal


class QuoteOut(Schema):
    id: int
    number: str
    order: str
    state: str
    basis: str
    list_total: Decimal
    total: Decimal
    discount_pct: Decimal
    approved_by: str | None
    lines: list[QuoteLineOut]


class TotalIn(Schema):
    total: Decimal
    reason: str = ""


class DecisionIn(Schema):
    approve: bool
    comment: str = ""


class AnswerIn(Schema):
    accepted: bool
    reason: str = ""


def _visible_quote(request: HttpRequest, quote_id: int) -> Quote:
    access = access_for(request.user)
    quote = (
        Quote.objects.select_related("order", "approved_by")
        .filter(pk=quote_id, order__in=orders_visible(access=access))
        .first()
    )
    if quote is None or not access.can("quotes.view", quote.branch_id):
        raise NotFound()
    return quote


def quote_out(q: Quote) -> dict[str, Any]:
    return {
        "id": q.pk,
        "number": q.number,
        "order": q.order.number,
        "state": q.state,
        "basis": q.basis,
        "list_total": q.list_total,
        "total": q.total,
        "discount_pct": discount_pct(q).quantize(Decimal("0.001")),
        "approved_by": q.approved_by.display_name if q.approved_by else None,
        "lines": [
            {
                "kind": ln.kind,
                "description": ln.description,
                "quantity": ln.quantity,
                "list_price": ln.list_price,
                "unit_price": ln.unit_price,
                "amount": ln.amount,
            }
            for ln in q.lines.all()
        ],
    }


@router.post("/orders/{order_id}/quotes", response={201: QuoteOut})
def quotes_create(request: HttpRequest, order_id: int) -> Any:
    """A quote from the price list under the order's charge basis (S7)."""
    access = access_for(request.user)
    if not orders_visible(access=access).filter(pk=order_id).exists():
        raise NotFound()
    quote = quote_build(order_id=order_id, access=access, by=request_user(request))
    return Status(201, quote_out(_visible_quote(request, quote.pk)))


@router.get("/quotes/{quote_id}", response=QuoteOut)
def quotes_get(request: HttpRequest, quote_id: int) -> Any:
    return quote_out(_visible_quote(request, quote_id))


@router.post("/quotes/{quote_id}/total", response=QuoteOut)
def quotes_total(request: HttpRequest, quote_id: int, payload: TotalIn) -> Any:
    _visible_quote(request, quote_id)
    quote_set_total(
        quote_id=quote_id,
        total=payload.total,
        reason=payload.reason,
        access=access_for(request.user),
        by=request_user(request),
    )
    return quote_out(_visible_quote(request, quote_id))


@router.post("/quotes/{quote_id}/submit", response=QuoteOut)
def quotes_submit(request: HttpRequest, quote_id: int) -> Any:
    """Ready to send, or waiting for the general manager when too far below the list (S6)."""
    _visible_quote(request, quote_id)
    quote_submit(quote_id=quote_id, access=access_for(request.user), by=request_user(request))
    return quote_out(_visible_quote(request, quote_id))


@router.post("/quotes/{quote_id}/decide", response=QuoteOut)
def quotes_decide(request: HttpRequest, quote_id: int, payload: DecisionIn) -> Any:
    _visible_quote(request, quote_id)
    quote_decide(
        quote_id=quote_id,
        approve=payload.approve,
        comment=payload.comment,
        access=access_for(request.user),
        by=request_user(request),
    )
    return quote_out(_visible_quote(request, quote_id))


@router.post("/quotes/{quote_id}/send", response=QuoteOut)
def quotes_send(request: HttpRequest, quote_id: int) -> Any:
    _visible_quote(request, quote_id)
    quote_send(quote_id=quote_id, access=access_for(request.user), by=request_user(request))
    return quote_out(_visible_quote(request, quote_id))


@router.post("/quotes/{quote_id}/answer", response=QuoteOut)
def quotes_answer(request: HttpRequest, quote_id: int, payload: AnswerIn) -> Any:
    _visible_quote(request, quote_id)
    quote_answer(
        quote_id=quote_id,
        accepted=payload.accepted,
        reason=payload.reason,
        access=access_for(request.user),
        by=request_user(request),
    )
    return quote_out(_visible_quote(request, quote_id))
