"""Money: settling an order (payment on site, invoice request, nothing due, waiver), invoices
requested from finance (requested → issued → paid, or cancelled), payments and refunds.

Decisions (docs/service-flow.md, "Money"):

* The amount due is the accepted quote's total less what is already covered (payments on site
  and invoices not cancelled). No accepted quote: nothing is due.
* Paid on site: the amount defaults to the amount due and may not exceed it. Less than due: the
  payment is recorded and an invoice is requested for the rest (the order is then "invoice
  requested"). With nothing due, a small fee agreed on site may still be collected: the amount is
  then required.
* Invoiced: an invoice request for the whole amount due, addressed to the branch's accountants
  the same day. Refused when nothing is due.
* Nothing to charge: only when nothing is due.
* A refund is recorded by the person who approves it (a branch manager or an executive) and may
  not exceed what was received for the order.

Rows are locked in a fixed order (order, then invoice) so that two accountants recording the last
payment on an invoice queue on the invoice row; a check constraint refuses an overpaid invoice.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.calls.models import ServiceOrder
from aftersales.calls.workflow import _locked
from aftersales.charges.models import Invoice, Payment, PaymentMethod, Quote
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.common.numbering import number_next
from aftersales.common.transitions import Step, TransitionTable, transition
from aftersales.notifications.services import notify
from aftersales.org.models import RoleAssignment, User
from aftersales.org.roles import Role

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999")
SETTLEMENTS = ("none_due", "paid", "invoiced", "waived")

IS = Invoice.State
INVOICE_TRANSITIONS: TransitionTable = {
    (IS.REQUESTED, IS.ISSUED): Step(label="issue"),
    (IS.REQUESTED, IS.CANCELLED): Step(label="cancel", needs_reason=True),
    (IS.ISSUED, IS.PAID): Step(label="paid"),
    (IS.ISSUED, IS.CANCELLED): Step(label="cancel", needs_reason=True),
}


# --------------------------------------------------------------------------- amounts


def accepted_quote(order: ServiceOrder) -> Quote | None:
    return order.quotes.filter(state=Quote.State.ACCEPTED).order_by("-pk").first()


def amount_covered(order: ServiceOrder) -> Decimal:
    """Paid on site (payments not against an invoice) plus invoices not cancelled."""
    paid = Payment.objects.filter(order=order, kind=Payment.Kind.PAYMENT, invoice__isnull=True).aggregate(
        s=Sum("amount")
    )["s"]
    invoiced = Invoice.objects.filter(order=order).exclude(state=IS.CANCELLED).aggregate(s=Sum("amount"))["s"]
    return (paid or Decimal(0)) + (invoiced or Decimal(0))


def amount_due(order: ServiceOrder) -> Decimal:
    """The accepted quote's total less what is already paid on site or invoiced (never negative)."""
    quote = accepted_quote(order)
    if quote is None:
        return Decimal(0)
    return max(quote.total - amount_covered(order), Decimal(0))


def received_net(order: ServiceOrder) -> Decimal:
    """Everything received for the order (on site and against invoices) less refunds."""
    sums = Payment.objects.filter(order=order).order_by().values("kind").annotate(s=Sum("amount"))
    rows = {r["kind"]: r["s"] for r in sums}
    return (rows.get(Payment.Kind.PAYMENT) or Decimal(0)) - (rows.get(Payment.Kind.REFUND) or Decimal(0))


def _amount(raw: Any, *, field: str = "amount") -> Decimal:
    """A positive amount in yuan, rounded to the fen, or InvalidInput naming the field."""
    try:
        value = Decimal(str(raw).strip()).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        value = Decimal(-1)
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
        message = _("A positive amount in yuan (at most %(m)s).") % {"m": MAX_AMOUNT}
        raise InvalidInput(f"{field}: {message}", fields={field: [message]})
    return value


def _method(raw: str) -> str:
    if raw not in PaymentMethod.values:
        allowed = ", ".join(PaymentMethod.values)
        raise InvalidInput(
            _("method: allowed: %(v)s") % {"v": allowed},
            fields={"method": [_("Allowed: %(v)s") % {"v": allowed}]},
        )
    return raw


# --------------------------------------------------------------------------- records


