"""Stock moves and their workflows. Every change of a quantity goes through one of these services.

Rules (docs/stock.md):

* **Lock order.** A service first locks the :class:`StockLevel` rows it touches with
  :func:`stock_levels_lock` (missing rows are created under the unique constraint; all rows are
  taken in ``(part_id, warehouse_id)`` order), then the lots of that level with
  ``select_for_update().order_by("received_at", "pk")``, then its workflow record. Moves of the same
  part in the same warehouse queue on the level row; other parts run in parallel.
* **Never negative.** Quantities are checked under the lock and refused with
  :class:`InsufficientStock` (part, asked, available); the CHECK constraints on levels and lots
  are the last line of defence. ``available = on_hand − reserved``.
* **FIFO.** Issues, write-offs, loans and transfers take the oldest lots first (received date, then
  id); transferred and returned units keep their lot's received date and unit cost.
* **Ledger.** Every quantity change is one signed :class:`StockMove`; the sum of a part's moves in a
  warehouse equals its ``on_hand``. Every operation also writes an audit event.
* **Who.** ``stock.move`` in the warehouse's branch (a technician: only his own van);
  write-off decisions per :func:`writeoff_may_decide`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.calls.models import ServiceOrder
from aftersales.catalog.models import Part
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.common.numbering import number_next
from aftersales.common.transitions import Step, TransitionTable, transition
from aftersales.org.models import User
from aftersales.org.roles import Role
from aftersales.rules.services import rule_decimal
from aftersales.stock.models import (
    Bin,
    Reservation,
    StockLevel,
    StockLoan,
    StockLot,
    StockMove,
    Warehouse,
    WriteOff,
)

MK = StockMove.Kind
RS = Reservation.State
WS = WriteOff.State
LS = StockLoan.State

RESERVATION_TRANSITIONS: TransitionTable = {
    (RS.RESERVED, RS.CONSUMED): Step(label="use the reserved parts", event_kind="stock_reservation_consumed"),
    (RS.RESERVED, RS.RELEASED): Step(
        label="release the reservation", event_kind="stock_reservation_released"
    ),
    (RS.CONSUMED, RS.RETURNED): Step(
        label="return the unused parts", event_kind="stock_reservation_returned", needs_reason=True
    ),
}
WRITEOFF_TRANSITIONS: TransitionTable = {
    (WS.REQUESTED, WS.APPROVED): Step(label="approve the write-off", event_kind="stock_writeoff_approved"),
    (WS.REQUESTED, WS.REJECTED): Step(
        label="reject the write-off", event_kind="stock_writeoff_rejected", needs_reason=True
    ),
}
LOAN_TRANSITIONS: TransitionTable = {
    (LS.OUT, LS.RETURNED): Step(label="returned, QA passed", event_kind="stock_loan_returned"),
    (LS.OUT, LS.FAILED_QA): Step(
        label="returned, QA failed", event_kind="stock_loan_failed_qa", needs_reason=True
    ),
}


class InsufficientStock(InvalidInput):
    """Not enough available stock. Carries the part code, the quantity asked and what is available."""

    code = "insufficient_stock"

    def __init__(self, *, part: Part, asked: int, available: int, field_name: str = "quantity"):
        self.part_code = part.code
        self.asked = asked
        self.available = available
        message = _("insufficient stock: %(part)s, asked %(asked)d, available %(available)d") % {
            "part": f"{part.code} {part.name}",
            "asked": asked,
            "available": available,
        }
        super().__init__(message, fields={field_name: [message]})


@dataclass(frozen=True)
class PickLine:
    """One line of a pick list: take ``quantity`` from ``bin_code`` (lot received ``received_at``)."""

    part_code: str
    bin_code: str
    quantity: int
    lot_id: int
    received_at: datetime.datetime
    unit_cost: Decimal


@dataclass
class MoveResult:
    """What a move did: the ledger rows written and, for outgoing moves, the pick list (FIFO order)."""

    moves: list[StockMove] = field(default_factory=list)
    pick: list[PickLine] = field(default_factory=list)
    lot: StockLot | None = None

    @property
    def cost(self) -> Decimal:
        return sum((line.unit_cost * line.quantity for line in self.pick), Decimal("0.00"))


# --- permission and lookups -------------------------------------------------------------------


def may_move(access: Access, warehouse: Warehouse) -> bool:
    """``stock.move`` in the warehouse's branch; a technician only in his own van."""
    return access.can_on("stock.move", branch_id=warehouse.branch_id, owner_id=warehouse.technician_id)


def may_view(access: Access, warehouse: Warehouse) -> bool:
    return access.can_on("stock.view", branch_id=warehouse.branch_id, owner_id=warehouse.technician_id)


