"""Charges: the charge rules by service type and warranty (S7), quotes from the price list, and the
general manager's approval of a quote more than the rule's percentage below the list (S6)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.calls.models import ServiceCall, ServiceOrder, ServiceReport, WarrantyState
from aftersales.charges.models import LabourRate, Quote, QuoteLine, TravelFee
from aftersales.common.errors import InvalidInput, NotFound
from aftersales.common.numbering import number_next
from aftersales.common.transitions import Step, TransitionTable, transition
from aftersales.notifications.services import notify
from aftersales.org.models import RoleAssignment, User
from aftersales.org.roles import Role
from aftersales.rules.services import rule, rule_decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Basis:
    """How each kind of line is charged: free, at cost, or at the price list."""

    parts: str  # free | cost | price
    labour: str  # free | price
    travel: str  # free | price
    reason: str


def charge_basis(order: ServiceOrder) -> Basis:
    """The charge rules of policies.md for this order (S7).

    In warranty, normal use: parts and labour free. In warranty, abnormal damage: parts at cost,
    no service fee. Out of warranty: the price list, or what the branch's rules say. Contract: by
    the contract's coverage.
    """
    call = ServiceCall.objects.filter(order=order).order_by("pk").first()
    warranty = call.warranty_state if call is not None else WarrantyState.UNKNOWN
    if order.service_type == "contract" and order.unit is not None and order.unit.contract is not None:
        c = order.unit.contract
        return Basis(
            parts="free" if c.covers_parts else "price",
            labour="free" if c.covers_labour else "price",
            travel="free" if c.covers_travel else "price",
            reason=_("contract %(n)s coverage") % {"n": c.number},
        )
    if warranty == WarrantyState.DAMAGE:
        return Basis(parts="cost", labour="free", travel="free", reason=_("in warranty, abnormal damage"))
    if order.service_type == "free" or (warranty == WarrantyState.IN and order.service_type != "paid"):
        return Basis(parts="free", labour="free", travel="free", reason=_("in warranty, normal use"))
    labour = rule("out_of_warranty_labour", branch_id=order.branch_id).value
    parts = rule("out_of_warranty_parts", branch_id=order.branch_id).value
    return Basis(
        parts="cost" if parts == "cost" else "price",
        labour="free" if labour == "free" else "price",
        travel="price",
        reason=_("out of warranty: price list")
        if warranty == WarrantyState.OUT
        else _("paid service: price list"),
    )


def _labour_rate(order: ServiceOrder) -> Decimal:
    """The branch's own general labour rate, else the company's."""
    rates = list(
        LabourRate.objects.filter(Q(branch_id=order.branch_id) | Q(branch__isnull=True), skill__isnull=True)
    )
    own = [r for r in rates if r.branch_id == order.branch_id]
    chosen = own[0] if own else (rates[0] if rates else None)
    return chosen.hourly if chosen is not None else Decimal(0)


def _travel_fee(order: ServiceOrder) -> Decimal:
    kind = order.zone.kind if order.zone is not None else "urban"
    fees = list(
        TravelFee.objects.filter(Q(branch_id=order.branch_id) | Q(branch__isnull=True), zone_kind=kind)
    )
    own = [f for f in fees if f.branch_id == order.branch_id]
    chosen = own[0] if own else (fees[0] if fees else None)
    return chosen.fee if chosen is not None else Decimal(0)


def _price(basis: str, *, price: Decimal, cost: Decimal) -> Decimal:
    return {"free": Decimal(0), "cost": cost, "price": price}[basis]


Q_ = Quote.State
QUOTE_TRANSITIONS: TransitionTable = {
    (Q_.DRAFT, Q_.PENDING_APPROVAL): Step(label="submit for approval"),
    (Q_.DRAFT, Q_.READY): Step(label="ready"),
    (Q_.PENDING_APPROVAL, Q_.READY): Step(
        label="approve", roles=frozenset({Role.EXECUTIVE}), event_kind="approved"
    ),
    (Q_.PENDING_APPROVAL, Q_.DRAFT): Step(
        label="refuse", roles=frozenset({Role.EXECUTIVE}), needs_reason=True
    ),
    (Q_.READY, Q_.DRAFT): Step(label="change the price"),
    (Q_.READY, Q_.SENT): Step(label="send to the customer"),
    (Q_.SENT, Q_.ACCEPTED): Step(label="customer accepts"),
    (Q_.SENT, Q_.REJECTED): Step(label="customer rejects", needs_reason=True),
}


def may_on_order(access: Access, perm: str, *, branch_id: int, technician_id: int | None) -> bool:
    """``perm`` in the order's branch, or, for a technician (an ownership role), on an order assigned
    to them: the technician explains the charge and makes the quote on site."""
    return access.can_on(perm, branch_id=branch_id, owner_id=technician_id)


def _order_for_quote(order_id: int, access: Access) -> ServiceOrder:
    order = (
        ServiceOrder.objects.select_related("unit__contract", "zone", "branch").filter(pk=order_id).first()
    )
    if order is None or not may_on_order(
        access, "quotes.edit", branch_id=order.branch_id, technician_id=order.technician_id
    ):
        raise NotFound()
    return order


@transaction.atomic
def quote_build(*, order_id: int, access: Access, by: User) -> Quote:
    """A quote from the price list under the order's charge basis (labour, travel, parts used)."""
    order = _order_for_quote(order_id, access)
    basis = charge_basis(order)
    report = ServiceReport.objects.filter(order=order).first()
    quote = Quote.objects.create(
        number=number_next(kind="quote", branch=order.branch),
        order=order,
        branch=order.branch,
        basis=basis.reason[:200],
    )
    lines: list[QuoteLine] = []
    hours = (Decimal(report.labour_minutes) / 60).quantize(CENT) if report is not None else Decimal(0)
    if hours:
        rate = _labour_rate(order)
        lines.append(
            QuoteLine(
                quote=quote,
                kind="labour",
                description=_("labour"),
                quantity=hours,
                list_price=rate,
                unit_price=_price(basis.labour, price=rate, cost=Decimal(0)),
            )
        )
    travel = _travel_fee(order)
    if travel:
        lines.append(
            QuoteLine(
                quote=quote,
                kind="travel",
                description=_("travel"),
                quantity=Decimal(1),
                list_price=travel,
                unit_price=_price(basis.travel, price=travel, cost=Decimal(0)),
            )
        )
    if report is not None:
        for used in report.parts.select_related("part"):
            p = used.part
            lines.append(
                QuoteLine(
                    quote=quote,
                    kind="part",
                    description=str(p),
                    part=p,
                    quantity=Decimal(used.quantity),
                    list_price=p.price,
                    unit_cost=p.cost,
                    unit_price=_price(basis.parts, price=p.price, cost=p.cost),
                )
            )
    QuoteLine.objects.bulk_create(lines)
    quote.list_total = sum((ln.amount for ln in lines), Decimal(0))
    quote.total = quote.list_total
    quote.cost_total = sum(((ln.quantity * ln.unit_cost).quantize(CENT) for ln in lines), Decimal(0))
    quote.save()
    event_record(
        kind="created",
        subject=quote,
        actor=by,
        to_value=str(quote.total),
        data={"basis": basis.reason, "list_total": str(quote.list_total), "order": order.number},
    )
    return quote