def _payment_create(
    *,
    order: ServiceOrder,
    amount: Decimal,
    method: str,
    by: User,
    at: dt.datetime,
    invoice: Invoice | None = None,
    note: str = "",
    kind: str = Payment.Kind.PAYMENT,
    approved_by: User | None = None,
) -> Payment:
    payment = Payment.objects.create(
        number=number_next(kind="payment", branch=order.branch, at=at),
        order=order,
        branch_id=order.branch_id,
        invoice=invoice,
        kind=kind,
        amount=amount,
        method=method,
        received_by=by,
        received_at=at,
        approved_by=approved_by,
        note=note.strip()[:200],
    )
    event_record(
        kind="refund_paid" if kind == Payment.Kind.REFUND else "payment_received",
        subject=order,
        actor=by,
        to_value=str(amount),
        reason=note.strip()[:200] if kind == Payment.Kind.REFUND else "",
        data={
            "number": payment.number,
            "method": method,
            "invoice": invoice.number if invoice is not None else "",
            "approved_by": approved_by.display_name if approved_by is not None else "",
        },
    )
    return payment


def _invoice_create(
    *, order: ServiceOrder, amount: Decimal, by: User, at: dt.datetime, title: str = "", tax_no: str = ""
) -> Invoice:
    customer = order.customer
    invoice = Invoice.objects.create(
        number=number_next(kind="invoice", branch=order.branch, at=at),
        order=order,
        branch_id=order.branch_id,
        customer=customer,
        title=(title.strip() or getattr(customer, "invoice_title", "") or customer.name)[:150],
        tax_no=(tax_no.strip() or getattr(customer, "tax_no", "") or "")[:30],
        amount=amount,
        requested_by=by,
        requested_at=at,
    )
    event_record(
        kind="invoice_requested",
        subject=invoice,
        actor=by,
        to_value=str(amount),
        data={"order": order.number, "title": invoice.title, "tax_no": invoice.tax_no},
    )
    event_record(
        kind="invoice_requested",
        subject=order,
        actor=by,
        to_value=str(amount),
        data={"invoice": invoice.number},
    )
    transaction.on_commit(partial(_notify_accountants, invoice_id=invoice.pk))
    return invoice


def _notify_accountants(*, invoice_id: int) -> None:
    invoice = Invoice.objects.select_related("order", "branch").get(pk=invoice_id)
    accountants = [
        ra.user
        for ra in RoleAssignment.objects.select_related("user").filter(
            role=Role.ACCOUNTANT, branch_id=invoice.branch_id, user__is_active=True
        )
    ]
    notify(
        recipients=accountants,
        kind="invoice_requested",
        title=_("Invoice to issue today: %(n)s, order %(o)s, ¥%(a)s")
        % {"n": invoice.number, "o": invoice.order.number, "a": invoice.amount},
        url=reverse("charges:accounts"),
        subject_type="charges.invoice",
        subject_id=invoice.pk,
    )


# --------------------------------------------------------------------------- settlement