def _warehouse(warehouse_id: int, access: Access, *, move: bool = True) -> Warehouse:
    warehouse = Warehouse.objects.select_related("branch").filter(pk=warehouse_id).first()
    if warehouse is None or not may_view(access, warehouse):
        raise NotFound(_("warehouse: no such warehouse."), fields={"warehouse": [_("not found")]})
    if move and not may_move(access, warehouse):
        raise PermissionDenied(
            _("You may not move stock in %(warehouse)s.") % {"warehouse": warehouse},
        )
    if not warehouse.active:
        raise InvalidInput(
            _("warehouse: %(warehouse)s is closed.") % {"warehouse": warehouse},
            fields={"warehouse": [_("choose an active warehouse")]},
        )
    return warehouse


def _part(part_id: int) -> Part:
    part = Part.objects.filter(pk=part_id).first()
    if part is None:
        raise InvalidInput(_("part: no such part."), fields={"part": [_("not found")]})
    return part


def _positive(quantity: int, name: str = "quantity") -> None:
    if not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput(
            _("%(field)s: must be a whole number above 0, not %(value)s.")
            % {"field": name, "value": quantity},
            fields={name: [_("a whole number above 0")]},
        )


def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidInput(_("reason: give a reason."), fields={"reason": [_("required")]})
    return reason[:300]


def warehouse_bin(*, warehouse: Warehouse, bin_id: int | None) -> Bin:
    """The bin ``bin_id`` of ``warehouse`` (or its first active bin when None); refuses a wrong bin."""
    bins = Bin.objects.filter(warehouse=warehouse, active=True).order_by("code")
    if bin_id is None:
        default = bins.first()
        if default is None:
            raise InvalidInput(
                _("bin: %(warehouse)s has no active bin; create one first.") % {"warehouse": warehouse},
                fields={"bin": [_("required")]},
            )
        return default
    found = bins.filter(pk=bin_id).first()
    if found is None:
        asked = Bin.objects.filter(pk=bin_id).first()
        allowed = ", ".join(bins.values_list("code", flat=True)[:20]) or "—"
        message = _("wrong bin: %(bin)s is not a bin of %(warehouse)s; allowed: %(allowed)s") % {
            "bin": asked.code if asked else f"#{bin_id}",
            "warehouse": warehouse.code,
            "allowed": allowed,
        }
        raise InvalidInput(message, fields={"bin": [message]}, code="wrong_bin")
    return found


def _order(order_id: int | None, warehouse: Warehouse) -> ServiceOrder | None:
    """The order a move is for: of the warehouse's branch, or any order for a head-office warehouse."""
    if order_id is None:
        return None
    order = ServiceOrder.objects.filter(pk=order_id).first()
    if order is None or (
        order.branch_id != warehouse.branch_id and warehouse.kind != Warehouse.Kind.HEAD_OFFICE
    ):
        raise InvalidInput(
            _("order: no such service order for %(warehouse)s.") % {"warehouse": warehouse.code},
            fields={"order": [_("an order of the warehouse's branch")]},
        )
    return order


# --- locking and the lot primitives ----------------------------------------------------------


