"""Parts supply requests (补件): apply → confirm with the customer → after-sales lead → quality office
head → fulfil each line (stock, production, purchase, loan from finished goods) → receiving check →
shipped on the day's shipping list. The close-out job lists what is still owed. docs/supply.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import ALL, Access
from aftersales.audit.services import event_record
from aftersales.catalog.models import Part
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.common.numbering import number_next
from aftersales.common.transitions import Step, TransitionTable, transition
from aftersales.customers.models import Customer
from aftersales.org.models import Branch, User
from aftersales.org.roles import Role
from aftersales.sla.models import Clock, ClockState
from aftersales.sla.policies import policy_for
from aftersales.sla.services import clock_cancel, clock_start, clock_stop, due_for
from aftersales.stock.models import StockLevel, Warehouse
from aftersales.stock.services import stock_issue, stock_loan_out, stock_loan_return, stock_receive
from aftersales.supply.models import (
    FREE_CAUSES,
    OPEN_STATES,
    Cause,
    Channel,
    CloseOut,
    CloseOutLine,
    Fulfilment,
    PartsRequest,
    PartsRequestLine,
    ReceivingCheck,
    Shipment,
    ShipmentLine,
    SupplyOrder,
)

RS = PartsRequest.State
CENT = Decimal("0.01")
# Close-out periods are counted from this day in every branch, so all branches close out together.
CLOSEOUT_ANCHOR = dt.date(2000, 1, 1)


def _not_requester(req: PartsRequest, *, by: User) -> str | None:
    if req.requested_by_id == by.pk:
        return _("approver: the person who entered the request may not approve it (four eyes).")
    return None


def _not_lead(req: PartsRequest, *, by: User) -> str | None:
    if req.lead_approved_by_id == by.pk:
        return _(
            "approver: the after-sales lead already approved; the quality office head must be someone else."
        )
    return None


def _lines_ready(req: PartsRequest, *, by: User) -> str | None:
    waiting = [
        f"{line.part.code} × {line.quantity}" for line in req.lines.select_related("part") if not line.ready
    ]
    if waiting:
        return _("lines: not every part is here yet: %(p)s.") % {"p": ", ".join(waiting)}
    return None


LEAD = frozenset({Role.SUPERVISOR})
QUALITY = frozenset({Role.QUALITY_MANAGER})

REQUEST_TRANSITIONS: TransitionTable = {
    (RS.APPLIED, RS.CONFIRMED): Step(label="confirm with the customer"),
    (RS.APPLIED, RS.CANCELLED): Step(label="cancel", needs_reason=True),
    (RS.CONFIRMED, RS.CANCELLED): Step(label="cancel", needs_reason=True),
    (RS.CONFIRMED, RS.LEAD_APPROVED): Step(
        label="approve (after-sales lead)", roles=LEAD, guards=(_not_requester,), event_kind="approved"
    ),
    (RS.CONFIRMED, RS.REJECTED): Step(label="reject", roles=LEAD, needs_reason=True, event_kind="rejected"),
    (RS.LEAD_APPROVED, RS.APPROVED): Step(
        label="approve (quality office head)",
        roles=QUALITY,
        guards=(_not_requester, _not_lead),
        event_kind="approved",
    ),
    (RS.LEAD_APPROVED, RS.REJECTED): Step(
        label="reject", roles=QUALITY, needs_reason=True, event_kind="rejected"
    ),
    (RS.APPROVED, RS.READY): Step(label="receiving check passed", guards=(_lines_ready,)),
    (RS.READY, RS.SHIPPED): Step(label="ship"),
}


# --------------------------------------------------------------------------- helpers


def _roles_in(access: Access, branch_id: int) -> frozenset[str]:
    """The roles the person holds in the branch or at head office (which reaches every branch)."""
    return frozenset(r for r, b in access.grants if b in (branch_id, access.head_office_id))


def _may(access: Access, perm: str, branch_id: int) -> bool:
    return access.can(perm, branch_id)


def _locked(request_id: int) -> PartsRequest:
    req = (
        PartsRequest.objects.select_for_update(of=("self",))
        .select_related("branch", "customer")
        .filter(pk=request_id)
        .first()
    )
    if req is None:
        raise NotFound()
    return req


def _visible_or_404(req: PartsRequest, access: Access) -> None:
    from aftersales.supply.selectors import requests_visible

    if not requests_visible(access=access).filter(pk=req.pk).exists():
        raise NotFound()


def _guard(req: PartsRequest, access: Access, perm: str) -> None:
    """Outsiders learn nothing (404); people who see the request but may not act get 403."""
    _visible_or_404(req, access)
    if not _may(access, perm, req.branch_id):
        raise PermissionDenied()


def _open_clock(subject: object, code: str) -> bool:
    return (
        Clock.objects.filter(
            subject_type=subject._meta.label_lower,  # type: ignore[attr-defined]
            subject_id=subject.pk,  # type: ignore[attr-defined]
            code=code,
            stopped_at__isnull=True,
        )
        .exclude(state=ClockState.CANCELLED)
        .exists()
    )


def default_amount(req: PartsRequest) -> Decimal:
    """Charged requests: sale price × quantity over the lines."""
    total = sum((line.unit_price * line.quantity for line in req.lines.all()), Decimal("0.00"))
    return total.quantize(CENT)


def latest_promise(*, branch: Branch, confirmed_at: dt.datetime, customer_id: int | None = None) -> dt.date:
    """The latest delivery date allowed: the ``parts_delivery`` clock policy's due day (15 days by default)."""
    due = due_for(code="parts_delivery", start=confirmed_at, branch=branch, customer_id=customer_id).due_at
    assert due is not None
    return due.astimezone(branch.tzinfo).date()


