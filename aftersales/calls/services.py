"""Registering a service call: look-up fills the rest, warranty and service type from the unit and
contract, duplicates linked to the open order (S11), repeat repairs flagged (S10), clocks started.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import ALL, Access
from aftersales.audit.services import event_record
from aftersales.calls.models import (
    OPEN_ORDER_STATES,
    VISIT_CATEGORIES,
    Category,
    Channel,
    ServiceCall,
    ServiceOrder,
    ServiceType,
    Urgency,
    WarrantyState,
)
from aftersales.catalog.models import FaultCategory
from aftersales.common.errors import InvalidInput, PermissionDenied
from aftersales.common.numbering import number_next
from aftersales.customers.models import Customer
from aftersales.installed.models import Unit
from aftersales.installed.services import warranty_status
from aftersales.org.models import User, Zone
from aftersales.rules.services import rule_int
from aftersales.sla.services import clock_start

# Channels where the customer is not answered in the same conversation: the 24-hour reply clock runs.
WRITTEN_CHANNELS = frozenset({Channel.LETTER, Channel.EMAIL, Channel.PORTAL, Channel.DEALER})


def register_branches(access: Access) -> Literal["all"] | frozenset[int]:
    """Branches where the person may register calls: agents and supervisors for their branches,
    technicians for their own branch too (a fault found on site), head office for all."""
    full = access.branches_for("calls.register")
    if full == ALL:
        return ALL
    return full | access.owner_branches_for("calls.register")


def _may_register(access: Access, branch_id: int) -> bool:
    branches = register_branches(access)
    return branches == ALL or branch_id in branches


@dataclass(frozen=True, kw_only=True)
class CallData:
    customer_id: int | None = None
    unit_id: int | None = None
    channel: str = Channel.PHONE
    category: str = Category.REPAIR
    urgency: str = Urgency.NORMAL
    contact_name: str = ""
    phone: str = ""
    address: str = ""
    zone_id: int | None = None
    fault_category_id: int | None = None
    fault_description: str = ""
    human_damage_suspected: bool = False
    service_type: str = ""  # empty: as the unit and contract give it
    service_type_reason: str = ""
    resolved_remotely: bool = False
    resolution_note: str = ""
    received_at: dt.datetime | None = None


@dataclass(frozen=True)
class CallResult:
    call: ServiceCall
    order: ServiceOrder | None
    linked: bool  # True: the unit already had an open order; this call was linked to it (S11)

    @property
    def order_number(self) -> str:
        """What the customer is told: the existing order's number for a duplicate."""
        return self.order.number if self.order is not None else self.call.number


def _choices_error(field: str, allowed: list[str]) -> dict[str, list[str]]:
    return {field: [_("Allowed: %(v)s") % {"v": ", ".join(allowed)}]}


def _validate(
    data: CallData, access: Access
) -> tuple[Customer, Unit | None, Zone | None, FaultCategory | None]:
    errors: dict[str, list[str]] = {}
    unit = None
    if data.unit_id is not None:
        unit = (
            Unit.objects.select_related("customer", "product_model", "contract", "site")
            .filter(pk=data.unit_id)
            .first()
        )
        if unit is None:
            errors["unit_id"] = [_("Unknown unit; look it up by serial number.")]
    customer_id = data.customer_id if data.customer_id is not None else (unit.customer_id if unit else None)
    customer = (
        Customer.objects.select_related("branch", "zone").filter(pk=customer_id, active=True).first()
        if customer_id
        else None
    )
    if customer is None:
        errors.setdefault("customer_id", [_("Choose the customer (look up by phone, serial or name).")])
    elif not _may_register(access, customer.branch_id):
        errors["customer_id"] = [_("This customer belongs to a branch you do not serve.")]
    elif unit is not None and unit.customer_id != customer.pk:
        errors["unit_id"] = [_("This unit belongs to another customer (%(c)s).") % {"c": unit.customer}]
    for field, value, allowed in (
        ("channel", data.channel, Channel.values),
        ("category", data.category, Category.values),
        ("urgency", data.urgency, Urgency.values),
    ):
        if value not in allowed:
            errors.update(_choices_error(field, list(allowed)))
    if data.service_type and data.service_type not in ServiceType.values:
        errors.update(_choices_error("service_type", list(ServiceType.values)))
    zone = None
    if data.zone_id is not None:
        zone = Zone.objects.filter(pk=data.zone_id).first()
        if zone is None or (customer is not None and zone.branch_id != customer.branch_id):
            errors["zone_id"] = [_("Choose a zone of the customer's branch.")]
    fault = None
    if data.fault_category_id is not None:
        fault = FaultCategory.objects.filter(pk=data.fault_category_id, active=True).first()
        if fault is None:
            errors["fault_category_id"] = [_("Unknown fault category.")]
    if (
        data.category in VISIT_CATEGORIES
        and not data.fault_description.strip()
        and data.category == Category.REPAIR
    ):
        errors["fault_description"] = [_("Describe the fault and its symptoms.")]
    if data.resolved_remotely and not data.resolution_note.strip():
        errors["resolution_note"] = [_("Say how the call was resolved by phone.")]
    InvalidInput.check(errors)
    assert customer is not None
    return customer, unit, zone, fault


def _warranty(unit: Unit | None, on: dt.date, damage: bool) -> tuple[str, dt.date | None, str]:
    if unit is None:
        return WarrantyState.UNKNOWN, None, ServiceType.PAID
    status = warranty_status(unit, on)
    if status.in_warranty:
        state = WarrantyState.DAMAGE if damage else WarrantyState.IN
    else:
        state = WarrantyState.OUT
    service_type = status.service_type
    if service_type == ServiceType.FREE and damage:
        service_type = ServiceType.PAID  # parts at cost, no service fee: settled by the charge rules
    return state, status.until, service_type