def stock_levels_lock(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Lock (creating if missing) the levels of ``(part_id, warehouse_id)`` pairs, in one fixed order.

    Call inside a transaction, before touching lots. Rows are created and locked one by one in
    ``(part_id, warehouse_id)`` order, so two transactions never wait on each other in a cycle.
    """
    levels: dict[tuple[int, int], StockLevel] = {}
    for part_id, warehouse_id in sorted(set(pairs)):
        level = (
            StockLevel.objects.select_for_update().filter(part_id=part_id, warehouse_id=warehouse_id).first()
        )
        if level is None:
            branch_id = Warehouse.objects.values_list("branch_id", flat=True).get(pk=warehouse_id)
            StockLevel.objects.get_or_create(
                part_id=part_id, warehouse_id=warehouse_id, defaults={"branch_id": branch_id}
            )
            level = StockLevel.objects.select_for_update().get(part_id=part_id, warehouse_id=warehouse_id)
        levels[(part_id, warehouse_id)] = level
    return levels


def _take(
    *,
    level: StockLevel,
    part: Part,
    quantity: int,
    bin: Bin | None = None,
    from_reserved: int = 0,
    at: datetime.datetime | None = None,
    issued: bool = False,
) -> list[tuple[StockLot, int]]:
    """Take ``quantity`` from the level's lots, oldest first. The level must be locked.

    ``from_reserved`` of the quantity comes out of the level's reservation (a consumed reservation);
    the rest must be available. Updates lots and the level; writes no move. ``issued``: the parts
    are used (an issue), which sets the level's "last issued" (a transfer, loan or write-off does not).
    """
    available = level.on_hand - level.reserved + from_reserved
    lots_qs = StockLot.objects.select_for_update().filter(
        part_id=level.part_id, warehouse_id=level.warehouse_id, on_hand__gt=0
    )
    if bin is not None:
        lots_qs = lots_qs.filter(bin=bin)
    lots = list(lots_qs.order_by("received_at", "pk"))
    if bin is not None:
        available = min(available, sum(lot.on_hand for lot in lots))
    if quantity > available:
        raise InsufficientStock(part=part, asked=quantity, available=max(available, 0))
    taken: list[tuple[StockLot, int]] = []
    left = quantity
    for lot in lots:
        if left == 0:
            break
        n = min(lot.on_hand, left)
        StockLot.objects.filter(pk=lot.pk).update(on_hand=F("on_hand") - n)
        lot.on_hand -= n
        taken.append((lot, n))
        left -= n
    if left:  # lots disagree with the level: refuse rather than go negative
        raise InsufficientStock(part=part, asked=quantity, available=quantity - left)
    now = at or timezone.now()
    changes: dict[str, Any] = {"on_hand": F("on_hand") - quantity, "reserved": F("reserved") - from_reserved}
    if issued:
        changes["last_issued_at"] = now
        level.last_issued_at = now
    StockLevel.objects.filter(pk=level.pk).update(**changes)
    level.on_hand -= quantity
    level.reserved -= from_reserved
    return taken


def _put(
    *,
    level: StockLevel,
    bin: Bin,
    quantity: int,
    received_at: datetime.datetime,
    unit_cost: Decimal,
    origin: StockLot | None = None,
    touch_received: bool = True,
) -> StockLot:
    """Put ``quantity`` into a new lot in ``bin``. The level must be locked."""
    lot = StockLot.objects.create(
        branch_id=level.branch_id,
        part_id=level.part_id,
        warehouse_id=level.warehouse_id,
        bin=bin,
        received_at=received_at,
        unit_cost=unit_cost,
        quantity_received=quantity,
        on_hand=quantity,
        origin=origin,
    )
    changes: dict[str, Any] = {"on_hand": F("on_hand") + quantity}
    if touch_received:
        changes["last_received_at"] = timezone.now()
    StockLevel.objects.filter(pk=level.pk).update(**changes)
    level.on_hand += quantity
    return lot


def _moves_out(
    *,
    kind: str,
    taken: list[tuple[StockLot, int]],
    part: Part,
    warehouse: Warehouse,
    by: User,
    order: ServiceOrder | None = None,
    reason: str = "",
    reference: str = "",
    approved_by: User | None = None,
    at: datetime.datetime | None = None,
) -> MoveResult:
    bins = {b.pk: b for b in Bin.objects.filter(pk__in={lot.bin_id for lot, _n in taken})}
    now = at or timezone.now()
    moves = StockMove.objects.bulk_create(
        [
            StockMove(
                kind=kind,
                branch_id=warehouse.branch_id,
                part=part,
                warehouse=warehouse,
                bin_id=lot.bin_id,
                lot=lot,
                quantity=-n,
                unit_cost=lot.unit_cost,
                order=order,
                reason=reason,
                reference=reference,
                by=by,
                at=now,
                approved_by=approved_by,
            )
            for lot, n in taken
        ]
    )
    pick = [
        PickLine(
            part_code=part.code,
            bin_code=bins[lot.bin_id].code,
            quantity=n,
            lot_id=lot.pk,
            received_at=lot.received_at,
            unit_cost=lot.unit_cost,
        )
        for lot, n in taken
    ]
    return MoveResult(moves=moves, pick=pick)


def _event(kind: str, *, result: MoveResult, part: Part, warehouse: Warehouse, by: User, **data: Any) -> None:
    quantity = sum(m.quantity for m in result.moves)
    event_record(
        kind=kind,
        subject=part,
        subject_label=f"{part.code} {part.name}",
        branch=warehouse.branch_id,
        actor=by,
        to_value=f"{quantity:+d}",
        reason=str(data.pop("reason", "")),
        data={
            "warehouse": warehouse.code,
            "quantity": quantity,
            "moves": [m.pk for m in result.moves],
            "bins": [line.bin_code for line in result.pick],
            **data,
        },
    )


# --- moves -------------------------------------------------------------------------------------


@transaction.atomic
def stock_receive(
    *,
    part_id: int,
    warehouse_id: int,
    quantity_passed: int,
    unit_cost: Decimal,
    quantity_rejected: int = 0,
    bin_id: int | None = None,
    received_at: datetime.datetime | None = None,
    reference: str = "",
    reason: str = "",
    access: Access,
    by: User,
) -> MoveResult:
    """Receive parts after incoming inspection: the passed quantity goes into a new lot in the bin,
    the rejected quantity is recorded on the receipt move but not stocked."""
    warehouse = _warehouse(warehouse_id, access)
    part = _part(part_id)
    errors: dict[str, list[str]] = {}
    if not isinstance(quantity_passed, int) or quantity_passed < 0:
        errors["quantity_passed"] = [_("a whole number, 0 or more")]
    if not isinstance(quantity_rejected, int) or quantity_rejected < 0:
        errors["quantity_rejected"] = [_("a whole number, 0 or more")]
    elif not errors and quantity_passed + quantity_rejected == 0:
        errors["quantity_passed"] = [_("receive at least one unit")]
    unit_cost = Decimal(unit_cost)
    if unit_cost < 0:
        errors["unit_cost"] = [_("0 or more")]
    InvalidInput.check(errors)
    bin = warehouse_bin(warehouse=warehouse, bin_id=bin_id)
    at = received_at or timezone.now()
    level = stock_levels_lock([(part.pk, warehouse.pk)])[(part.pk, warehouse.pk)]
    lot = None
    if quantity_passed:
        lot = _put(level=level, bin=bin, quantity=quantity_passed, received_at=at, unit_cost=unit_cost)
        if received_at is not None:  # a back-dated receipt: the level shows when stock really came
            StockLevel.objects.filter(pk=level.pk).update(last_received_at=at)
    move = StockMove.objects.create(
        kind=MK.RECEIPT,
        branch_id=warehouse.branch_id,
        part=part,
        warehouse=warehouse,
        bin=bin,
        lot=lot,
        quantity=quantity_passed,
        rejected_quantity=quantity_rejected,
        unit_cost=unit_cost,
        reason=_reason(reason, required=False),
        reference=reference[:60],
        by=by,
        at=at,
    )
    result = MoveResult(moves=[move], lot=lot)
    _event(
        "stock_received",
        result=result,
        part=part,
        warehouse=warehouse,
        by=by,
        bins=[bin.code],
        passed=quantity_passed,
        rejected=quantity_rejected,
        unit_cost=str(unit_cost),
        reference=reference[:60],
        reason=reason,
    )
    return result


@transaction.atomic
def stock_issue(
    *,
    part_id: int,
    warehouse_id: int,
    quantity: int,
    order_id: int | None = None,
    reason: str = "",
    bin_id: int | None = None,
    at: datetime.datetime | None = None,
    access: Access,
    by: User,
) -> MoveResult:
    """Issue parts to a service order (or, with a reason, for another purpose), oldest lots first.

    Returns the moves and the pick list (bins, FIFO order). Refuses with :class:`InsufficientStock`
    when more is asked than is available (on hand − reserved); with ``bin_id`` only that bin's lots.
    ``at`` back-dates an issue recorded later (history taken over from paper, the demo); default now.
    """
    _positive(quantity)
    warehouse = _warehouse(warehouse_id, access)
    part = _part(part_id)
    order = _order(order_id, warehouse)
    reason = _reason(reason, required=order is None)
    bin = warehouse_bin(warehouse=warehouse, bin_id=bin_id) if bin_id is not None else None
    level = stock_levels_lock([(part.pk, warehouse.pk)])[(part.pk, warehouse.pk)]
    taken = _take(level=level, part=part, quantity=quantity, bin=bin, at=at, issued=True)
    result = _moves_out(
        kind=MK.ISSUE, taken=taken, part=part, warehouse=warehouse, by=by, order=order, reason=reason, at=at
    )
    _event(
        "stock_issued",
        result=result,
        part=part,
        warehouse=warehouse,
        by=by,
        order=order.number if order else "",
        reason=reason,
    )
    return result


def _issued_to_order(*, order: ServiceOrder, part: Part, warehouse: Warehouse) -> list[StockMove]:
    return list(
        StockMove.objects.filter(
            order=order, part=part, warehouse=warehouse, kind__in=[MK.ISSUE, MK.RETURN]
        ).order_by("-at", "-pk")
    )


@transaction.atomic
def stock_return(
    *,
    part_id: int,
    warehouse_id: int,
    quantity: int,
    order_id: int,
    bin_id: int | None = None,
    reason: str = "",
    access: Access,
    by: User,
) -> MoveResult:
    """Return unused parts of a service order into a bin of the warehouse they were issued from.

    At most what was issued to the order from that warehouse and not yet returned. The units go
    back into a new lot carrying the received date and cost of the lot they were last issued from.
    """
    _positive(quantity)
    warehouse = _warehouse(warehouse_id, access)
    part = _part(part_id)
    order = _order(order_id, warehouse)
    assert order is not None
    bin = warehouse_bin(warehouse=warehouse, bin_id=bin_id)
    level = stock_levels_lock([(part.pk, warehouse.pk)])[(part.pk, warehouse.pk)]
    result = _return_into(
        level=level,
        part=part,
        warehouse=warehouse,
        bin=bin,
        order=order,
        quantity=quantity,
        by=by,
        reason=_reason(reason, required=False),
    )
    _event(
        "stock_returned",
        result=result,
        part=part,
        warehouse=warehouse,
        by=by,
        order=order.number,
        bins=[bin.code],
        reason=reason,
    )
    return result


def _return_into(
    *,
    level: StockLevel,
    part: Part,
    warehouse: Warehouse,
    bin: Bin,
    order: ServiceOrder,
    quantity: int,
    by: User,
    reason: str,
    reference: str = "",
) -> MoveResult:
    history = _issued_to_order(order=order, part=part, warehouse=warehouse)
    outstanding = -sum(m.quantity for m in history)
    if quantity > outstanding:
        message = _(
            "cannot return %(asked)d of %(part)s to %(warehouse)s: %(allowed)d issued to order %(order)s "
            "and not yet returned"
        ) % {
            "asked": quantity,
            "part": f"{part.code} {part.name}",
            "warehouse": warehouse.code,
            "allowed": max(outstanding, 0),
            "order": order.number,
        }
        raise InvalidInput(message, fields={"quantity": [message]}, code="return_exceeds_issue")
    last_issue = next(m for m in history if m.kind == MK.ISSUE)
    source = StockLot.objects.get(pk=last_issue.lot_id) if last_issue.lot_id else None
    lot = _put(
        level=level,
        bin=bin,
        quantity=quantity,
        received_at=source.received_at if source else timezone.now(),
        unit_cost=last_issue.unit_cost,
        origin=source,
        touch_received=False,
    )
    move = StockMove.objects.create(
        kind=MK.RETURN,
        branch_id=warehouse.branch_id,
        part=part,
        warehouse=warehouse,
        bin=bin,
        lot=lot,
        quantity=quantity,
        unit_cost=lot.unit_cost,
        order=order,
        reason=reason,
        reference=reference,
        related=last_issue,
        by=by,
    )
    return MoveResult(moves=[move], lot=lot)


@transaction.atomic
def stock_transfer(
    *,
    part_id: int,
    from_warehouse_id: int,
    to_warehouse_id: int,
    quantity: int,
    to_bin_id: int | None = None,
    reason: str = "",
    access: Access,
    by: User,
) -> MoveResult:
    """Move parts between warehouses (incl. to and from a technician's van), oldest lots first.

    Needs ``stock.move`` on the source; the target may be any active warehouse. Each lot taken
    arrives as a lot in the target bin with the same received date and unit cost. Moves come in
    pairs (out, in) linked by ``related``; ``pick`` lists the source bins.
    """
    _positive(quantity)
    source = _warehouse(from_warehouse_id, access)
    target = Warehouse.objects.select_related("branch").filter(pk=to_warehouse_id, active=True).first()
    if target is None:
        raise InvalidInput(
            _("to warehouse: no such active warehouse."), fields={"to_warehouse": [_("not found")]}
        )
    if target.pk == source.pk:
        raise InvalidInput(
            _("to warehouse: must differ from the source %(warehouse)s.") % {"warehouse": source.code},
            fields={"to_warehouse": [_("another warehouse")]},
        )
    part = _part(part_id)
    bin = warehouse_bin(warehouse=target, bin_id=to_bin_id)
    reason = _reason(reason, required=False)
    levels = stock_levels_lock([(part.pk, source.pk), (part.pk, target.pk)])
    taken = _take(level=levels[(part.pk, source.pk)], part=part, quantity=quantity)
    result = _moves_out(
        kind=MK.TRANSFER_OUT,
        taken=taken,
        part=part,
        warehouse=source,
        by=by,
        reason=reason,
        reference=target.code,
    )
    for (lot, n), out in zip(taken, list(result.moves), strict=True):
        new_lot = _put(
            level=levels[(part.pk, target.pk)],
            bin=bin,
            quantity=n,
            received_at=lot.received_at,
            unit_cost=lot.unit_cost,
            origin=lot,
        )
        result.moves.append(
            StockMove.objects.create(
                kind=MK.TRANSFER_IN,
                branch_id=target.branch_id,
                part=part,
                warehouse=target,
                bin=bin,
                lot=new_lot,
                quantity=n,
                unit_cost=lot.unit_cost,
                reason=reason,
                reference=source.code,
                related=out,
                by=by,
                at=out.at,
            )
        )
    _event(
        "stock_transferred",
        result=MoveResult(moves=result.moves[: len(taken)], pick=result.pick),
        part=part,
        warehouse=source,
        by=by,
        to=target.code,
        to_bin=bin.code,
        reason=reason,
    )
    if target.branch_id != source.branch_id:
        event_record(
            kind="stock_transferred",
            subject=part,
            subject_label=f"{part.code} {part.name}",
            branch=target.branch_id,
            actor=by,
            to_value=f"+{quantity}",
            reason=reason,
            data={"warehouse": target.code, "from": source.code, "quantity": quantity, "bins": [bin.code]},
        )
    return result


# --- reservations --------------------------------------------------------------------------------


def _locked_reservation(
    reservation_id: int, access: Access
) -> tuple[Reservation, StockLevel, Warehouse, Part]:
    row = Reservation.objects.filter(pk=reservation_id).values_list("part_id", "warehouse_id").first()
    if row is None:
        raise NotFound()
    warehouse = _warehouse(row[1], access)
    level = stock_levels_lock([row])[row]
    reservation = Reservation.objects.select_for_update().get(pk=reservation_id)
    return reservation, level, warehouse, _part(row[0])


@transaction.atomic
def reservation_create(
    *, order_id: int, part_id: int, warehouse_id: int, quantity: int, access: Access, by: User
) -> Reservation:
    """Hold ``quantity`` of a part in a warehouse for a service order (available = on hand − reserved)."""
    _positive(quantity)
    warehouse = _warehouse(warehouse_id, access)
    part = _part(part_id)
    order = _order(order_id, warehouse)
    assert order is not None
    level = stock_levels_lock([(part.pk, warehouse.pk)])[(part.pk, warehouse.pk)]
    if quantity > level.available:
        raise InsufficientStock(part=part, asked=quantity, available=level.available)
    StockLevel.objects.filter(pk=level.pk).update(reserved=F("reserved") + quantity)
    reservation = Reservation.objects.create(
        branch_id=warehouse.branch_id,
        order=order,
        part=part,
        warehouse=warehouse,
        quantity=quantity,
        created_by=by,
    )
    event_record(
        kind="stock_reserved",
        subject=reservation,
        actor=by,
        to_value=RS.RESERVED,
        data={"order": order.number, "part": part.code, "warehouse": warehouse.code, "quantity": quantity},
    )
    return reservation


@transaction.atomic
def reservation_consume(*, reservation_id: int, access: Access, by: User) -> MoveResult:
    """Issue the reserved parts to the reservation's order (FIFO); returns the moves and pick list."""
    reservation, level, warehouse, part = _locked_reservation(reservation_id, access)
    transition(
        reservation,
        table=RESERVATION_TRANSITIONS,
        to=RS.CONSUMED,
        by=by,
        data={"quantity": reservation.quantity},
    )
    taken = _take(
        level=level, part=part, quantity=reservation.quantity, from_reserved=reservation.quantity, issued=True
    )
    result = _moves_out(
        kind=MK.ISSUE,
        taken=taken,
        part=part,
        warehouse=warehouse,
        by=by,
        order=reservation.order,
        reference=f"R{reservation.pk}",
    )
    reservation.save(update_fields=["state", "updated_at"])
    _event(
        "stock_issued",
        result=result,
        part=part,
        warehouse=warehouse,
        by=by,
        order=reservation.order.number,
        reservation=reservation.pk,
    )
    return result


@transaction.atomic
def reservation_release(*, reservation_id: int, reason: str = "", access: Access, by: User) -> Reservation:
    """Give reserved parts back to the available stock (the order no longer needs them)."""
    reservation, level, _w, _p = _locked_reservation(reservation_id, access)
    transition(
        reservation,
        table=RESERVATION_TRANSITIONS,
        to=RS.RELEASED,
        by=by,
        reason=reason,
        data={"quantity": reservation.quantity},
    )
    StockLevel.objects.filter(pk=level.pk).update(reserved=F("reserved") - reservation.quantity)
    reservation.save(update_fields=["state", "updated_at"])
    return reservation


@transaction.atomic
def reservation_return(
    *, reservation_id: int, reason: str, bin_id: int | None = None, access: Access, by: User
) -> MoveResult:
    """The consumed parts were not used after all: all of them go back into a bin (a return move)."""
    reservation, level, warehouse, part = _locked_reservation(reservation_id, access)
    transition(
        reservation,
        table=RESERVATION_TRANSITIONS,
        to=RS.RETURNED,
        by=by,
        reason=reason,
        data={"quantity": reservation.quantity},
    )
    bin = warehouse_bin(warehouse=warehouse, bin_id=bin_id)
    result = _return_into(
        level=level,
        part=part,
        warehouse=warehouse,
        bin=bin,
        order=reservation.order,
        quantity=reservation.quantity,
        by=by,
        reason=reason[:300],
        reference=f"R{reservation.pk}",
    )
    reservation.save(update_fields=["state", "updated_at"])
    return result


# --- write-offs ----------------------------------------------------------------------------------


def _fifo_cost(*, part_id: int, warehouse_id: int, quantity: int, bin_id: int | None) -> Decimal:
    lots = StockLot.objects.filter(part_id=part_id, warehouse_id=warehouse_id, on_hand__gt=0)
    if bin_id is not None:
        lots = lots.filter(bin_id=bin_id)
    total, left = Decimal("0.00"), quantity
    for on_hand, cost in lots.order_by("received_at", "pk").values_list("on_hand", "unit_cost"):
        n = min(on_hand, left)
        total += n * cost
        left -= n
        if not left:
            break
    return total


def writeoff_may_decide(access: Access, writeoff: WriteOff) -> bool:
    """Who approves a write-off (policies: warehouse supervisor; above the threshold the executive).

    Above the threshold: the executive only. Up to it: ``stock.approve`` in the write-off's branch
    (branch manager, admin, executive) — warehouse keepers count only when granted at head office
    (they are the procedures' warehouse supervisor). Never the person who asked (checked separately).
    """
    if writeoff.needs_executive:
        return access.has_role(Role.EXECUTIVE)
    if access.is_superuser:
        return True
    head = access.head_office_id
    for role, branch_id in access.grants:
        if role not in (Role.ADMIN, Role.MANAGER, Role.EXECUTIVE, Role.WAREHOUSE):
            continue
        if role == Role.WAREHOUSE:
            if branch_id == head:
                return True
        elif branch_id in (writeoff.branch_id, head):
            return True
    return False


@transaction.atomic
def writeoff_request(
    *,
    part_id: int,
    warehouse_id: int,
    quantity: int,
    reason: str,
    bin_id: int | None = None,
    disposition: str = WriteOff.Disposition.SCRAP,
    access: Access,
    by: User,
) -> WriteOff:
    """Ask to write off (报损) parts. Nothing leaves stock until approved; the amount is at FIFO cost
    and decides the approver (``writeoff_executive_threshold``)."""
    _positive(quantity)
    warehouse = _warehouse(warehouse_id, access)
    part = _part(part_id)
    reason = _reason(reason, required=True)
    if disposition not in WriteOff.Disposition.values:
        raise InvalidInput(
            _("disposition: one of %(allowed)s.") % {"allowed": ", ".join(WriteOff.Disposition.values)},
            fields={"disposition": [_("not allowed")]},
        )
    bin = warehouse_bin(warehouse=warehouse, bin_id=bin_id) if bin_id is not None else None
    level = stock_levels_lock([(part.pk, warehouse.pk)])[(part.pk, warehouse.pk)]
    available = level.available
    if bin is not None:
        in_bin = StockLot.objects.filter(part=part, warehouse=warehouse, bin=bin).aggregate(n=Sum("on_hand"))[
            "n"
        ]
        available = min(available, in_bin or 0)
    if quantity > available:
        raise InsufficientStock(part=part, asked=quantity, available=available)
    amount = _fifo_cost(part_id=part.pk, warehouse_id=warehouse.pk, quantity=quantity, bin_id=bin_id)
    threshold, _rule = rule_decimal("writeoff_executive_threshold", branch_id=warehouse.branch_id)
    writeoff = WriteOff.objects.create(
        number=number_next(kind="writeoff", branch=warehouse.branch),
        branch_id=warehouse.branch_id,
        part=part,
        warehouse=warehouse,
        bin=bin,
        quantity=quantity,
        amount=amount,
        needs_executive=amount > threshold,
        disposition=disposition,
        reason=reason,
        requested_by=by,
    )
    event_record(
        kind="stock_writeoff_requested",
        subject=writeoff,
        actor=by,
        to_value=WS.REQUESTED,
        reason=reason,
        data={
            "part": part.code,
            "warehouse": warehouse.code,
            "quantity": quantity,
            "amount": str(amount),
            "threshold": str(threshold),
            "needs_executive": writeoff.needs_executive,
        },
    )
    return writeoff


@transaction.atomic
def writeoff_decide(*, writeoff_id: int, approve: bool, note: str = "", access: Access, by: User) -> WriteOff:
    """Approve (the parts leave stock, FIFO, at the time of approval) or reject a write-off.

    Four-eyes: never the person who asked. Above the threshold only the executive. Refuses with
    :class:`InsufficientStock` if the stock is no longer there.
    """
    row = WriteOff.objects.filter(pk=writeoff_id).values_list("part_id", "warehouse_id").first()
    if row is None:
        raise NotFound()
    warehouse = _warehouse(row[1], access, move=False)
    level = stock_levels_lock([row])[row]
    writeoff = WriteOff.objects.select_for_update().select_related("part").get(pk=writeoff_id)
    if writeoff.requested_by_id == by.pk:
        raise PermissionDenied(
            _("%(number)s: the person who asked for a write-off may not decide it.")
            % {"number": writeoff.number}
        )
    if not writeoff_may_decide(access, writeoff):
        if writeoff.needs_executive:
            raise PermissionDenied(
                _(
                    "%(number)s: %(amount)s yuan is above the write-off threshold; only the executive approves."
                )
                % {"number": writeoff.number, "amount": writeoff.amount}
            )
        raise PermissionDenied(
            _("%(number)s: write-offs are approved by the branch manager or the head-office warehouse.")
            % {"number": writeoff.number}
        )
    to = WS.APPROVED if approve else WS.REJECTED
    transition(
        writeoff,
        table=WRITEOFF_TRANSITIONS,
        to=to,
        by=by,
        reason=note,
        data={"amount": str(writeoff.amount), "quantity": writeoff.quantity},
    )
    writeoff.decided_by = by
    writeoff.decided_at = timezone.now()
    writeoff.decision_note = note[:300]
    if approve:
        bin = Bin.objects.get(pk=writeoff.bin_id) if writeoff.bin_id else None
        taken = _take(level=level, part=writeoff.part, quantity=writeoff.quantity, bin=bin)
        result = _moves_out(
            kind=MK.WRITEOFF,
            taken=taken,
            part=writeoff.part,
            warehouse=warehouse,
            by=writeoff.requested_by,
            reason=writeoff.reason,
            reference=writeoff.number,
            approved_by=by,
        )
        writeoff.amount = result.cost
    writeoff.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "amount"])
    return writeoff