# --------------------------------------------------------------------------- apply


@dataclass(frozen=True, kw_only=True)
class LineData:
    part_id: int
    quantity: int


@dataclass(frozen=True, kw_only=True)
class RequestData:
    customer_id: int | None = None
    lines: list[LineData] = field(default_factory=list)
    contact_name: str = ""
    phone: str = ""
    address: str = ""
    description: str = ""
    channel: str = ""  # staff: agent (default) or dealer; portal users: set from their account


def _customer_for(data: RequestData, access: Access) -> tuple[Customer, str]:
    channel: str
    """The customer the person may apply for, and the channel."""
    if access.is_portal:
        if access.has_role(Role.CUSTOMER) and access.customer_id is not None:
            customer_id = data.customer_id or access.customer_id
            if customer_id != access.customer_id:
                raise NotFound()
            channel = Channel.PORTAL
        elif access.has_role(Role.DEALER) and access.dealer_id is not None:
            channel = Channel.DEALER
            customer_id = data.customer_id  # type: ignore[assignment]
        else:
            raise PermissionDenied()
        customer = Customer.objects.select_related("branch").filter(pk=customer_id, active=True).first()
        if customer is None:
            raise InvalidInput(
                _("customer_id: choose one of your customers."), fields={"customer_id": [_("Required.")]}
            )
        if channel == Channel.DEALER and customer.dealer_id != access.dealer_id:
            raise NotFound()
        return customer, channel
    customer = (
        Customer.objects.select_related("branch").filter(pk=data.customer_id, active=True).first()
        if data.customer_id
        else None
    )
    if customer is None:
        raise InvalidInput(_("customer_id: choose the customer."), fields={"customer_id": [_("Required.")]})
    branches = access.branches_for("supply.apply")
    if branches != ALL and customer.branch_id not in branches:
        raise NotFound()
    channel = data.channel or Channel.AGENT
    if channel not in (Channel.AGENT, Channel.DEALER):
        raise InvalidInput(
            _("channel: allowed: %(v)s") % {"v": "agent, dealer"},
            fields={"channel": [_("Allowed: %(v)s") % {"v": "agent, dealer"}]},
        )
    return customer, channel


