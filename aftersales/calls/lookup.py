"""Read-only helpers of the intake screen: the look-up box and the chosen customer or unit.

Scoped to the branches where the person may register calls (``calls.register``): an agent in
Hangzhou never finds a Shanghai unit, even by its exact serial number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from aftersales.access.policy import ALL, Access
from aftersales.calls.models import OPEN_ORDER_STATES, ServiceOrder
from aftersales.calls.services import register_branches
from aftersales.customers.models import Customer
from aftersales.installed.models import Unit
from aftersales.installed.services import warranty_status


@dataclass(frozen=True)
class UnitHit:
    unit: Unit
    warranty: str  # "in", "out" or "contract" (a contract in force on the day)
    open_order: ServiceOrder | None


@dataclass(frozen=True)
class Selection:
    customer: Customer
    unit: UnitHit | None


def _branch_filter(access: Access, field: str = "branch_id") -> Q | None:
    """``None`` when every branch is allowed; an empty match when none is."""
    branches = register_branches(access)
    if branches == ALL:
        return None
    return Q(**{f"{field}__in": sorted(branches)})


def _scoped_units(access: Access) -> QuerySet[Unit]:
    qs = Unit.objects.select_related("product_model", "customer", "customer__zone", "site", "contract")
    condition = _branch_filter(access)
    return qs if condition is None else qs.filter(condition)


def _scoped_customers(access: Access) -> QuerySet[Customer]:
    qs = Customer.objects.select_related("branch", "zone").filter(active=True)
    condition = _branch_filter(access)
    return qs if condition is None else qs.filter(condition)


def warranty_of(unit: Unit, day: dt.date) -> str:
    status = warranty_status(unit, day)
    if status.contract is not None:
        return "contract"
    return "in" if status.in_warranty else "out"


def _open_orders(unit_ids: list[int]) -> dict[int, ServiceOrder]:
    orders: dict[int, ServiceOrder] = {}
    for order in ServiceOrder.objects.filter(unit_id__in=unit_ids, state__in=OPEN_ORDER_STATES).order_by(
        "-pk"
    ):
        assert order.unit_id is not None
        orders[order.unit_id] = order  # the oldest open order wins, as call_register links to it
    return orders


def _hits(units: list[Unit], day: dt.date) -> list[UnitHit]:
    orders = _open_orders([u.pk for u in units])
    return [UnitHit(unit=u, warranty=warranty_of(u, day), open_order=orders.get(u.pk)) for u in units]


def intake_lookup(
    *, access: Access, q: str, day: dt.date, limit: int = 10
) -> tuple[list[UnitHit], list[Customer]]:
    """Units matching a phone number, serial number or customer name, and matching customers
    that have no unit (a call about something not in the installed base)."""
    term = q.strip()
    if len(term) < 2 or not access.can("calls.register"):
        return [], []
    units = list(
        _scoped_units(access)
        .filter(
            Q(serial__icontains=term)
            | Q(customer__name__icontains=term)
            | Q(customer__phone__contains=term)
            | Q(customer__contact_name__icontains=term)
        )
        .filter(customer__active=True)
        .order_by("-pk")[:limit]
    )
    customers = list(
        _scoped_customers(access)
        .filter(
            Q(name__icontains=term)
            | Q(number__icontains=term)
            | Q(phone__contains=term)
            | Q(contact_name__icontains=term)
        )
        .filter(~Exists(Unit.objects.filter(customer=OuterRef("pk"))))
        .order_by("-pk")[:limit]
    )
    return _hits(units, day), customers


def intake_selection(
    *, access: Access, customer_id: int | None, unit_id: int | None, day: dt.date
) -> Selection | None:
    """The customer (and unit) chosen on the intake screen, if the person may register for it."""
    if unit_id is not None:
        unit = _scoped_units(access).filter(pk=unit_id).first()
        if unit is None or (customer_id is not None and unit.customer_id != customer_id):
            return None
        customer = _scoped_customers(access).filter(pk=unit.customer_id).first()
        if customer is None:
            return None
        return Selection(customer=customer, unit=_hits([unit], day)[0])
    if customer_id is not None:
        found = _scoped_customers(access).filter(pk=customer_id).first()
        return Selection(customer=found, unit=None) if found is not None else None
    return None