# --- loans from finished goods ---------------------------------------------------------------------


@transaction.atomic
def stock_loan_out(
    *,
    part_id: int,
    warehouse_id: int,
    quantity: int,
    borrower: str,
    reason: str,
    order_id: int | None = None,
    due_on: datetime.date | None = None,
    access: Access,
    by: User,
) -> StockLoan:
    """Lend finished goods (成品借用) when a part cannot be made in time; the loan register entry."""
    _positive(quantity)
    warehouse = _warehouse(warehouse_id, access)
    if warehouse.kind != Warehouse.Kind.FINISHED_GOODS:
        raise InvalidInput(
            _("warehouse: loans are lent from a finished-goods warehouse, not %(warehouse)s.")
            % {"warehouse": warehouse.code},
            fields={"warehouse": [_("a finished-goods warehouse")]},
        )
    part = _part(part_id)
    order = _order(order_id, warehouse) if order_id is not None else None
    if not borrower.strip():
        raise InvalidInput(_("borrower: who borrows the goods."), fields={"borrower": [_("required")]})
    reason = _reason(reason, required=True)
    level = stock_levels_lock([(part.pk, warehouse.pk)])[(part.pk, warehouse.pk)]
    taken = _take(level=level, part=part, quantity=quantity)
    number = number_next(kind="stock_loan", branch=warehouse.branch)
    result = _moves_out(
        kind=MK.LOAN_OUT,
        taken=taken,
        part=part,
        warehouse=warehouse,
        by=by,
        order=order,
        reason=reason,
        reference=number,
    )
    loan = StockLoan.objects.create(
        number=number,
        branch_id=warehouse.branch_id,
        part=part,
        warehouse=warehouse,
        quantity=quantity,
        unit_cost=(result.cost / quantity).quantize(Decimal("0.01")),
        borrower=borrower.strip()[:150],
        order=order,
        reason=reason,
        due_on=due_on,
        lent_by=by,
    )
    event_record(
        kind="stock_loan_out",
        subject=loan,
        actor=by,
        to_value=LS.OUT,
        reason=reason,
        data={
            "part": part.code,
            "quantity": quantity,
            "borrower": loan.borrower,
            "bins": [line.bin_code for line in result.pick],
        },
    )
    return loan