@transaction.atomic
def request_apply(
    *, data: RequestData, access: Access, by: User, at: dt.datetime | None = None
) -> PartsRequest:
    """A customer or dealer (portal) or an agent (for the branch's customers) applies for parts."""
    if not access.can("supply.apply"):
        raise PermissionDenied()
    at = at or timezone.now()
    customer, channel = _customer_for(data, access)
    errors: dict[str, list[str]] = {}
    if not data.lines:
        errors["lines"] = [_("Add at least one part.")]
    parts: dict[int, Part] = {p.pk: p for p in Part.objects.filter(pk__in=[ln.part_id for ln in data.lines])}
    for i, ln in enumerate(data.lines):
        part = parts.get(ln.part_id)
        if part is None or not part.active:
            errors[f"lines.{i}.part_id"] = [_("Unknown part; choose one from the parts master.")]
        if not isinstance(ln.quantity, int) or ln.quantity <= 0:
            errors[f"lines.{i}.quantity"] = [_("A whole number above 0.")]
    InvalidInput.check(errors)
    req = PartsRequest.objects.create(
        number=number_next(kind="parts_request", branch=customer.branch, at=at),
        branch=customer.branch,
        customer=customer,
        dealer_id=customer.dealer_id if channel == Channel.DEALER else None,
        channel=channel,
        contact_name=data.contact_name.strip()[:100] or customer.contact_name,
        phone=data.phone.strip()[:40] or customer.phone,
        address=data.address.strip()[:200] or customer.address,
        description=data.description.strip(),
        requested_by=by,
        requested_at=at,
        created_at=at,
    )
    PartsRequestLine.objects.bulk_create(
        [
            PartsRequestLine(
                request=req,
                branch=customer.branch,
                part=parts[ln.part_id],
                quantity=ln.quantity,
                unit_price=parts[ln.part_id].price,
            )
            for ln in data.lines
        ]
    )
    event_record(
        kind="created",
        subject=req,
        actor=by,
        to_value=req.number,
        data={"channel": channel, "lines": [[parts[ln.part_id].code, ln.quantity] for ln in data.lines]},
    )
    return req


# --------------------------------------------------------------------------- confirm


@transaction.atomic
def request_confirm(
    *,
    request_id: int,
    promised_on: dt.date,
    confirmed_with: str,
    cause: str,
    amount: Decimal | str | None = None,
    amount_reason: str = "",
    access: Access,
    by: User,
    at: dt.datetime | None = None,
) -> PartsRequest:
    """The agent classifies the cause (free or charged, with the amount), confirms by phone with the
    customer and commits a delivery date no later than the ``parts_delivery`` policy allows."""
    at = at or timezone.now()
    req = _locked(request_id)
    _guard(req, access, "supply.apply")
    if not access.is_staff_member:
        raise PermissionDenied(_("The service agent confirms the request with the customer."))
    errors: dict[str, list[str]] = {}
    if cause not in Cause.values:
        errors["cause"] = [_("Allowed: %(v)s") % {"v": ", ".join(Cause.values)}]
    if not confirmed_with.strip():
        errors["confirmed_with"] = [_("Who at the customer confirmed by phone.")]
    today = at.astimezone(req.branch.tzinfo).date()
    latest = latest_promise(branch=req.branch, confirmed_at=at, customer_id=req.customer_id)
    if promised_on < today:
        errors["promised_on"] = [_("Not before today (%(d)s).") % {"d": today.isoformat()}]
    elif promised_on > latest:
        policy = policy_for(code="parts_delivery", branch=req.branch, customer_id=req.customer_id)
        errors["promised_on"] = [
            _("At most %(n)s days after confirmation: the latest allowed date is %(d)s.")
            % {"n": f"{policy.amount:g}", "d": latest.isoformat()}
        ]
    charged = cause not in FREE_CAUSES
    default = default_amount(req)
    value = Decimal("0.00")
    if amount not in (None, ""):
        try:
            value = Decimal(str(amount)).quantize(CENT)
        except InvalidOperation:
            errors["amount"] = [_("A number of yuan, e.g. 180.00.")]
    if "amount" not in errors and cause in Cause.values:
        if not charged:
            if value != 0:
                errors["amount"] = [_("A free request (product quality) has no amount; leave it empty or 0.")]
        else:
            if amount in (None, ""):
                value = default
            if value < 0:
                errors["amount"] = [_("0 or more.")]
            elif value != default and not amount_reason.strip():
                errors["amount_reason"] = [
                    _("The sale price gives %(d)s; say why the amount is different.") % {"d": default}
                ]
    InvalidInput.check(errors)
    transition(
        req,
        table=REQUEST_TRANSITIONS,
        to=RS.CONFIRMED,
        by=by,
        roles=_roles_in(access, req.branch_id),
        data={"promised_on": promised_on.isoformat(), "confirmed_with": confirmed_with.strip()},
    )
    req.cause = cause
    req.charged = charged
    req.amount = value
    req.amount_reason = amount_reason.strip()[:200]
    req.confirmed_by = by
    req.confirmed_at = at
    req.confirmed_with = confirmed_with.strip()[:100]
    req.promised_on = promised_on
    req.save()
    event_record(
        kind="amount_set",
        subject=req,
        actor=by,
        to_value=str(value),
        reason=req.amount_reason,
        data={"cause": cause, "charged": charged, "default": str(default)},
    )
    clock_start(
        subject=req, code="parts_delivery", by=by, at=at, branch=req.branch, customer_id=req.customer_id
    )
    return req


