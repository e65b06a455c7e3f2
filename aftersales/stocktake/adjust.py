"""Posting a stocktake adjustment into one bin: the primitive the stock app does not expose yet.

Same discipline as :mod:`aftersales.stock.services`: the caller holds the part's :class:`StockLevel`
lock (``stock_levels_lock``); lots are locked ``received_at``, ``pk``; quantities change with
``F()``; every change is one signed :class:`StockMove` (kind ``adjustment``); the CHECK constraints
are never relied on to refuse — a shortage that the bin cannot give is refused with a message.
To move into ``stock.services`` as ``stock_adjust(level=, part=, bin=, quantity=, …)`` later.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.catalog.models import Part
from aftersales.common.errors import InvalidInput
from aftersales.org.models import User
from aftersales.stock.models import Bin, StockLevel, StockLot, StockMove, Warehouse

MK = StockMove.Kind


def surplus_unit_cost(*, part: Part, warehouse_id: int) -> Decimal:
    """The part's cost; when the catalogue has none, the cost of its newest lot in the warehouse."""
    if part.cost:
        return Decimal(part.cost)
    last = (
        StockLot.objects.filter(part=part, warehouse_id=warehouse_id)
        .order_by("-received_at", "-pk")
        .values_list("unit_cost", flat=True)
        .first()
    )
    return Decimal(last or 0)


def adjustment_post(
    *,
    level: StockLevel,
    part: Part,
    warehouse: Warehouse,
    bin: Bin,
    quantity: int,
    reference: str,
    reason: str,
    by: User,
    approved_by: User | None,
) -> list[StockMove]:
    """Apply a signed ``quantity`` to ``part`` in ``bin``. ``level`` must be locked by the caller."""
    now = timezone.now()
    if quantity == 0:
        return []
    if quantity > 0:
        cost = surplus_unit_cost(part=part, warehouse_id=warehouse.pk)
        lot = StockLot.objects.create(
            branch_id=warehouse.branch_id,
            part=part,
            warehouse=warehouse,
            bin=bin,
            received_at=now,
            unit_cost=cost,
            quantity_received=quantity,
            on_hand=quantity,
        )
        StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
        level.on_hand += quantity
        move = StockMove.objects.create(
            kind=MK.ADJUSTMENT,
            branch_id=warehouse.branch_id,
            part=part,
            warehouse=warehouse,
            bin=bin,
            lot=lot,
            quantity=quantity,
            unit_cost=cost,
            reason=reason[:300],
            reference=reference[:60],
            by=by,
            at=now,
            approved_by=approved_by,
        )
        return [move]

    need = -quantity
    lots = list(
        StockLot.objects.select_for_update()
        .filter(part=part, warehouse=warehouse, bin=bin, on_hand__gt=0)
        .order_by("received_at", "pk")
    )
    in_bin = sum(lot.on_hand for lot in lots)
    if need > in_bin:
        elsewhere = (
            StockLot.objects.filter(part=part, warehouse=warehouse, on_hand__gt=0)
            .exclude(bin=bin)
            .aggregate(n=Sum("on_hand"))["n"]
            or 0
        )
        message = _(
            "%(part)s in bin %(bin)s: the stocktake takes off %(quantity)d but the bin now holds %(there)d "
            "(%(elsewhere)d in other bins of %(warehouse)s); stock moved since the count — recount this bin."
        ) % {
            "part": f"{part.code} {part.name}",
            "bin": bin.code,
            "quantity": need,
            "there": in_bin,
            "elsewhere": elsewhere,
            "warehouse": warehouse.code,
        }
        raise InvalidInput(message, fields={"lines": [message]}, code="stocktake_bin_short")
    if level.on_hand - need < level.reserved:
        message = _(
            "%(part)s in bin %(bin)s: the stocktake takes off %(quantity)d but %(reserved)d of the %(on_hand)d "
            "in %(warehouse)s are reserved for orders; release a reservation first."
        ) % {
            "part": f"{part.code} {part.name}",
            "bin": bin.code,
            "quantity": need,
            "reserved": level.reserved,
            "on_hand": level.on_hand,
            "warehouse": warehouse.code,
        }
        raise InvalidInput(message, fields={"lines": [message]}, code="stocktake_reserved")
    moves: list[StockMove] = []
    left = need
    for lot in lots:
        if left == 0:
            break
        n = min(lot.on_hand, left)
        StockLot.objects.filter(pk=lot.pk).update(on_hand=F("on_hand") - n)
        lot.on_hand -= n
        left -= n
        moves.append(
            StockMove(
                kind=MK.ADJUSTMENT,
                branch_id=warehouse.branch_id,
                part=part,
                warehouse=warehouse,
                bin=bin,
                lot=lot,
                quantity=-n,
                unit_cost=lot.unit_cost,
                reason=reason[:300],
                reference=reference[:60],
                by=by,
                at=now,
                approved_by=approved_by,
            )
        )
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") - need)
    level.on_hand -= need
    return list(StockMove.objects.bulk_create(moves))