@transaction.atomic
def stock_loan_return(
    *, loan_id: int, qa_passed: bool, qa_note: str = "", bin_id: int | None = None, access: Access, by: User
) -> StockLoan:
    """The borrowed goods come back. QA passed: back into stock (a lot at the loan's cost).
    QA failed (reason required): recorded, not restocked — a write-off or repair follows."""
    row = StockLoan.objects.filter(pk=loan_id).values_list("part_id", "warehouse_id").first()
    if row is None:
        raise NotFound()
    warehouse = _warehouse(row[1], access)
    level = stock_levels_lock([row])[row]
    loan = StockLoan.objects.select_for_update().select_related("part").get(pk=loan_id)
    to = LS.RETURNED if qa_passed else LS.FAILED_QA
    transition(loan, table=LOAN_TRANSITIONS, to=to, by=by, reason=qa_note, data={"quantity": loan.quantity})
    loan.returned_by = by
    loan.returned_at = timezone.now()
    loan.qa_note = qa_note[:300]
    if qa_passed:
        bin = warehouse_bin(warehouse=warehouse, bin_id=bin_id)
        out = StockMove.objects.filter(reference=loan.number, kind=MK.LOAN_OUT).order_by("pk").first()
        source = out.lot if out else None
        lot = _put(
            level=level,
            bin=bin,
            quantity=loan.quantity,
            received_at=source.received_at if source else loan.lent_at,
            unit_cost=loan.unit_cost,
            origin=source,
            touch_received=False,
        )
        StockMove.objects.create(
            kind=MK.LOAN_RETURN,
            branch_id=warehouse.branch_id,
            part=loan.part,
            warehouse=warehouse,
            bin=bin,
            lot=lot,
            quantity=loan.quantity,
            unit_cost=loan.unit_cost,
            order=loan.order,
            reason=qa_note[:300],
            reference=loan.number,
            related=out,
            by=by,
        )
    loan.save(update_fields=["state", "returned_by", "returned_at", "qa_note"])
    return loan