@transaction.atomic
def order_settle(
    *,
    order_id: int,
    settlement: str,
    access: Access,
    by: User,
    reason: str = "",
    amount: Decimal | str | None = None,
    method: str = "",
    at: dt.datetime | None = None,
) -> ServiceOrder:
    """Record how the money was settled, with the records behind it (payment, invoice request).

    See the module's docstring for the rules; a waiver needs a branch manager or an executive.
    """
    at = at or timezone.now()
    order = _locked(order_id)
    if not access.can("calls.view", order.branch_id) and order.technician_id != by.pk:
        raise NotFound()
    if settlement not in SETTLEMENTS:
        raise InvalidInput(
            _("settlement: allowed: %(v)s") % {"v": ", ".join(SETTLEMENTS)},
            fields={"settlement": [", ".join(SETTLEMENTS)]},
        )
    if order.settlement != "pending":
        message = _(
            "settlement: the money is already settled (“%(s)s”); further payments, invoices and "
            "refunds are recorded by the accountant."
        ) % {"s": order.get_settlement_display()}
        raise InvalidInput(message, fields={"settlement": [message]})
    due = amount_due(order)
    final = settlement
    data: dict[str, Any] = {"due": str(due)}
    if settlement == "waived":
        if not (
            access.has_role(Role.MANAGER, order.branch_id)
            or access.has_role(Role.EXECUTIVE)
            or access.is_superuser
        ):
            raise PermissionDenied(_("A waiver is approved by the branch manager or an executive."))
        if not reason.strip():
            raise InvalidInput(
                _("reason: say why the charge is waived."), fields={"reason": [_("Give a reason.")]}
            )
    elif settlement == "none_due":
        if due > 0:
            message = _(
                "settlement: ¥%(d)s is due under the accepted quote: record the payment, request an "
                "invoice, or ask the branch manager to waive it."
            ) % {"d": due}
            raise InvalidInput(message, fields={"settlement": [message]})
    elif settlement == "invoiced":
        if due <= 0:
            message = _(
                "settlement: nothing is due (no accepted quote): choose “nothing to charge”, or "
                "have the customer accept a quote first."
            )
            raise InvalidInput(message, fields={"settlement": [message]})
        invoice = _invoice_create(order=order, amount=due, by=by, at=at)
        data["invoice"] = invoice.number
    else:  # paid on site
        errors: dict[str, list[str]] = {}
        paid: Decimal | None = None
        if amount in (None, "") and due <= 0:
            errors["amount"] = [_("Nothing is due under an accepted quote: enter the amount collected.")]
        elif amount in (None, ""):
            paid = due
        else:
            try:
                paid = _amount(amount)
            except InvalidInput as exc:
                errors.update(exc.fields)
        if paid is not None and due > 0 and paid > due:
            errors["amount"] = [_("At most the amount due, ¥%(d)s.") % {"d": due}]
        if method not in PaymentMethod.values:
            errors["method"] = [_("Allowed: %(v)s") % {"v": ", ".join(PaymentMethod.values)}]
        if errors:
            name, messages = next(iter(errors.items()))
            raise InvalidInput(f"{name}: {messages[0]}", fields=errors)
        assert paid is not None
        payment = _payment_create(order=order, amount=paid, method=method, by=by, at=at, note=reason)
        data["payment"] = payment.number
        if due > paid:
            invoice = _invoice_create(order=order, amount=due - paid, by=by, at=at)
            data["invoice"] = invoice.number
            final = "invoiced"
    before = order.settlement
    order.settlement = final
    order.save(update_fields=["settlement", "updated_at"])
    event_record(
        kind="approved" if settlement == "waived" else "amount_set",
        subject=order,
        actor=by,
        from_value=before,
        to_value=final,
        reason=reason,
        data=data,
    )
    return order


# --------------------------------------------------------------------------- invoices


def _locked_invoice(invoice_id: int, access: Access, perm: str) -> Invoice:
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("order", "branch")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None or not access.can("money.view", invoice.branch_id):
        raise NotFound()
    if not access.can(perm, invoice.branch_id):
        raise PermissionDenied()
    return invoice


@transaction.atomic
def invoice_request(
    *,
    order_id: int,
    access: Access,
    by: User,
    amount: Decimal | str | None = None,
    title: str = "",
    tax_no: str = "",
    at: dt.datetime | None = None,
) -> Invoice:
    """Ask finance for an invoice for (part of) what is still due on the order."""
    at = at or timezone.now()
    order = _locked(order_id)
    if not access.can("calls.view", order.branch_id):
        raise NotFound()
    if not (access.can("money.record", order.branch_id) or access.can("quotes.edit", order.branch_id)):
        raise PermissionDenied()
    due = amount_due(order)
    if due <= 0:
        message = _("amount: nothing is left to invoice under the accepted quote.")
        raise InvalidInput(message, fields={"amount": [message]})
    value = due if amount in (None, "") else _amount(amount)
    if value > due:
        message = _("At most the amount still due, ¥%(d)s.") % {"d": due}
        raise InvalidInput(f"amount: {message}", fields={"amount": [message]})
    return _invoice_create(order=order, amount=value, by=by, at=at, title=title, tax_no=tax_no)


@transaction.atomic
def invoice_issue(
    *, invoice_id: int, tax_invoice_no: str, access: Access, by: User, at: dt.datetime | None = None
) -> Invoice:
    """The accountant has issued the invoice in the tax system and types its number."""
    invoice = _locked_invoice(invoice_id, access, "invoices.issue")
    number = tax_invoice_no.strip()
    if not number or len(number) > 40:
        message = _("Type the invoice number from the tax system (up to 40 characters).")
        raise InvalidInput(f"tax_invoice_no: {message}", fields={"tax_invoice_no": [message]})
    if Invoice.objects.filter(tax_invoice_no=number).exclude(pk=invoice.pk).exists():
        message = _("This invoice number is already recorded on another invoice.")
        raise InvalidInput(f"tax_invoice_no: {message}", fields={"tax_invoice_no": [message]})
    transition(
        invoice,
        table=INVOICE_TRANSITIONS,
        to=IS.ISSUED,
        by=by,
        roles=access.roles,
        data={"tax_invoice_no": number, "amount": str(invoice.amount)},
    )
    invoice.tax_invoice_no, invoice.issued_by, invoice.issued_at = number, by, at or timezone.now()
    invoice.save(update_fields=["state", "tax_invoice_no", "issued_by", "issued_at"])
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice_id: int, reason: str, access: Access, by: User) -> Invoice:
    """Cancel a requested or issued invoice (with a reason); not once money was received on it."""
    invoice = _locked_invoice(invoice_id, access, "invoices.issue")
    if invoice.amount_paid > 0:
        message = _("¥%(p)s was already received on this invoice: record a refund first.") % {
            "p": invoice.amount_paid
        }
        raise InvalidInput(f"amount_paid: {message}", fields={"amount_paid": [message]})
    transition(invoice, table=INVOICE_TRANSITIONS, to=IS.CANCELLED, by=by, roles=access.roles, reason=reason)
    invoice.cancelled_at, invoice.cancel_reason = timezone.now(), reason.strip()[:200]
    invoice.save(update_fields=["state", "cancelled_at", "cancel_reason"])
    return invoice


