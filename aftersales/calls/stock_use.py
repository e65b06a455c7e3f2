"""The parts of an on-site report drawn from stock: reserved when the report is saved, issued when
the work is done, released when the order is not fixed, returned when a part was not used.

Where they come from: the assigned technician's van (a warehouse of kind "van" for him). A branch
that keeps no stock at all (no active warehouse) records parts on the report only, as before the
stock capability; a branch with warehouses but a technician without a van, or a van without the
part, is refused with the part, the quantity and what the van holds: the warehouse keeper
transfers the part to the van first. The move is made on the technician's behalf (his van, his
access), whoever saves the report (the technician or his supervisor), and recorded with who did it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from aftersales.access.policy import Access, access_for
from aftersales.calls.models import ServiceOrder
from aftersales.common.errors import InvalidInput
from aftersales.org.models import User

if TYPE_CHECKING:
    from aftersales.stock.models import Reservation, Warehouse


def _van(order: ServiceOrder) -> Warehouse | None:
    from aftersales.stock.models import Warehouse

    return (
        Warehouse.objects.filter(
            kind=Warehouse.Kind.VAN, technician_id=order.technician_id, branch_id=order.branch_id, active=True
        )
        .order_by("pk")
        .first()
    )


def van_available(order: ServiceOrder) -> dict[int, int] | None:
    """Part id → available quantity in the assigned technician's van (None: no van)."""
    from aftersales.stock.models import StockLevel

    if order.technician_id is None:
        return None
    van = _van(order)
    if van is None:
        return None
    levels = StockLevel.objects.filter(warehouse=van).values_list("part_id", "on_hand", "reserved")
    return {part_id: on_hand - reserved for part_id, on_hand, reserved in levels}


def _branch_keeps_stock(order: ServiceOrder) -> bool:
    from aftersales.stock.models import Warehouse

    return Warehouse.objects.filter(branch_id=order.branch_id, active=True).exists()


def _live(order: ServiceOrder) -> list[Reservation]:
    from aftersales.stock.models import Reservation

    return list(Reservation.objects.filter(order=order, state=Reservation.State.RESERVED).order_by("pk"))


def _technician_access(order: ServiceOrder) -> tuple[User, Access]:
    assert order.technician_id is not None
    technician = User.objects.get(pk=order.technician_id)
    return technician, access_for(technician)


def order_parts_reserve(*, order: ServiceOrder, parts: Iterable[tuple[int, int]], by: User) -> None:
    """Make the order's reservations match the report's parts ``(part_id, quantity)``. Runs inside
    the report's transaction (the order row is locked): a refusal saves nothing."""
    from aftersales.stock.services import reservation_create, reservation_release

    wanted = Counter[int]()
    for part_id, quantity in parts:
        wanted[part_id] += quantity
    live = _live(order)
    if not wanted and not live:
        return
    if order.technician_id is None or not _branch_keeps_stock(order):
        return
    _tech, access = _technician_access(order)
    held = Counter[int]()
    for r in live:
        held[r.part_id] += r.quantity
    if held == wanted:
        return
    for r in live:  # simplest correct sync: give back what is held, then hold what is wanted
        reservation_release(reservation_id=r.pk, reason=_("the report's parts changed"), access=access, by=by)
    if not wanted:
        return
    van = _van(order)
    if van is None:
        raise InvalidInput(
            _("parts: the technician has no van stock in this branch; the warehouse keeper must set one up."),
            fields={"parts": [_("a van warehouse for the technician is needed")]},
        )
    for part_id, quantity in sorted(wanted.items()):
        reservation_create(
            order_id=order.pk, part_id=part_id, warehouse_id=van.pk, quantity=quantity, access=access, by=by
        )


def order_parts_consume(*, order: ServiceOrder, by: User) -> None:
    """Work done: the reserved parts are issued to the order (FIFO from the van's lots)."""
    from aftersales.stock.services import reservation_consume

    live = _live(order)
    if not live:
        return
    _tech, access = _technician_access(order)
    for r in live:
        reservation_consume(reservation_id=r.pk, access=access, by=by)


def order_parts_release(*, order: ServiceOrder, by: User, reason: str) -> None:
    """Not fixed (new appointment or take-back): the parts go back to the van's available stock."""
    from aftersales.stock.services import reservation_release

    live = _live(order)
    if not live:
        return
    _tech, access = _technician_access(order)
    for r in live:
        reservation_release(reservation_id=r.pk, reason=reason, access=access, by=by)
