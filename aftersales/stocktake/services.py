"""Stocktake (盘点) workflow: plan, start (snapshot), count, submit, approve / reject, post, cancel.

Rules (docs/stocktake.md):

* **Who.** Planning, starting, counting and submitting need ``stock.move`` on the warehouse (the
  keeper; a technician his own van). Approving and rejecting are the warehouse supervisor's
  (:func:`stocktake_may_approve`: ``stock.approve`` as the stock app grants it for write-offs) and
  never someone who counted or submitted the stocktake (four-eyes). Posting: the keeper or the approver.
* **Moves during a count.** The snapshot records every (part, bin) quantity and the ledger position
  (the last :class:`StockMove` id) with the levels locked. A count locks the part's level and reads
  the ledger position again: expected = snapshot + the moves of that part in that bin in between;
  difference = counted − expected. Posting applies the differences to the stock as it is then.
* **Lock order** as in :mod:`aftersales.stock.services`: levels (``stock_levels_lock``), then lots
  (``received_at``, ``pk``), then the stocktake row.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.catalog.models import Part
from aftersales.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from aftersales.common.numbering import number_next
from aftersales.common.transitions import Step, TransitionTable, transition
from aftersales.org.models import User
from aftersales.org.roles import Role
from aftersales.stock.models import Bin, StockLot, StockMove, Warehouse
from aftersales.stock.services import may_move, may_view, stock_levels_lock
from aftersales.stocktake.adjust import adjustment_post
from aftersales.stocktake.models import Stocktake, StocktakeLine

S = Stocktake.State

TRANSITIONS: TransitionTable = {
    (S.DRAFT, S.COUNTING): Step(label="start counting", event_kind="stocktake_started"),
    (S.COUNTING, S.REVIEW): Step(label="submit for review", event_kind="stocktake_submitted"),
    (S.REVIEW, S.APPROVED): Step(label="approve the differences", event_kind="stocktake_approved"),
    (S.REVIEW, S.COUNTING): Step(
        label="send back for a recount", event_kind="stocktake_rejected", needs_reason=True
    ),
    (S.APPROVED, S.POSTED): Step(label="post the adjustments", event_kind="stocktake_posted"),
    (S.DRAFT, S.CANCELLED): Step(label="cancel", event_kind="stocktake_cancelled", needs_reason=True),
    (S.COUNTING, S.CANCELLED): Step(label="cancel", event_kind="stocktake_cancelled", needs_reason=True),
    (S.REVIEW, S.CANCELLED): Step(label="cancel", event_kind="stocktake_cancelled", needs_reason=True),
    (S.APPROVED, S.CANCELLED): Step(label="cancel", event_kind="stocktake_cancelled", needs_reason=True),
}
OPEN_STATES = (S.DRAFT, S.COUNTING, S.REVIEW, S.APPROVED)


# --- permissions and lookups -------------------------------------------------------------------


def stocktake_may_approve(access: Access, stocktake: Stocktake) -> bool:
    """The warehouse supervisor of policies.md, as the stock app grants ``stock.approve``
    (:func:`aftersales.stock.services.writeoff_may_decide`): the branch's manager, an admin or the
    executive of the branch or head office; warehouse keepers only when granted at head office."""
    if access.is_superuser:
        return True
    head = access.head_office_id
    for role, branch_id in access.grants:
        if role == Role.WAREHOUSE:
            if branch_id == head:
                return True
        elif role in (Role.ADMIN, Role.MANAGER, Role.EXECUTIVE) and branch_id in (stocktake.branch_id, head):
            return True
    return False


def _warehouse(warehouse_id: int, access: Access) -> Warehouse:
    warehouse = Warehouse.objects.select_related("branch").filter(pk=warehouse_id).first()
    if warehouse is None or not may_view(access, warehouse):
        raise NotFound(_("warehouse: no such warehouse."), fields={"warehouse": [_("not found")]})
    if not may_move(access, warehouse):
        raise PermissionDenied(_("You may not count stock in %(warehouse)s.") % {"warehouse": warehouse})
    if not warehouse.active:
        raise InvalidInput(
            _("warehouse: %(warehouse)s is closed.") % {"warehouse": warehouse},
            fields={"warehouse": [_("choose an active warehouse")]},
        )
    return warehouse


def _visible(stocktake_id: int, access: Access) -> Stocktake:
    stocktake = Stocktake.objects.select_related("warehouse", "branch").filter(pk=stocktake_id).first()
    if stocktake is None or not may_view(access, stocktake.warehouse):
        raise NotFound()
    return stocktake


def _locked(stocktake_id: int) -> Stocktake:
    return Stocktake.objects.select_for_update().select_related("warehouse", "branch").get(pk=stocktake_id)


def _ledger_position() -> int:
    return StockMove.objects.aggregate(n=Max("id"))["n"] or 0


def _bins_in_scope(stocktake: Stocktake) -> list[Bin]:
    bins = Bin.objects.filter(warehouse_id=stocktake.warehouse_id)
    if stocktake.bin_id is not None:
        bins = bins.filter(pk=stocktake.bin_id)
    elif stocktake.zone:
        bins = bins.filter(zone=stocktake.zone)
    return list(bins.order_by("code"))


def _event(kind: str, stocktake: Stocktake, by: User, **data: Any) -> None:
    event_record(kind=kind, subject=stocktake, actor=by, to_value=stocktake.state, data=data)


# --- plan and start ------------------------------------------------------------------------------


@transaction.atomic
def stocktake_plan(
    *,
    warehouse_id: int,
    planned_for: datetime.date | None = None,
    zone: str = "",
    bin_id: int | None = None,
    note: str = "",
    access: Access,
    by: User,
) -> Stocktake:
    """Plan a count of a warehouse, or of one zone or bin of it (state: planned)."""
    warehouse = _warehouse(warehouse_id, access)
    zone = (zone or "").strip()
    bin = None
    if bin_id is not None:
        bin = Bin.objects.filter(pk=bin_id, warehouse=warehouse).first()
        if bin is None:
            allowed = (
                ", ".join(Bin.objects.filter(warehouse=warehouse).values_list("code", flat=True)[:20]) or "—"
            )
            raise InvalidInput(
                _("bin: not a bin of %(warehouse)s; allowed: %(allowed)s")
                % {"warehouse": warehouse.code, "allowed": allowed},
                fields={"bin": [_("a bin of the warehouse")]},
            )
        zone = ""
    elif zone and not Bin.objects.filter(warehouse=warehouse, zone=zone).exists():
        zones = sorted(set(Bin.objects.filter(warehouse=warehouse).values_list("zone", flat=True)))
        raise InvalidInput(
            _("zone: %(warehouse)s has no zone %(zone)s; allowed: %(allowed)s")
            % {"warehouse": warehouse.code, "zone": zone, "allowed": ", ".join(zones) or "—"},
            fields={"zone": [_("a zone of the warehouse, or empty for all")]},
        )
    today = timezone.localdate(timezone.now(), warehouse.branch.tzinfo)
    stocktake = Stocktake.objects.create(
        number=number_next(kind="stocktake", branch=warehouse.branch),
        branch_id=warehouse.branch_id,
        warehouse=warehouse,
        zone=zone,
        bin=bin,
        planned_for=planned_for or today,
        note=note.strip()[:300],
        created_by=by,
    )
    _event(
        "stocktake_planned", stocktake, by, warehouse=warehouse.code, zone=zone, bin=bin.code if bin else ""
    )
    return stocktake


@transaction.atomic
def stocktake_start(*, stocktake_id: int, access: Access, by: User) -> Stocktake:
    """Take the snapshot and open the count: one line per part and bin with a lot in scope.

    The levels of every part in the warehouse are locked while the snapshot is read, so no move is
    half in it; the ledger position recorded with it is where "moves during the count" begin.
    """
    stocktake = _visible(stocktake_id, access)
    _warehouse(stocktake.warehouse_id, access)
    bins = _bins_in_scope(stocktake)
    lots = StockLot.objects.filter(warehouse_id=stocktake.warehouse_id, bin__in=bins, on_hand__gt=0)
    part_ids = set(lots.values_list("part_id", flat=True))
    stock_levels_lock([(part_id, stocktake.warehouse_id) for part_id in part_ids])
    stocktake = _locked(stocktake_id)
    transition(
        stocktake, table=TRANSITIONS, to=S.COUNTING, by=by, data={"warehouse": stocktake.warehouse.code}
    )
    quantities: dict[tuple[int, int], int] = defaultdict(int)
    for part_id, bin_id, on_hand in lots.values_list("part_id", "bin_id", "on_hand"):
        quantities[(part_id, bin_id)] += on_hand
    stocktake.snapshot_move_id = _ledger_position()
    stocktake.started_at = timezone.now()
    stocktake.started_by = by
    StocktakeLine.objects.bulk_create(
        [
            StocktakeLine(
                stocktake=stocktake,
                branch_id=stocktake.branch_id,
                part_id=part_id,
                bin_id=bin_id,
                snapshot_quantity=n,
            )
            for (part_id, bin_id), n in sorted(quantities.items())
        ]
    )
    stocktake.save(update_fields=["state", "snapshot_move_id", "started_at", "started_by", "updated_at"])
    return stocktake


def _moves_between(*, part_id: int, warehouse_id: int, bin_id: int, after: int, upto: int) -> int:
    total = StockMove.objects.filter(
        part_id=part_id, warehouse_id=warehouse_id, bin_id=bin_id, id__gt=after, id__lte=upto
    ).aggregate(n=Sum("quantity"))["n"]
    return int(total or 0)


@transaction.atomic
def stocktake_line_add(
    *, stocktake_id: int, part_id: int, bin_id: int, access: Access, by: User
) -> StocktakeLine:
    """A part found in a bin where the snapshot had none: a line whose snapshot is what the bin held
    at the snapshot (usually 0)."""
    stocktake = _visible(stocktake_id, access)
    warehouse = _warehouse(stocktake.warehouse_id, access)
    part = Part.objects.filter(pk=part_id).first()
    if part is None:
        raise InvalidInput(_("part: no such part."), fields={"part": [_("not found")]})
    bins = {b.pk: b for b in _bins_in_scope(stocktake)}
    if bin_id not in bins:
        allowed = ", ".join(b.code for b in bins.values()) or "—"
        raise InvalidInput(
            _("bin: not in this stocktake; allowed: %(allowed)s") % {"allowed": allowed},
            fields={"bin": [_("a bin in the stocktake's scope")]},
        )
    stock_levels_lock([(part.pk, warehouse.pk)])
    stocktake = _locked(stocktake_id)
    if stocktake.state != S.COUNTING:
        raise InvalidInput(
            _("state: lines are added while counting, not when %(state)s.")
            % {"state": stocktake.get_state_display()},
            fields={"state": [str(S.COUNTING.label)]},
        )
    existing = StocktakeLine.objects.filter(stocktake=stocktake, part=part, bin_id=bin_id).first()
    if existing is not None:
        return existing
    now_in_bin = StockLot.objects.filter(part=part, warehouse=warehouse, bin_id=bin_id).aggregate(
        n=Sum("on_hand")
    )["n"]
    since = _moves_between(
        part_id=part.pk,
        warehouse_id=warehouse.pk,
        bin_id=bin_id,
        after=stocktake.snapshot_move_id or 0,
        upto=_ledger_position(),
    )
    line = StocktakeLine.objects.create(
        stocktake=stocktake,
        branch_id=stocktake.branch_id,
        part=part,
        bin_id=bin_id,
        snapshot_quantity=max(int(now_in_bin or 0) - since, 0),
        added=True,
    )
    _event("stocktake_counted", stocktake, by, part=part.code, bin=bins[bin_id].code, added=True)
    return line


# --- count ----------------------------------------------------------------------------------------


def _whole(value: Any, name: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = -1
    if number < 0 or str(value).strip() in ("", "-0"):
        raise InvalidInput(
            _("%(field)s: a whole number, 0 or more, not “%(value)s”.") % {"field": name, "value": value},
            fields={name: [_("a whole number, 0 or more")]},
        )
    return number


@transaction.atomic
def stocktake_count(*, line_id: int, counted: Any, note: str = "", access: Access, by: User) -> StocktakeLine:
    """Enter (or correct) the count of one line, while counting. The moves of the part in the bin
    since the snapshot are added to the snapshot to give the expected quantity at this moment."""
    counted = _whole(counted, "counted")
    row = (
        StocktakeLine.objects.filter(pk=line_id)
        .values_list("stocktake_id", "part_id", "stocktake__warehouse_id")
        .first()
    )
    if row is None:
        raise NotFound()
    stocktake_id, part_id, warehouse_id = row
    _visible(stocktake_id, access)
    _warehouse(warehouse_id, access)
    stock_levels_lock([(part_id, warehouse_id)])
    stocktake = _locked(stocktake_id)
    if stocktake.state != S.COUNTING:
        raise InvalidInput(
            _("state: counts are entered while counting, not when %(state)s.")
            % {"state": stocktake.get_state_display()},
            fields={"state": [str(S.COUNTING.label)]},
        )
    line = StocktakeLine.objects.select_for_update().select_related("part", "bin").get(pk=line_id)
    position = _ledger_position()
    moved = _moves_between(
        part_id=part_id,
        warehouse_id=warehouse_id,
        bin_id=line.bin_id,
        after=stocktake.snapshot_move_id or 0,
        upto=position,
    )
    line.counted_quantity = counted
    line.counted_by = by
    line.counted_at = timezone.now()
    line.count_move_id = position
    line.expected_quantity = line.snapshot_quantity + moved
    line.difference = counted - line.expected_quantity
    line.note = (note or "").strip()[:300]
    line.save(
        update_fields=[
            "counted_quantity",
            "counted_by",
            "counted_at",
            "count_move_id",
            "expected_quantity",
            "difference",
            "note",
        ]
    )
    event_record(
        kind="stocktake_counted",
        subject=stocktake,
        actor=by,
        to_value=str(counted),
        data={
            "part": line.part.code,
            "bin": line.bin.code,
            "counted": counted,
            "snapshot": line.snapshot_quantity,
            "moved": moved,
            "expected": line.expected_quantity,
            "difference": line.difference,
        },
    )
    return line


# --- submit, approve, reject -----------------------------------------------------------------------


@transaction.atomic
def stocktake_submit(*, stocktake_id: int, access: Access, by: User) -> Stocktake:
    """Counting finished: every line has a count. Goes to the warehouse supervisor."""
    stocktake = _visible(stocktake_id, access)
    _warehouse(stocktake.warehouse_id, access)
    stocktake = _locked(stocktake_id)
    uncounted = list(
        stocktake.lines.filter(counted_quantity__isnull=True)
        .select_related("part", "bin")
        .order_by("bin__code")[:5]
    )
    if stocktake.state == S.COUNTING and uncounted:
        total = stocktake.lines.filter(counted_quantity__isnull=True).count()
        first = ", ".join(f"{ln.part.code}@{ln.bin.code}" for ln in uncounted)
        message = _(
            "lines: %(n)d not counted yet (%(first)s); enter a count for every line, 0 if the bin is empty."
        ) % {
            "n": total,
            "first": first,
        }
        raise InvalidInput(message, fields={"lines": [message]})
    summary = stocktake_summary(stocktake)
    transition(stocktake, table=TRANSITIONS, to=S.REVIEW, by=by, data=summary)
    stocktake.submitted_at = timezone.now()
    stocktake.submitted_by = by
    stocktake.save(update_fields=["state", "submitted_at", "submitted_by", "updated_at"])
    return stocktake


def _counters(stocktake: Stocktake) -> set[int]:
    return set(stocktake.lines.exclude(counted_by=None).values_list("counted_by_id", flat=True))


def _approver_check(stocktake: Stocktake, access: Access, by: User) -> None:
    if by.pk in _counters(stocktake) or by.pk == stocktake.submitted_by_id:
        raise PermissionDenied(
            _("%(number)s: someone who counted or submitted this stocktake may not approve or reject it.")
            % {"number": stocktake.number}
        )
    if not stocktake_may_approve(access, stocktake):
        raise PermissionDenied(
            _(
                "%(number)s: stocktake differences are approved by the warehouse supervisor (branch manager or "
                "head-office warehouse)."
            )
            % {"number": stocktake.number}
        )


@transaction.atomic
def stocktake_approve(*, stocktake_id: int, note: str = "", access: Access, by: User) -> Stocktake:
    """The warehouse supervisor accepts the differences (four-eyes: not a counter, not the submitter)."""
    _visible(stocktake_id, access)
    stocktake = _locked(stocktake_id)
    _approver_check(stocktake, access, by)
    transition(
        stocktake, table=TRANSITIONS, to=S.APPROVED, by=by, reason=note, data=stocktake_summary(stocktake)
    )
    stocktake.approved_at = timezone.now()
    stocktake.approved_by = by
    stocktake.save(update_fields=["state", "approved_at", "approved_by", "updated_at"])
    return stocktake


@transaction.atomic
def stocktake_reject(*, stocktake_id: int, reason: str, access: Access, by: User) -> Stocktake:
    """Back to counting for a recount (reason required); the counts stay and may be corrected."""
    _visible(stocktake_id, access)
    stocktake = _locked(stocktake_id)
    _approver_check(stocktake, access, by)
    transition(stocktake, table=TRANSITIONS, to=S.COUNTING, by=by, reason=(reason or "").strip()[:300])
    stocktake.submitted_at = None
    stocktake.submitted_by = None
    stocktake.save(update_fields=["state", "submitted_at", "submitted_by", "updated_at"])
    return stocktake


@transaction.atomic
def stocktake_cancel(*, stocktake_id: int, reason: str, access: Access, by: User) -> Stocktake:
    """Cancel a stocktake that is not posted (reason required). Nothing is adjusted."""
    stocktake = _visible(stocktake_id, access)
    if not (may_move(access, stocktake.warehouse) or stocktake_may_approve(access, stocktake)):
        raise PermissionDenied()
    stocktake = _locked(stocktake_id)
    transition(stocktake, table=TRANSITIONS, to=S.CANCELLED, by=by, reason=(reason or "").strip()[:300])
    stocktake.save(update_fields=["state", "updated_at"])
    return stocktake


# --- post ---------------------------------------------------------------------------------------------


@transaction.atomic
def stocktake_post(*, stocktake_id: int, access: Access, by: User) -> Stocktake:
    """Apply each approved difference to the stock as it is now, as a stocktake-adjustment move.

    Idempotent: a stocktake already posted is returned as it is. A shortage takes from the lots of
    that bin, oldest first; if moves emptied the bin meanwhile, the whole posting is refused, naming
    the part, the bin, the quantity and what is there. A surplus becomes a new lot at the part's cost.
    """
    stocktake = _visible(stocktake_id, access)
    if not (may_move(access, stocktake.warehouse) or stocktake_may_approve(access, stocktake)):
        raise PermissionDenied(
            _("You may not post stock in %(warehouse)s.") % {"warehouse": stocktake.warehouse}
        )
    lines = list(
        StocktakeLine.objects.filter(stocktake_id=stocktake_id)
        .exclude(difference=0)
        .exclude(difference=None)
        .select_related("part", "bin")
        .order_by("part_id", "bin__code", "pk")
    )
    levels = stock_levels_lock([(line.part_id, stocktake.warehouse_id) for line in lines])
    stocktake = _locked(stocktake_id)
    if stocktake.state == S.POSTED:
        return stocktake
    # Read again under the lock: the lines read before it may be from before a recount.
    lines = list(
        StocktakeLine.objects.filter(stocktake_id=stocktake_id)
        .exclude(difference=0)
        .exclude(difference=None)
        .select_related("part", "bin")
        .order_by("part_id", "bin__code", "pk")
    )
    if any((line.part_id, stocktake.warehouse_id) not in levels for line in lines):
        raise Conflict()
    transition(
        stocktake,
        table=TRANSITIONS,
        to=S.POSTED,
        by=by,
        data={"adjustments": len(lines), "net": sum(line.difference or 0 for line in lines)},
    )
    approver = stocktake.approved_by
    for line in lines:
        assert line.difference is not None
        level = levels[(line.part_id, stocktake.warehouse_id)]
        result = adjustment_post(
            level=level,
            part=line.part,
            warehouse=stocktake.warehouse,
            bin=line.bin,
            quantity=line.difference,
            reference=stocktake.number,
            reason=line.note or _("stocktake %(number)s") % {"number": stocktake.number},
            by=by,
            approved_by=approver,
        )
        event_record(
            kind="stocktake_adjusted",
            subject=stocktake,
            actor=by,
            to_value=f"{line.difference:+d}",
            data={
                "part": line.part.code,
                "bin": line.bin.code,
                "quantity": line.difference,
                "moves": [m.pk for m in result],
                "amount": str(sum((m.unit_cost * m.quantity for m in result), Decimal("0.00"))),
            },
        )
    stocktake.posted_at = timezone.now()
    stocktake.posted_by = by
    stocktake.save(update_fields=["state", "posted_at", "posted_by", "updated_at"])
    return stocktake


def stocktake_summary(stocktake: Stocktake) -> dict[str, int]:
    rows = stocktake.lines.values_list("counted_quantity", "difference")
    summary = {"lines": 0, "counted": 0, "shortages": 0, "surpluses": 0, "net": 0}
    for counted, difference in rows:
        summary["lines"] += 1
        if counted is not None:
            summary["counted"] += 1
        if difference:
            summary["shortages" if difference < 0 else "surpluses"] += 1
            summary["net"] += difference
    return summary