@transaction.atomic
def invoice_pay(
    *,
    invoice_id: int,
    method: str,
    access: Access,
    by: User,
    amount: Decimal | str | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Payment:
    """Money received against an issued invoice; the invoice is paid once fully paid."""
    at = at or timezone.now()
    head = Invoice.objects.filter(pk=invoice_id).values("order_id").first()
    if head is None:
        raise NotFound()
    order = _locked(head["order_id"])  # lock order: order → invoice, always
    invoice = _locked_invoice(invoice_id, access, "money.record")
    if invoice.state != IS.ISSUED:
        message = _("state: payments are recorded on an issued, unpaid invoice (this one is “%(s)s”).") % {
            "s": invoice.get_state_display()
        }
        raise InvalidInput(message, fields={"state": [message]})
    outstanding = invoice.amount - invoice.amount_paid
    value = outstanding if amount in (None, "") else _amount(amount)
    errors: dict[str, list[str]] = {}
    if value > outstanding:
        errors["amount"] = [_("At most the amount outstanding, ¥%(o)s.") % {"o": outstanding}]
    try:
        _method(method)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        name, messages = next(iter(errors.items()))
        raise InvalidInput(f"{name}: {messages[0]}", fields=errors)
    payment = _payment_create(
        order=order, amount=value, method=method, by=by, at=at, invoice=invoice, note=note
    )
    before = invoice.amount_paid
    invoice.amount_paid = before + value
    event_record(
        kind="amount_set",
        subject=invoice,
        actor=by,
        from_value=str(before),
        to_value=str(invoice.amount_paid),
        data={"payment": payment.number, "method": method},
    )
    fields = ["amount_paid"]
    if invoice.amount_paid == invoice.amount:
        transition(invoice, table=INVOICE_TRANSITIONS, to=IS.PAID, by=by, roles=access.roles)
        invoice.paid_at = at
        fields += ["state", "paid_at"]
    invoice.save(update_fields=fields)
    return payment


# --------------------------------------------------------------------------- refunds


@transaction.atomic
def refund_record(
    *,
    order_id: int,
    amount: Decimal | str,
    method: str,
    reason: str,
    access: Access,
    by: User,
    at: dt.datetime | None = None,
) -> Payment:
    """Money paid back to the customer: approved (and recorded) by a branch manager or an executive."""
    at = at or timezone.now()
    order = _locked(order_id)
    if not access.can("money.view", order.branch_id):
        raise NotFound()
    if not (
        access.has_role(Role.MANAGER, order.branch_id)
        or access.has_role(Role.EXECUTIVE)
        or access.is_superuser
    ):
        raise PermissionDenied(_("A refund is approved by the branch manager or an executive."))
    errors: dict[str, list[str]] = {}
    value = None
    try:
        value = _amount(amount)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if method not in PaymentMethod.values:
        errors["method"] = [_("Allowed: %(v)s") % {"v": ", ".join(PaymentMethod.values)}]
    if not reason.strip():
        errors["reason"] = [_("Say why the money is paid back.")]
    received = received_net(order)
    if value is not None and value > received:
        errors["amount"] = [_("At most what was received for the order, ¥%(r)s.") % {"r": received}]
    if errors:
        name, messages = next(iter(errors.items()))
        raise InvalidInput(f"{name}: {messages[0]}", fields=errors)
    assert value is not None
    return _payment_create(
        order=order,
        amount=value,
        method=method,
        by=by,
        at=at,
        note=reason,
        kind=Payment.Kind.REFUND,
        approved_by=by,
    )
