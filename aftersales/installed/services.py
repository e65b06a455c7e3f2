"""Installed base rules: warranty from the rule in force, units, sites and contracts, all on the trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.audit.services import changes_between, event_record
from aftersales.catalog.models import ProductModel
from aftersales.common.dates import add_months
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.common.numbering import number_next
from aftersales.common.transitions import Step, TransitionTable, transition
from aftersales.customers.models import Customer
from aftersales.customers.services import coordinate_value, validate_coordinates
from aftersales.installed.models import ServiceContract, Site, Unit
from aftersales.org.models import User
from aftersales.rules.models import Rule
from aftersales.rules.services import rule_int


def warranty_end(
    *, sold_on: dt.date, installed_on: dt.date | None, product_model: ProductModel, customer_id: int | None
) -> tuple[dt.date, Rule | None]:
    """Last day in warranty (inclusive): N months from the sale, or the installation if later.

    N is the model's own warranty if set, else the warranty rule (per product line or customer).
    Sold 2024-03-15, 12 months → in warranty through 2025-03-14.
    """
    base = max(sold_on, installed_on) if installed_on else sold_on
    rule: Rule | None = None
    months = product_model.warranty_months
    if months is None:
        months, rule = rule_int(
            "warranty_months", product_line_id=product_model.product_line_id, customer_id=customer_id
        )
    return add_months(base, months) - dt.timedelta(days=1), rule


@dataclass(frozen=True)
class WarrantyStatus:
    in_warranty: bool
    until: dt.date
    contract: ServiceContract | None

    @property
    def service_type(self) -> str:
        """paid (A), contract (B) or free (C) by default; a call may override it with a reason."""
        if self.contract is not None:
            return "contract"
        return "free" if self.in_warranty else "paid"


def warranty_status(unit: Unit, on: dt.date) -> WarrantyStatus:
    contract = unit.contract if unit.contract is not None and unit.contract.covers(on) else None
    return WarrantyStatus(in_warranty=on <= unit.warranty_until, until=unit.warranty_until, contract=contract)


# --------------------------------------------------------------------------- units


@dataclass(frozen=True, kw_only=True)
class UnitData:
    serial: str
    product_model_id: int
    customer_id: int
    sold_on: dt.date
    installed_on: dt.date | None = None
    site_id: int | None = None
    dealer_id: int | None = None
    contract_id: int | None = None
    software_version: str = ""
    notes: str = ""


def _unit_errors(
    data: UnitData, *, access: Access, unit_id: int | None
) -> tuple[dict[str, list[str]], dict[str, object]]:
    errors: dict[str, list[str]] = {}
    found: dict[str, object] = {}
    serial = data.serial.strip()
    if not serial:
        errors["serial"] = [_("Enter the serial number.")]
    elif len(serial) > 80:
        errors["serial"] = [_("At most 80 characters.")]
    elif Unit.objects.filter(serial__iexact=serial).exclude(pk=unit_id or 0).exists():
        errors["serial"] = [_("Serial number %(s)s is already registered.") % {"s": serial}]
    model = ProductModel.objects.filter(pk=data.product_model_id, active=True).first()
    if model is None:
        errors["product_model_id"] = [_("Choose a product model.")]
    customer = Customer.objects.filter(pk=data.customer_id, active=True).first()
    if customer is None or not access.can("installed.edit", customer.branch_id):
        errors["customer_id"] = [_("Choose a customer of your branches.")]
    if data.installed_on is not None and data.installed_on < data.sold_on:
        errors["installed_on"] = [
            _("The installation cannot be before the sale (%(d)s).") % {"d": data.sold_on}
        ]
    if data.sold_on > timezone.localdate() + dt.timedelta(days=1):
        errors["sold_on"] = [_("The sale date is in the future.")]
    site = None
    if data.site_id is not None:
        site = Site.objects.filter(pk=data.site_id).first()
        if site is None or site.customer_id != data.customer_id:
            errors["site_id"] = [_("Choose a site of this customer.")]
    contract = None
    if data.contract_id is not None:
        contract = ServiceContract.objects.filter(pk=data.contract_id).first()
        if contract is None or contract.customer_id != data.customer_id:
            errors["contract_id"] = [_("Choose a contract of this customer.")]
    found.update(model=model, customer=customer, site=site, contract=contract)
    return errors, found


def _unit_snapshot(unit: Unit) -> dict[str, object]:
    out: dict[str, object] = {f.name: getattr(unit, f.name) for f in fields(UnitData)}
    out["warranty_until"] = unit.warranty_until
    return out


@transaction.atomic
def unit_create(*, data: UnitData, access: Access, by: User) -> Unit:
    if not access.can("installed.edit"):
        raise PermissionDenied()
    errors, found = _unit_errors(data, access=access, unit_id=None)
    InvalidInput.check(errors)
    model: ProductModel = found["model"]  # type: ignore[assignment]
    customer: Customer = found["customer"]  # type: ignore[assignment]
    until, rule = warranty_end(
        sold_on=data.sold_on, installed_on=data.installed_on, product_model=model, customer_id=customer.pk
    )
    unit = Unit.objects.create(
        serial=data.serial.strip(),
        product_model=model,
        customer=customer,
        branch_id=customer.branch_id,
        site_id=data.site_id,
        dealer_id=data.dealer_id if data.dealer_id is not None else customer.dealer_id,
        contract_id=data.contract_id,
        sold_on=data.sold_on,
        installed_on=data.installed_on,
        warranty_until=until,
        warranty_rule=rule,
        software_version=data.software_version.strip(),
        notes=data.notes,
    )
    event_record(
        kind="created",
        subject=unit,
        actor=by,
        to_value=unit.serial,
        data={
            **{k: str(v) for k, v in _unit_snapshot(unit).items()},
            "warranty_rule": rule.pk if rule else None,
        },
    )
    return unit


@transaction.atomic
def unit_update(*, unit_id: int, data: UnitData, access: Access, by: User, reason: str = "") -> Unit:
    unit = Unit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None or not access.can("installed.edit", unit.branch_id):
        raise NotFound()
    errors, found = _unit_errors(data, access=access, unit_id=unit.pk)
    InvalidInput.check(errors)
    before = _unit_snapshot(unit)
    model: ProductModel = found["model"]  # type: ignore[assignment]
    customer: Customer = found["customer"]  # type: ignore[assignment]
    unit.serial, unit.product_model, unit.customer = data.serial.strip(), model, customer
    unit.branch_id = customer.branch_id
    unit.site_id, unit.dealer_id, unit.contract_id = data.site_id, data.dealer_id, data.contract_id
    unit.sold_on, unit.installed_on = data.sold_on, data.installed_on
    unit.software_version, unit.notes = data.software_version.strip(), data.notes
    if (before["sold_on"], before["installed_on"], before["product_model_id"]) != (
        data.sold_on,
        data.installed_on,
        data.product_model_id,
    ):
        unit.warranty_until, unit.warranty_rule = warranty_end(
            sold_on=data.sold_on, installed_on=data.installed_on, product_model=model, customer_id=customer.pk
        )
    changes = changes_between(before, _unit_snapshot(unit))
    if changes:
        unit.save()
        event_record(kind="updated", subject=unit, actor=by, data={"changes": changes}, reason=reason)
    return unit


# --------------------------------------------------------------------------- sites


@transaction.atomic
def site_create(
    *,
    customer_id: int,
    name: str,
    access: Access,
    by: User,
    address: str = "",
    zone_id: int | None = None,
    acceptance_date: dt.date | None = None,
    notes: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Site:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or not access.can("installed.edit", customer.branch_id):
        raise NotFound()
    if not name.strip():
        raise InvalidInput(_("name: enter the site's name."), fields={"name": [_("Required.")]})
    if zone_id is not None and not customer.branch.zones.filter(pk=zone_id).exists():
        raise InvalidInput(
            _("zone_id: choose a zone of the customer's branch."), fields={"zone_id": [_("Wrong zone.")]}
        )
    InvalidInput.check(validate_coordinates(latitude, longitude))
    site = Site.objects.create(
        customer=customer,
        name=name.strip()[:150],
        address=address.strip()[:200],
        zone_id=zone_id,
        acceptance_date=acceptance_date,
        notes=notes,
        latitude=coordinate_value(latitude),
        longitude=coordinate_value(longitude),
    )
    event_record(kind="created", subject=site, actor=by, branch=customer.branch_id, to_value=site.name)
    return site


# --------------------------------------------------------------------------- contracts

C = ServiceContract.State
CONTRACT_TRANSITIONS: TransitionTable = {
    (C.DRAFT, C.ACTIVE): Step(label="put in force", event_kind="state_changed"),
    (C.DRAFT, C.CANCELLED): Step(label="cancel", needs_reason=True),
    (C.ACTIVE, C.EXPIRED): Step(label="expire"),
    (C.ACTIVE, C.CANCELLED): Step(label="cancel", needs_reason=True),
}


@dataclass(frozen=True, kw_only=True)
class ContractData:
    customer_id: int
    starts_on: dt.date
    ends_on: dt.date
    fee: Decimal = Decimal(0)
    covers_parts: bool = True
    covers_labour: bool = True
    covers_travel: bool = True
    visits_per_year: int = 2
    notes: str = ""


@transaction.atomic
def contract_create(*, data: ContractData, access: Access, by: User) -> ServiceContract:
    customer = Customer.objects.filter(pk=data.customer_id, active=True).first()
    if customer is None or not access.can("contracts.edit", customer.branch_id):
        raise InvalidInput(
            _("customer_id: choose a customer of your branches."), fields={"customer_id": [_("Not allowed.")]}
        )
    errors: dict[str, list[str]] = {}
    if data.ends_on < data.starts_on:
        errors["ends_on"] = [_("The contract must end after it starts.")]
    if data.fee < 0:
        errors["fee"] = [_("The fee cannot be negative.")]
    if not 0 <= data.visits_per_year <= 52:
        errors["visits_per_year"] = [_("From 0 to 52.")]
    InvalidInput.check(errors)
    contract = ServiceContract.objects.create(
        number=number_next(kind="contract", branch=customer.branch),
        customer=customer,
        branch=customer.branch,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        fee=data.fee,
        covers_parts=data.covers_parts,
        covers_labour=data.covers_labour,
        covers_travel=data.covers_travel,
        visits_per_year=data.visits_per_year,
        notes=data.notes,
    )
    event_record(
        kind="created", subject=contract, actor=by, to_value=contract.number, data={"fee": str(data.fee)}
    )
    return contract


@transaction.atomic
def contract_transition(
    *, contract_id: int, to: str, access: Access, by: User | None, reason: str = ""
) -> ServiceContract:
    contract = ServiceContract.objects.select_for_update().filter(pk=contract_id).first()
    if contract is None or (by is not None and not access.can("contracts.edit", contract.branch_id)):
        raise NotFound()
    transition(contract, table=CONTRACT_TRANSITIONS, to=to, by=by, reason=reason)
    contract.save(update_fields=["state"])
    return contract


@transaction.atomic
def unit_attach_contract(*, unit_id: int, contract_id: int | None, access: Access, by: User) -> Unit:
    unit = Unit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None or not access.can("contracts.edit", unit.branch_id):
        raise NotFound()
    if (
        contract_id is not None
        and not ServiceContract.objects.filter(pk=contract_id, customer_id=unit.customer_id).exists()
    ):
        raise InvalidInput(
            _("contract_id: choose a contract of this unit's customer."),
            fields={"contract_id": [_("Wrong contract.")]},
        )
    before = unit.contract_id
    unit.contract_id = contract_id
    unit.save(update_fields=["contract", "updated_at"])
    event_record(
        kind="updated", subject=unit, actor=by, data={"changes": {"contract_id": [before, contract_id]}}
    )
    return unit


def contracts_housekeeping(*, today: dt.date | None = None) -> dict[str, int]:
    """Idempotent, safe on many workers: each contract is claimed by a conditional update.

    * In force and ending within the notice period (``contract_notice`` policy: 1 month): the
      expiry notice is due — the branch's manager and supervisors are told to pursue renewal, once.
    * In force and past its end: expired.
    """
    from aftersales.notifications.services import notify
    from aftersales.org.models import RoleAssignment
    from aftersales.sla.models import ClockPolicy

    today = today or timezone.localdate()
    policy = ClockPolicy.objects.filter(code="contract_notice", scope_key="default", active=True).first()
    months = int(policy.amount) if policy is not None else 1
    noticed = expired = 0
    due = ServiceContract.objects.filter(
        state=C.ACTIVE,
        notice_sent_on__isnull=True,
        ends_on__gte=today,
        ends_on__lte=add_months(today, months + 1),
    )
    for contract in due.select_related("customer", "branch"):
        if add_months(contract.ends_on, -months) > today:  # the notice date: expiry minus the period
            continue
        with transaction.atomic():
            # the claim: only one worker turns notice_sent_on from NULL to today
            if not ServiceContract.objects.filter(pk=contract.pk, notice_sent_on__isnull=True).update(
                notice_sent_on=today
            ):
                continue
            event_record(
                kind="contract_notice",
                subject=contract,
                actor=None,
                to_value=contract.ends_on.isoformat(),
                data={"customer": contract.customer.name, "ends_on": contract.ends_on.isoformat()},
            )
            people = [
                ra.user
                for ra in RoleAssignment.objects.select_related("user").filter(
                    branch_id=contract.branch_id, role__in=("manager", "supervisor"), user__is_active=True
                )
            ]
            notify(
                recipients=people,
                kind="contract_notice",
                title=_("Contract %(n)s of %(c)s ends on %(d)s: send the expiry notice and pursue renewal")
                % {"n": contract.number, "c": contract.customer.name, "d": contract.ends_on.isoformat()},
                subject_type="installed.servicecontract",
                subject_id=contract.pk,
            )
            noticed += 1
    for contract in ServiceContract.objects.filter(state=C.ACTIVE, ends_on__lt=today):
        with transaction.atomic():
            if ServiceContract.objects.filter(pk=contract.pk, state=C.ACTIVE).update(state=C.EXPIRED):
                event_record(
                    kind="state_changed",
                    subject=contract,
                    actor=None,
                    from_value=C.ACTIVE,
                    to_value=C.EXPIRED,
                )
                expired += 1
    return {"noticed": noticed, "expired": expired}