# --------------------------------------------------------------------------- approve / reject / cancel


@transaction.atomic
def request_approve(
    *,
    request_id: int,
    approve: bool = True,
    note: str = "",
    access: Access,
    by: User,
    at: dt.datetime | None = None,
) -> PartsRequest:
    """After-sales lead (branch supervisor), then quality office head (quality manager); never the
    person who entered it, and two different people."""
    at = at or timezone.now()
    req = _locked(request_id)
    _guard(req, access, "supply.approve")
    first = req.state == RS.CONFIRMED
    if req.state not in (RS.CONFIRMED, RS.LEAD_APPROVED):
        raise InvalidInput(
            _("state: only a confirmed request is approved (now: %(s)s).") % {"s": req.get_state_display()},
            fields={
                "state": [_("Allowed in: %(s)s") % {"s": f"{RS.CONFIRMED.label}, {RS.LEAD_APPROVED.label}"}]
            },
        )
    to = (RS.LEAD_APPROVED if first else RS.APPROVED) if approve else RS.REJECTED
    transition(
        req,
        table=REQUEST_TRANSITIONS,
        to=to,
        by=by,
        roles=_roles_in(access, req.branch_id),
        reason=note.strip(),
        data={"step": "lead" if first else "quality", "approve": approve},
    )
    if approve and first:
        req.lead_approved_by, req.lead_approved_at = by, at
    elif approve:
        req.quality_approved_by, req.quality_approved_at = by, at
    req.save()
    if not approve and _open_clock(req, "parts_delivery"):
        clock_cancel(subject=req, code="parts_delivery", by=by, reason=note.strip())
    return req


@transaction.atomic
def request_cancel(*, request_id: int, reason: str, access: Access, by: User) -> PartsRequest:
    """Withdraw before approval: staff of the branch, or the portal user who applied (while applied)."""
    req = _locked(request_id)
    _visible_or_404(req, access)
    own = req.requested_by_id == by.pk and req.state == RS.APPLIED
    if not own and not (access.is_staff_member and _may(access, "supply.apply", req.branch_id)):
        raise PermissionDenied()
    transition(
        req,
        table=REQUEST_TRANSITIONS,
        to=RS.CANCELLED,
        by=by,
        roles=_roles_in(access, req.branch_id),
        reason=reason,
    )
    req.save()
    if _open_clock(req, "parts_delivery"):
        clock_cancel(subject=req, code="parts_delivery", by=by, reason=reason)
    return req


# --------------------------------------------------------------------------- fulfil


def _warehouse_for(
    warehouse_id: int | None, req: PartsRequest, field_name: str = "warehouse_id"
) -> Warehouse:
    warehouse = Warehouse.objects.filter(pk=warehouse_id, active=True).first() if warehouse_id else None
    if warehouse is None:
        raise InvalidInput(
            _("%(f)s: choose the warehouse.") % {"f": field_name}, fields={field_name: [_("Required.")]}
        )
    return warehouse