def discount_pct(quote: Quote) -> Decimal:
    if quote.list_total <= 0:
        return Decimal(0)
    return (quote.list_total - quote.total) * 100 / quote.list_total


def _locked_quote(quote_id: int, access: Access) -> Quote:
    quote = Quote.objects.select_for_update(of=("self",)).select_related("order").filter(pk=quote_id).first()
    if quote is None or not may_on_order(
        access, "quotes.view", branch_id=quote.branch_id, technician_id=quote.order.technician_id
    ):
        raise NotFound()
    return quote


@transaction.atomic
def quote_set_total(*, quote_id: int, total: Decimal, access: Access, by: User, reason: str = "") -> Quote:
    """The price agreed with the customer (a discount on the list); only before it is sent."""
    quote = _locked_quote(quote_id, access)
    if not may_on_order(
        access, "quotes.edit", branch_id=quote.branch_id, technician_id=quote.order.technician_id
    ):
        raise NotFound()
    try:
        amount = Decimal(total).quantize(CENT, rounding=ROUND_HALF_UP)
    except ArithmeticError:
        amount = Decimal(-1)
    if amount < 0 or amount > Decimal("99999999"):
        raise InvalidInput(
            _("total: a non-negative amount in yuan."), fields={"total": [_("A non-negative amount.")]}
        )
    if quote.state == Q_.READY:
        transition(quote, table=QUOTE_TRANSITIONS, to=Q_.DRAFT, by=by, roles=access.roles)
    if quote.state != Q_.DRAFT:
        raise InvalidInput(
            _("state: the price can change only before the quote is submitted (it is “%(s)s”).")
            % {"s": quote.get_state_display()},
            fields={"state": [_("Not a draft.")]},
        )
    before = quote.total
    quote.total = amount
    quote.approved_by, quote.approved_at = None, None
    quote.save()
    event_record(
        kind="amount_set",
        subject=quote,
        actor=by,
        from_value=str(before),
        to_value=str(amount),
        reason=reason,
    )
    return quote


