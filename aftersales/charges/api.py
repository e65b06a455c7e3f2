"""``/api/v1/orders/{id}/quotes`` and ``/api/v1/quotes/{id}/…``: quotes with the S6 approval rule;
``/api/v1/payments``, ``/api/v1/invoices`` and ``/api/v1/orders/{id}/economics``: money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.calls.models import ServiceOrder
from aftersales.calls.selectors import orders_visible
from aftersales.charges.economics import order_economics
from aftersales.charges.models import Invoice, Payment, Quote
from aftersales.charges.money import (
    invoice_cancel,
    invoice_issue,
    invoice_pay,
    invoice_request,
    refund_record,
)
from aftersales.charges.selectors import invoices_visible, order_money, payments_on
from aftersales.charges.services import (
    discount_pct,
    may_on_order,
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
    if quote is None or not may_on_order(
        access, "quotes.view", branch_id=quote.branch_id, technician_id=quote.order.technician_id
    ):
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


# --------------------------------------------------------------------------- money


class PaymentOut(Schema):
    id: int
    number: str
    order: str
    kind: str
    amount: Decimal
    method: str
    invoice: str | None
    received_by: str
    received_at: dt.datetime
    approved_by: str | None
    note: str


class InvoiceOut(Schema):
    id: int
    number: str
    order: str
    customer: str
    title: str
    tax_no: str
    amount: Decimal
    amount_paid: Decimal
    state: str
    requested_at: dt.datetime
    issued_at: dt.datetime | None
    tax_invoice_no: str
    cancel_reason: str


class EconomicsOut(Schema):
    order: str
    parts_cost: Decimal
    labour_hours: Decimal
    labour_rate: Decimal
    labour_cost: Decimal
    travel_cost: Decimal
    supplier_cost: Decimal
    cost: Decimal
    paid: Decimal
    refunded: Decimal
    invoiced: Decimal
    revenue: Decimal
    margin: Decimal


class InvoiceRequestIn(Schema):
    amount: Decimal | None = None
    title: str = ""
    tax_no: str = ""


class IssueIn(Schema):
    tax_invoice_no: str


class CancelIn(Schema):
    reason: str = ""


class PayIn(Schema):
    method: str
    amount: Decimal | None = None
    note: str = ""


class RefundIn(Schema):
    amount: Decimal
    method: str
    reason: str = ""


def payment_out(p: Payment) -> dict[str, Any]:
    return {
        "id": p.pk,
        "number": p.number,
        "order": p.order.number,
        "kind": p.kind,
        "amount": p.amount,
        "method": p.method,
        "invoice": p.invoice.number if p.invoice else None,
        "received_by": p.received_by.display_name,
        "received_at": p.received_at,
        "approved_by": p.approved_by.display_name if p.approved_by else None,
        "note": p.note,
    }


def invoice_out(i: Invoice) -> dict[str, Any]:
    return {
        "id": i.pk,
        "number": i.number,
        "order": i.order.number,
        "customer": i.customer.name,
        "title": i.title,
        "tax_no": i.tax_no,
        "amount": i.amount,
        "amount_paid": i.amount_paid,
        "state": i.state,
        "requested_at": i.requested_at,
        "issued_at": i.issued_at,
        "tax_invoice_no": i.tax_invoice_no,
        "cancel_reason": i.cancel_reason,
    }


def _money_order(request: HttpRequest, order_id: int) -> ServiceOrder:
    access = access_for(request.user)
    order = orders_visible(access=access).filter(pk=order_id).first()
    if order is None or not access.can("money.view", order.branch_id):
        raise NotFound()
    return order


def _visible_invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    invoice = (
        invoices_visible(access=access_for(request.user))
        .select_related("order", "customer")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        raise NotFound()
    return invoice


@router.get("/payments", response=list[PaymentOut])
def payments_list(request: HttpRequest, day: dt.date | None = None) -> Any:
    """Payments and refunds recorded on a day (today by default)."""
    access = access_for(request.user)
    if not access.can("money.view"):
        raise NotFound()
    return [payment_out(p) for p in payments_on(access=access, day=day or timezone.localdate())[:1000]]


@router.get("/orders/{order_id}/payments", response=list[PaymentOut])
def order_payments(request: HttpRequest, order_id: int) -> Any:
    order = _money_order(request, order_id)
    payments, _invoices = order_money(order=order)
    return [payment_out(p) for p in payments]


@router.post("/invoices/{invoice_id}/pay", response={201: PaymentOut})
def invoices_pay(request: HttpRequest, invoice_id: int, payload: PayIn) -> Any:
    """Money received against an issued invoice; the invoice is paid once fully paid."""
    _visible_invoice(request, invoice_id)
    payment = invoice_pay(
        invoice_id=invoice_id,
        amount=payload.amount,
        method=payload.method,
        note=payload.note,
        access=access_for(request.user),
        by=request_user(request),
    )
    return Status(201, payment_out(payment))


@router.post("/orders/{order_id}/refunds", response={201: PaymentOut})
def orders_refund(request: HttpRequest, order_id: int, payload: RefundIn) -> Any:
    """Money paid back: approved and recorded by a branch manager or an executive."""
    _money_order(request, order_id)
    refund = refund_record(
        order_id=order_id,
        amount=payload.amount,
        method=payload.method,
        reason=payload.reason,
        access=access_for(request.user),
        by=request_user(request),
    )
    return Status(201, payment_out(refund))


@router.get("/invoices", response=list[InvoiceOut])
def invoices_list(request: HttpRequest, state: str = "requested") -> Any:
    access = access_for(request.user)
    if not access.can("money.view"):
        raise NotFound()
    qs = invoices_visible(access=access).select_related("order", "customer").filter(state=state)
    return [invoice_out(i) for i in qs.order_by("requested_at", "pk")[:1000]]


@router.post("/orders/{order_id}/invoices", response={201: InvoiceOut})
def invoices_create(request: HttpRequest, order_id: int, payload: InvoiceRequestIn) -> Any:
    """Request an invoice from finance for what is still due (or part of it)."""
    access = access_for(request.user)
    if not orders_visible(access=access).filter(pk=order_id).exists():
        raise NotFound()
    invoice = invoice_request(
        order_id=order_id,
        amount=payload.amount,
        title=payload.title,
        tax_no=payload.tax_no,
        access=access,
        by=request_user(request),
    )
    return Status(201, invoice_out(invoice))


@router.get("/invoices/{invoice_id}", response=InvoiceOut)
def invoices_get(request: HttpRequest, invoice_id: int) -> Any:
    return invoice_out(_visible_invoice(request, invoice_id))


@router.post("/invoices/{invoice_id}/issue", response=InvoiceOut)
def invoices_issue(request: HttpRequest, invoice_id: int, payload: IssueIn) -> Any:
    _visible_invoice(request, invoice_id)
    invoice_issue(
        invoice_id=invoice_id,
        tax_invoice_no=payload.tax_invoice_no,
        access=access_for(request.user),
        by=request_user(request),
    )
    return invoice_out(_visible_invoice(request, invoice_id))


@router.post("/invoices/{invoice_id}/cancel", response=InvoiceOut)
def invoices_cancel(request: HttpRequest, invoice_id: int, payload: CancelIn) -> Any:
    _visible_invoice(request, invoice_id)
    invoice_cancel(
        invoice_id=invoice_id,
        reason=payload.reason,
        access=access_for(request.user),
        by=request_user(request),
    )
    return invoice_out(_visible_invoice(request, invoice_id))


@router.get("/orders/{order_id}/economics", response=EconomicsOut)
def orders_economics(request: HttpRequest, order_id: int) -> Any:
    """Cost of the order (parts at cost, labour, travel, supplier charges) against its revenue."""
    e = order_economics(_money_order(request, order_id))
    return {
        "order": e.number,
        **{
            k: getattr(e, k)
            for k in (
                "parts_cost",
                "labour_hours",
                "labour_rate",
                "labour_cost",
                "travel_cost",
                "supplier_cost",
                "cost",
                "paid",
                "refunded",
                "invoiced",
                "revenue",
                "margin",
            )
        },
    }