def _available(part_id: int, warehouse_id: int) -> int:
    level = StockLevel.objects.filter(part_id=part_id, warehouse_id=warehouse_id).first()
    return (level.on_hand - level.reserved) if level else 0


@transaction.atomic
def request_fulfil(
    *,
    request_id: int,
    line_id: int,
    method: str,
    warehouse_id: int | None = None,
    access: Access,
    by: User,
    at: dt.datetime | None = None,
) -> PartsRequestLine:
    """Decide how one approved line is supplied.

    ``stock``: from a warehouse (issued when shipped). ``production`` / ``purchase``: a supply order on
    the 12-day ``parts_production`` clock, received into ``warehouse_id``. ``loan``: finished goods lent
    now from a finished-goods warehouse (成品借用单) — only when production cannot meet the promised
    date — and a production order that gives the goods back when it arrives.
    """
    at = at or timezone.now()
    req = _locked(request_id)
    _guard(req, access, "supply.fulfil")
    if req.state != RS.APPROVED:
        raise InvalidInput(
            _("state: lines are fulfilled once both approvals are given (now: %(s)s).")
            % {"s": req.get_state_display()},
            fields={"state": [_("Allowed in: %(s)s") % {"s": RS.APPROVED.label}]},
        )
    line = (
        PartsRequestLine.objects.select_for_update()
        .select_related("part")
        .filter(pk=line_id, request=req)
        .first()
    )
    if line is None:
        raise InvalidInput(
            _("line_id: not a line of this request."), fields={"line_id": [_("Unknown line.")]}
        )
    if line.fulfilment:
        raise InvalidInput(
            _("method: this line is already supplied by “%(m)s”.") % {"m": line.get_fulfilment_display()},
            fields={"method": [_("Already decided.")]},
        )
    if method not in Fulfilment.values:
        raise InvalidInput(
            _("method: allowed: %(v)s") % {"v": ", ".join(Fulfilment.values)},
            fields={"method": [_("Allowed: %(v)s") % {"v": ", ".join(Fulfilment.values)}]},
        )
    warehouse = _warehouse_for(warehouse_id, req)
    data: dict[str, object] = {"line": line.pk, "part": line.part.code, "quantity": line.quantity}
    if method == Fulfilment.STOCK:
        available = _available(line.part_id, warehouse.pk)
        if available < line.quantity:
            raise InvalidInput(
                _("warehouse_id: %(w)s has %(a)d of %(p)s available, %(q)d needed; order it instead.")
                % {"w": warehouse.code, "a": available, "p": line.part.code, "q": line.quantity},
                fields={"warehouse_id": [_("Not enough available stock.")]},
            )
        line.ready = True
    elif method in (Fulfilment.PRODUCTION, Fulfilment.PURCHASE):
        order = _supply_order(req=req, line=line, kind=method, warehouse=warehouse, by=by, at=at)
        line.supply_order = order
        data["supply_order"] = order.number
    else:  # loan from finished goods
        if warehouse.kind != Warehouse.Kind.FINISHED_GOODS:
            raise InvalidInput(
                _("warehouse_id: a loan comes from a finished-goods warehouse, not %(w)s.")
                % {"w": warehouse.code},
                fields={"warehouse_id": [_("A finished-goods warehouse.")]},
            )
        production_due = due_for(code="parts_production", start=at, branch=req.branch).due_at
        assert production_due is not None and req.promised_on is not None
        due_day = production_due.astimezone(req.branch.tzinfo).date()
        if due_day <= req.promised_on:
            raise InvalidInput(
                _(
                    "method: production is due %(d)s, in time for the promised %(p)s; "
                    "a loan from finished goods is only for parts that cannot be made in time."
                )
                % {"d": due_day.isoformat(), "p": req.promised_on.isoformat()},
                fields={"method": [_("Order production instead.")]},
            )
        loan = stock_loan_out(
            part_id=line.part_id,
            warehouse_id=warehouse.pk,
            quantity=line.quantity,
            borrower=f"{req.customer.name} ({req.number})",
            reason=_("Parts request %(n)s: cannot be made within the promised date") % {"n": req.number},
            due_on=due_day,
            access=access,
            by=by,
        )
        line.loan = loan
        line.ready = True
        order = _supply_order(
            req=req, line=line, kind=Fulfilment.PRODUCTION, warehouse=warehouse, by=by, at=at
        )
        line.supply_order = order
        data.update(loan=loan.number, supply_order=order.number)
    line.fulfilment = method
    line.warehouse = warehouse
    line.save(update_fields=["fulfilment", "warehouse", "supply_order", "loan", "ready"])
    data["warehouse"] = warehouse.code
    event_record(kind="supply_fulfilment_set", subject=req, actor=by, to_value=method, data=data)
    return line


