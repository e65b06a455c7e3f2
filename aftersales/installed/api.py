"""``/api/v1/installed/…``: units, lookup by serial for call intake, contracts.

Mounted by :mod:`aftersales.api.api`; the same selectors and services as the pages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.common.paging import keyset_page
from aftersales.installed.models import ServiceContract, Unit
from aftersales.installed.selectors import (
    contract_get,
    contracts_search,
    unit_by_serial,
    unit_get,
    units_search,
)
from aftersales.installed.services import (
    ContractData,
    UnitData,
    contract_create,
    contract_transition,
    unit_create,
    unit_update,
    warranty_status,
)

router = Router(tags=["installed"])


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}


class UnitIn(Schema):
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


class UnitOut(Schema):
    id: int
    serial: str
    product_model_id: int
    model: str
    customer_id: int
    customer: str
    branch: str
    site_id: int | None
    dealer_id: int | None
    contract_id: int | None
    sold_on: dt.date
    installed_on: dt.date | None
    warranty_until: dt.date
    warranty_rule_version: int | None
    software_version: str


class UnitPage(Schema):
    items: list[UnitOut]
    next_before: int | None


class WarrantyOut(Schema):
    on: dt.date
    in_warranty: bool
    until: dt.date
    contract: str | None
    service_type: str


class CustomerBrief(Schema):
    id: int
    number: str
    name: str
    phone: str
    address: str


class LookupOut(Schema):
    unit: UnitOut
    customer: CustomerBrief
    warranty: WarrantyOut


class ContractIn(Schema):
    customer_id: int
    starts_on: dt.date
    ends_on: dt.date
    fee: Decimal = Decimal(0)
    covers_parts: bool = True
    covers_labour: bool = True
    covers_travel: bool = True
    visits_per_year: int = 2
    notes: str = ""


class ContractOut(Schema):
    id: int
    number: str
    customer_id: int
    branch: str
    starts_on: dt.date
    ends_on: dt.date
    fee: Decimal
    covers_parts: bool
    covers_labour: bool
    covers_travel: bool
    visits_per_year: int
    state: str


class ContractPage(Schema):
    items: list[ContractOut]
    next_before: int | None


class StateIn(Schema):
    to: str
    reason: str = ""


def _unit_out(u: Unit) -> dict[str, Any]:
    return {
        "id": u.pk,
        "serial": u.serial,
        "product_model_id": u.product_model_id,
        "model": u.product_model.code,
        "customer_id": u.customer_id,
        "customer": u.customer.name,
        "branch": u.branch.code,
        "site_id": u.site_id,
        "dealer_id": u.dealer_id,
        "contract_id": u.contract_id,
        "sold_on": u.sold_on,
        "installed_on": u.installed_on,
        "warranty_until": u.warranty_until,
        "warranty_rule_version": u.warranty_rule.version if u.warranty_rule else None,
        "software_version": u.software_version,
    }


def _contract_out(c: ServiceContract) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "customer_id": c.customer_id,
        "branch": c.branch.code,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "fee": c.fee,
        "covers_parts": c.covers_parts,
        "covers_labour": c.covers_labour,
        "covers_travel": c.covers_travel,
        "visits_per_year": c.visits_per_year,
        "state": c.state,
    }


@router.get("/units", response=UnitPage)
def units_list(
    request: HttpRequest,
    q: str = "",
    branch: int | None = None,
    customer: int | None = None,
    warranty: str = "",
    before: int | None = None,
    size: int = Query(50, ge=1, le=500),
) -> Any:
    qs = units_search(
        access=access_for(request.user),
        q=q,
        branch_id=branch,
        customer_id=customer,
        warranty=warranty,
        today=timezone.localdate(),
        before_id=before,
    ).select_related("warranty_rule")
    page = keyset_page(qs, size=size)
    return {"items": [_unit_out(u) for u in page.items], "next_before": page.next_before}


@router.get("/units/lookup", response={200: LookupOut, **ERRORS})
def units_lookup(request: HttpRequest, serial: str) -> Any:
    """For call intake: the unit, its customer and its warranty status today."""
    unit = unit_by_serial(access=access_for(request.user), serial=serial)
    today = timezone.localdate()
    status = warranty_status(unit, today)
    c = unit.customer
    return {
        "unit": _unit_out(unit),
        "customer": {"id": c.pk, "number": c.number, "name": c.name, "phone": c.phone, "address": c.address},
        "warranty": {
            "on": today,
            "in_warranty": status.in_warranty,
            "until": status.until,
            "contract": status.contract.number if status.contract else None,
            "service_type": status.service_type,
        },
    }


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def units_get(request: HttpRequest, unit_id: int) -> Any:
    return _unit_out(unit_get(access=access_for(request.user), pk=unit_id))


@router.post("/units", response={201: UnitOut, **ERRORS})
def units_create(request: HttpRequest, payload: UnitIn) -> Any:
    access = access_for(request.user)
    unit = unit_create(data=UnitData(**payload.dict()), access=access, by=request_user(request))
    return Status(201, _unit_out(unit_get(access=access, pk=unit.pk)))


@router.put("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def units_update(request: HttpRequest, unit_id: int, payload: UnitIn, reason: str = "") -> Any:
    access = access_for(request.user)
    unit_get(access=access, pk=unit_id)  # an outsider learns nothing
    unit_update(
        unit_id=unit_id,
        data=UnitData(**payload.dict()),
        access=access,
        by=request_user(request),
        reason=reason,
    )
    return _unit_out(unit_get(access=access, pk=unit_id))


@router.get("/contracts", response=ContractPage)
def contracts_list(
    request: HttpRequest,
    q: str = "",
    state: str = "",
    customer: int | None = None,
    before: int | None = None,
    size: int = Query(50, ge=1, le=500),
) -> Any:
    qs = contracts_search(
        access=access_for(request.user), q=q, state=state, customer_id=customer, before_id=before
    )
    page = keyset_page(qs, size=size)
    return {"items": [_contract_out(c) for c in page.items], "next_before": page.next_before}


@router.post("/contracts", response={201: ContractOut, **ERRORS})
def contracts_create(request: HttpRequest, payload: ContractIn) -> Any:
    access = access_for(request.user)
    contract = contract_create(data=ContractData(**payload.dict()), access=access, by=request_user(request))
    return Status(201, _contract_out(contract))


@router.post("/contracts/{contract_id}/state", response={200: ContractOut, **ERRORS})
def contracts_state(request: HttpRequest, contract_id: int, payload: StateIn) -> Any:
    access = access_for(request.user)
    contract_get(access=access, pk=contract_id)
    contract = contract_transition(
        contract_id=contract_id, to=payload.to, access=access, by=request_user(request), reason=payload.reason
    )
    return _contract_out(contract)