@transaction.atomic
def quote_submit(*, quote_id: int, access: Access, by: User) -> Quote:
    """Ready to send, or — more than the rule's percentage below the list (S6) — to the GM first."""
    quote = _locked_quote(quote_id, access)
    if not may_on_order(
        access, "quotes.edit", branch_id=quote.branch_id, technician_id=quote.order.technician_id
    ):
        raise NotFound()
    threshold, rule_row = rule_decimal("quote_approval_discount_pct")
    quote.approval_rule = rule_row
    needs = discount_pct(quote) > threshold
    transition(
        quote,
        table=QUOTE_TRANSITIONS,
        to=Q_.PENDING_APPROVAL if needs else Q_.READY,
        by=by,
        roles=access.roles,
        data={
            "discount_pct": str(discount_pct(quote).quantize(Decimal("0.001"))),
            "threshold": str(threshold),
            "rule_version": rule_row.version,
        },
    )
    quote.save()
    if needs:
        approvers = [
            ra.user
            for ra in RoleAssignment.objects.select_related("user").filter(
                role=Role.EXECUTIVE, user__is_active=True
            )
        ]
        notify(
            recipients=approvers,
            kind="quote_approval",
            title=_("Quote %(n)s is %(p)s %% below the price list: approval needed")
            % {"n": quote.number, "p": discount_pct(quote).quantize(Decimal("0.1"))},
            subject_type="charges.quote",
            subject_id=quote.pk,
        )
    return quote


@transaction.atomic
def quote_decide(*, quote_id: int, approve: bool, access: Access, by: User, comment: str = "") -> Quote:
    """The general manager approves (or refuses, with a reason) a discounted quote."""
    quote = _locked_quote(quote_id, access)
    transition(
        quote,
        table=QUOTE_TRANSITIONS,
        to=Q_.READY if approve else Q_.DRAFT,
        by=by,
        roles=access.roles,
        reason=comment,
        data={"total": str(quote.total), "list_total": str(quote.list_total)},
    )
    if approve:
        quote.approved_by, quote.approved_at, quote.approval_comment = by, timezone.now(), comment[:200]
    quote.save()
    return quote


@transaction.atomic
def quote_send(*, quote_id: int, access: Access, by: User) -> Quote:
    """Send to the customer: only a ready quote (an unapproved discount cannot be sent)."""
    quote = _locked_quote(quote_id, access)
    if not may_on_order(
        access, "quotes.edit", branch_id=quote.branch_id, technician_id=quote.order.technician_id
    ):
        raise NotFound()
    transition(quote, table=QUOTE_TRANSITIONS, to=Q_.SENT, by=by, roles=access.roles)
    quote.save()
    return quote


@transaction.atomic
def quote_answer(*, quote_id: int, accepted: bool, access: Access, by: User, reason: str = "") -> Quote:
    quote = _locked_quote(quote_id, access)
    transition(
        quote,
        table=QUOTE_TRANSITIONS,
        to=Q_.ACCEPTED if accepted else Q_.REJECTED,
        by=by,
        roles=access.roles,
        reason=reason,
    )
    quote.save()
    return quote