def _supply_order(
    *, req: PartsRequest, line: PartsRequestLine, kind: str, warehouse: Warehouse, by: User, at: dt.datetime
) -> SupplyOrder:
    order = SupplyOrder.objects.create(
        number=number_next(kind="supply_order", branch=req.branch, at=at),
        branch=req.branch,
        kind=kind,
        request=req,
        part=line.part,
        quantity=line.quantity,
        warehouse=warehouse,
        ordered_by=by,
        ordered_at=at,
    )
    clock = clock_start(subject=order, code="parts_production", by=by, at=at, branch=req.branch)
    order.due_at = clock.due_at
    order.save(update_fields=["due_at"])
    event_record(
        kind="created",
        subject=order,
        actor=by,
        to_value=order.number,
        data={"request": req.number, "part": line.part.code, "quantity": line.quantity, "kind": kind},
    )
    return order


@transaction.atomic
def supply_order_receive(
    *,
    order_id: int,
    qa_passed: bool = True,
    qa_note: str = "",
    access: Access,
    by: User,
    at: dt.datetime | None = None,
) -> SupplyOrder:
    """The produced or purchased parts arrive: into stock (or, for a loan, the finished goods go back
    after QA); the production clock stops."""
    at = at or timezone.now()
    order = (
        SupplyOrder.objects.select_for_update().select_related("request", "part").filter(pk=order_id).first()
    )
    if order is None:
        raise NotFound()
    req = order.request
    _guard(req, access, "supply.fulfil")
    if order.state != SupplyOrder.State.OPEN:
        raise InvalidInput(
            _("state: %(n)s was already received.") % {"n": order.number},
            fields={"state": [_("Allowed in: %(s)s") % {"s": SupplyOrder.State.OPEN.label}]},
        )
    line = PartsRequestLine.objects.select_for_update().filter(supply_order=order).first()
    assert line is not None and order.warehouse_id is not None
    if line.loan_id is not None:
        if not qa_passed and not qa_note.strip():
            raise InvalidInput(_("qa_note: say why QA failed."), fields={"qa_note": [_("Required.")]})
        stock_loan_return(loan_id=line.loan_id, qa_passed=qa_passed, qa_note=qa_note, access=access, by=by)
    else:
        stock_receive(
            part_id=order.part_id,
            warehouse_id=order.warehouse_id,
            quantity_passed=order.quantity,
            unit_cost=order.part.cost,
            reference=order.number,
            reason=_("Parts request %(n)s") % {"n": req.number},
            received_at=at,
            access=access,
            by=by,
        )
        line.ready = True
        line.save(update_fields=["ready"])
    order.state = SupplyOrder.State.RECEIVED
    order.received_at, order.received_by = at, by
    order.save(update_fields=["state", "received_at", "received_by"])
    event_record(
        kind="state_changed",
        subject=order,
        actor=by,
        from_value=SupplyOrder.State.OPEN,
        to_value=SupplyOrder.State.RECEIVED,
        data={"request": req.number, "loan_returned": line.loan_id is not None, "qa_passed": qa_passed},
    )
    if _open_clock(order, "parts_production"):
        clock_stop(subject=order, code="parts_production", by=by, at=at)
    return order


# --------------------------------------------------------------------------- receiving check