def _repeat_of(unit: Unit | None, fault: FaultCategory | None, at: dt.datetime) -> ServiceOrder | None:
    """S10: the same unit repaired for the same fault category within the repeat window."""
    if unit is None or fault is None:
        return None
    days, _rule = rule_int("repeat_repair_days", branch_id=unit.branch_id)
    local_day = timezone.localdate(at)
    since = local_day - dt.timedelta(days=days)
    return (
        ServiceOrder.objects.filter(unit=unit, fault_category=fault, completed_at__isnull=False)
        .filter(completed_at__date__gte=since)
        .order_by("-completed_at")
        .first()
    )


def _arrival_code(zone: Zone | None, unit: Unit | None) -> str:
    if unit is not None and unit.product_model.is_system:
        return "arrival_same_day"
    if zone is not None and zone.kind != "urban":
        return "arrival_suburban"
    return "arrival_urban"


@transaction.atomic
def call_register(*, data: CallData, access: Access, by: User) -> CallResult:
    """Register a call. A visit category opens an order unless the unit already has one open."""
    if not access.can("calls.register"):
        raise PermissionDenied()
    customer, unit, zone, fault = _validate(data, access)
    at = data.received_at or timezone.now()
    zone = (
        zone
        or (unit.site.zone if unit is not None and unit.site is not None and unit.site.zone_id else None)
        or customer.zone
    )
    warranty_state, warranty_until, default_type = _warranty(
        unit, timezone.localdate(at), data.human_damage_suspected
    )
    service_type = data.service_type or default_type
    if service_type != default_type and not data.service_type_reason.strip():
        raise InvalidInput(
            _("service_type_reason: the unit and contract give “%(t)s”; say why it is different.")
            % {"t": ServiceType(default_type).label},
            fields={"service_type_reason": [_("Give a reason for the different service type.")]},
        )
    call = ServiceCall(
        number=number_next(kind="call", branch=customer.branch, at=at),
        branch=customer.branch,
        customer=customer,
        unit=unit,
        channel=data.channel,
        category=data.category,
        urgency=data.urgency,
        contact_name=data.contact_name.strip() or customer.contact_name,
        phone=data.phone.strip() or customer.phone,
        address=data.address.strip()
        or (unit.site.address if unit and unit.site and unit.site.address else customer.address),
        zone=zone,
        fault_category=fault,
        fault_description=data.fault_description.strip(),
        warranty_state=warranty_state,
        warranty_until=warranty_until,
        service_type=service_type,
        service_type_reason=data.service_type_reason.strip()[:200],
        received_at=at,
        registered_by=by,
    )
    order: ServiceOrder | None = None
    linked = False
    repeat = _repeat_of(unit, fault, at)
    call.is_repeat = repeat is not None
    if data.resolved_remotely:
        call.state = ServiceCall.State.RESOLVED
        call.resolution_note = data.resolution_note.strip()
    elif data.category in VISIT_CATEGORIES:
        existing = (
            ServiceOrder.objects.select_for_update()
            .filter(unit=unit, state__in=OPEN_ORDER_STATES)
            .order_by("pk")
            .first()
            if unit is not None
            else None
        )
        if existing is not None:
            order, linked = existing, True
            call.state = ServiceCall.State.LINKED
        else:
            order = ServiceOrder.objects.create(
                number=number_next(kind="order", branch=customer.branch, at=at),
                branch=customer.branch,
                customer=customer,
                unit=unit,
                zone=zone,
                address=call.address,
                category=data.category,
                urgency=data.urgency,
                service_type=service_type,
                fault_category=fault,
                fault_description=call.fault_description,
                repeat_of=repeat,
                opened_at=at,
            )
            call.state = ServiceCall.State.ORDERED
    call.order = order
    call.save()
    event_record(
        kind="created",
        subject=call,
        actor=by,
        to_value=call.number,
        data={
            "channel": call.channel,
            "category": call.category,
            "warranty": warranty_state,
            "service_type": service_type,
            "service_type_reason": call.service_type_reason,
            "order": order.number if order else None,
            "linked": linked,
            "repeat_of": repeat.number if repeat else None,
        },
    )
    if unit is not None:
        event_record(
            kind="call_registered",
            subject=unit,
            actor=by,
            to_value=call.number,
            data={
                "call": call.number,
                "order": order.number if order else None,
                "fault": call.fault_description[:200],
            },
        )
    if data.channel in WRITTEN_CHANNELS and not data.resolved_remotely:
        clock_start(subject=call, code="reply", by=by, at=at, branch=customer.branch, customer_id=customer.pk)
    if order is not None and not linked:
        event_record(
            kind="created",
            subject=order,
            actor=by,
            to_value=order.number,
            data={"call": call.number, "repeat_of": repeat.number if repeat else None},
        )
        product_line_id = unit.product_model.product_line_id if unit is not None else None
        common = {
            "subject": order,
            "by": by,
            "at": at,
            "branch": customer.branch,
            "zone": zone,
            "product_line_id": product_line_id,
            "customer_id": customer.pk,
            "subject_url": "",
        }
        clock_start(code=_arrival_code(zone, unit), **common)  # type: ignore[arg-type]
        is_system = unit is not None and unit.product_model.is_system
        clock_start(code="resolution_same_day" if is_system else "resolution", **common)  # type: ignore[arg-type]
    return CallResult(call=call, order=order, linked=linked)