@transaction.atomic
def request_check(
    *,
    request_id: int,
    packaging_ok: bool,
    labels_ok: bool,
    stamp_ok: bool,
    note: str = "",
    access: Access,
    by: User,
    at: dt.datetime | None = None,
) -> ReceivingCheck:
    """Packaging intact, labels right (customer, part, quantity), inspection stamp present. A failed
    check is recorded with its reason and blocks shipping until a later check passes."""
    at = at or timezone.now()
    req = _locked(request_id)
    _guard(req, access, "supply.check")
    if req.state != RS.APPROVED:
        raise InvalidInput(
            _("state: the receiving check is made on an approved request (now: %(s)s).")
            % {"s": req.get_state_display()},
            fields={"state": [_("Allowed in: %(s)s") % {"s": RS.APPROVED.label}]},
        )
    problem = _lines_ready(req, by=by)
    if problem:
        raise InvalidInput(problem, fields={"lines": [problem]})
    passed = packaging_ok and labels_ok and stamp_ok
    if not passed and not note.strip():
        raise InvalidInput(
            _("note: say what is wrong."), fields={"note": [_("Required when a check fails.")]}
        )
    check = ReceivingCheck.objects.create(
        request=req,
        branch=req.branch,
        packaging_ok=packaging_ok,
        labels_ok=labels_ok,
        stamp_ok=stamp_ok,
        passed=passed,
        note=note.strip()[:300],
        checked_by=by,
        checked_at=at,
    )
    results = {"packaging_ok": packaging_ok, "labels_ok": labels_ok, "stamp_ok": stamp_ok}
    if passed:
        transition(
            req,
            table=REQUEST_TRANSITIONS,
            to=RS.READY,
            by=by,
            roles=_roles_in(access, req.branch_id),
            data=results,
        )
        req.check_problem = ""
        req.ready_at = at
    else:
        req.check_problem = check.note
        event_record(kind="supply_check_failed", subject=req, actor=by, reason=check.note, data=results)
    req.save()
    return check


# --------------------------------------------------------------------------- ship


@transaction.atomic
def request_ship(
    *,
    request_id: int,
    carrier: str,
    loaded_by: str,
    day: dt.date | None = None,
    access: Access,
    by: User,
    at: dt.datetime | None = None,
) -> Shipment:
    """Load a ready request onto the day's shipping list of its carrier (补件装车单): the parts are issued
    from their warehouse (loaned goods already left finished goods) and the delivery clock stops."""
    at = at or timezone.now()
    req = _locked(request_id)
    _guard(req, access, "supply.ship")
    errors: dict[str, list[str]] = {}
    if not carrier.strip():
        errors["carrier"] = [_("Who carries the parts (logistics, carrier, customer pick-up).")]
    if not loaded_by.strip():
        errors["loaded_by"] = [_("Who loaded the parts.")]
    InvalidInput.check(errors)
    if req.state != RS.READY:
        why = req.check_problem or req.get_state_display()
        raise InvalidInput(
            _("state: %(n)s is not ready to ship: %(w)s.") % {"n": req.number, "w": why},
            fields={"state": [_("Allowed in: %(s)s") % {"s": RS.READY.label}]},
        )
    day = day or at.astimezone(req.branch.tzinfo).date()
    shipment = (
        Shipment.objects.select_for_update()
        .filter(branch=req.branch, day=day, carrier=carrier.strip()[:100])
        .first()
    )
    if shipment is None:
        shipment = Shipment.objects.create(
            number=number_next(kind="parts_shipment", branch=req.branch, at=at),
            branch=req.branch,
            day=day,
            carrier=carrier.strip()[:100],
            loaded_by=loaded_by.strip()[:100],
            created_by=by,
            created_at=at,
        )
        event_record(kind="created", subject=shipment, actor=by, to_value=shipment.number)
    rows = []
    for line in req.lines.select_related("part").order_by("pk"):
        bins = ""
        if line.loan_id is None:
            assert line.warehouse_id is not None
            result = stock_issue(
                part_id=line.part_id,
                warehouse_id=line.warehouse_id,
                quantity=line.quantity,
                reason=_("Parts request %(n)s for %(c)s") % {"n": req.number, "c": req.customer.name},
                access=access,
                by=by,
            )
            bins = ", ".join(f"{p.bin_code}×{p.quantity}" for p in result.pick)
        rows.append(
            ShipmentLine(
                shipment=shipment,
                branch=req.branch,
                request=req,
                line=line,
                part=line.part,
                quantity=line.quantity,
                bins=bins[:200],
            )
        )
    ShipmentLine.objects.bulk_create(rows)
    transition(
        req,
        table=REQUEST_TRANSITIONS,
        to=RS.SHIPPED,
        by=by,
        roles=_roles_in(access, req.branch_id),
        data={"shipment": shipment.number, "carrier": shipment.carrier, "loaded_by": loaded_by.strip()},
    )
    req.shipped_at = at
    req.save()
    if _open_clock(req, "parts_delivery"):
        clock_stop(subject=req, code="parts_delivery", by=by, at=at)
    return shipment


# --------------------------------------------------------------------------- close-out (补件收尾)


def closeout_period(*, day: dt.date, every_days: int) -> tuple[dt.date, dt.date]:
    """The last complete close-out period on ``day``: [start, close-out day)."""
    index = (day - CLOSEOUT_ANCHOR).days // every_days
    end = CLOSEOUT_ANCHOR + dt.timedelta(days=index * every_days)
    return end - dt.timedelta(days=every_days), end


@transaction.atomic
def closeout_run(*, at: dt.datetime | None = None) -> dict[str, int]:
    """Every close-out period (``parts_closeout`` policy: 15 days) list what each branch still owes;
    after the grace (the policy's limit − period: 3 days) mark those still not shipped overdue.

    Idempotent: a period's close-out is created once (unique branch + period), its lines once, and a
    request is marked overdue once; running it twice gives the same records.
    """
    at = at or timezone.now()
    created = listed = marked = 0
    branch_ids = set(PartsRequest.objects.filter(state__in=OPEN_STATES).values_list("branch_id", flat=True))
    for branch in Branch.objects.filter(pk__in=branch_ids).order_by("pk"):
        policy = policy_for(code="parts_closeout", branch=branch)
        every = int(policy.amount)
        grace = int((policy.limit_amount or policy.amount) - policy.amount)
        today = at.astimezone(branch.tzinfo).date()
        start, end = closeout_period(day=today, every_days=every)
        closeout, was_created = CloseOut.objects.get_or_create(
            branch=branch,
            period_start=start,
            defaults={"period_end": end, "grace_until": end + dt.timedelta(days=grace), "created_at": at},
        )
        if was_created:
            created += 1
            owed = PartsRequest.objects.filter(branch=branch, state__in=OPEN_STATES, promised_on__lt=end)
            rows = [
                CloseOutLine(closeout=closeout, request=r, promised_on=r.promised_on, state=r.state)
                for r in owed.order_by("pk")
            ]
            CloseOutLine.objects.bulk_create(rows, ignore_conflicts=True)
            listed += len(rows)
            event_record(
                kind="supply_closeout",
                subject=closeout,
                actor=None,
                branch=branch,
                to_value=end.isoformat(),
                data={"owed": [r.request.number for r in rows]},
            )
    # Past the grace and still not shipped: overdue (each request once).
    candidates = (
        CloseOutLine.objects.filter(
            request__state__in=OPEN_STATES,
            request__overdue_at__isnull=True,
        )
        .select_related("closeout", "request", "request__branch")
        .order_by("request_id")
    )
    for row in candidates:
        local_day = at.astimezone(row.request.branch.tzinfo).date()
        if local_day <= row.closeout.grace_until:
            continue
        if PartsRequest.objects.filter(pk=row.request_id, overdue_at__isnull=True).update(overdue_at=at) == 1:
            marked += 1
            event_record(
                kind="supply_overdue",
                subject=row.request,
                actor=None,
                to_value=row.closeout.grace_until.isoformat(),
                data={"close_out_day": row.closeout.period_end.isoformat()},
            )
    return {"closeouts": created, "listed": listed, "overdue": marked}
