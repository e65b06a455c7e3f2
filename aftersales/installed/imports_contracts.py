"""Maintenance contracts in a sheet: new ones through ``contract_create``, keyed by contract number.

An empty number drafts a new contract (the system gives the number) and may put it in force. A
registered contract's number is accepted only with the same terms (a contract's period, fee and
coverage are changed on its own page, not by a file); its row may still move it to the next state
(draft → in force) and attach the units listed. An unknown number is refused.
The units column lists serial numbers of the customer's units; they are attached to the contract.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.customers.selectors import customers_visible
from aftersales.installed.imports import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    ImportContext,
    Row,
    RowFailed,
    Sheet,
    split_list,
)
from aftersales.installed.models import ServiceContract, Unit
from aftersales.installed.selectors import contracts_visible
from aftersales.installed.services import (
    CONTRACT_TRANSITIONS,
    ContractData,
    contract_create,
    contract_transition,
    unit_attach_contract,
)

S = ServiceContract.State
NEW_STATES = [(S.DRAFT.value, S.DRAFT.label), (S.ACTIVE.value, S.ACTIVE.label)]
TERMS = {  # column → contract field compared for a registered contract
    "customer_number": "customer_id",
    "starts_on": "starts_on",
    "ends_on": "ends_on",
    "fee": "fee",
    "visits_per_year": "visits_per_year",
    "covers_parts": "covers_parts",
    "covers_labour": "covers_labour",
    "covers_travel": "covers_travel",
}


def _contract_row(row: Row, ctx: ImportContext) -> str:
    number = row.text("number", max_length=40)
    customer_number = row.text("customer_number")
    starts_on = row.date("starts_on")
    ends_on = row.date("ends_on")
    fee = row.decimal("fee", default=Decimal(0))
    visits = row.integer("visits_per_year", default=2)
    covers = {k: row.boolean(k, default=True) for k in ("covers_parts", "covers_labour", "covers_travel")}
    notes = row.text("notes")
    serials = split_list(row.text("units"))
    customer = (
        customers_visible(access=ctx.access).filter(number__iexact=customer_number).first()
        if customer_number
        else None
    )
    if customer_number and customer is None:
        row.error("customer_number", _("Unknown customer %(c)s.") % {"c": customer_number})
    existing = None
    if number and ctx.claim("contract", number, row, "number"):
        existing = contracts_visible(access=ctx.access).filter(number__iexact=number).first()
        if existing is None:
            row.error(
                "number",
                _("Unknown contract %(n)s; leave the number empty to draft a new contract.") % {"n": number},
            )
    states = [(s.value, s.label) for s in S] if existing is not None else NEW_STATES
    state = row.choice("state", states, default=existing.state if existing else S.DRAFT)
    units = _units(row, ctx, serials, customer_id=customer.pk if customer else None)
    row.check()
    assert customer is not None and starts_on is not None and ends_on is not None
    data = ContractData(
        customer_id=customer.pk,
        starts_on=starts_on,
        ends_on=ends_on,
        fee=fee,
        visits_per_year=visits,
        notes=notes,
        **covers,
    )
    if existing is None:
        contract = contract_create(data=data, access=ctx.access, by=ctx.by)
        outcome = CREATED
    else:
        contract = existing
        outcome = _same_terms(row, contract, data)
    if state != contract.state:
        _move(row, ctx, contract, state)
        outcome = outcome if outcome == CREATED else UPDATED
    for unit in units:
        if unit.contract_id != contract.pk:
            unit_attach_contract(unit_id=unit.pk, contract_id=contract.pk, access=ctx.access, by=ctx.by)
            outcome = outcome if outcome == CREATED else UPDATED
    return outcome


def _units(row: Row, ctx: ImportContext, serials: list[str], *, customer_id: int | None) -> list[Unit]:
    found = []
    for serial in (s.strip() for s in serials):
        if not ctx.claim("unit", serial, row, "units"):
            continue
        unit = Unit.objects.filter(serial__iexact=serial).first()
        if unit is None or not ctx.access.can("contracts.edit", unit.branch_id):
            row.error(
                "units",
                _("Unknown unit %(s)s: list serial numbers of units already registered.") % {"s": serial},
            )
        elif customer_id is not None and unit.customer_id != customer_id:
            row.error("units", _("Unit %(s)s belongs to another customer.") % {"s": serial})
        else:
            found.append(unit)
    return found


def _same_terms(row: Row, contract: ServiceContract, data: ContractData) -> str:
    for column, name in TERMS.items():
        registered = getattr(contract, name)
        if registered != getattr(data, name):
            shown = registered
            if name == "customer_id":
                shown = contract.customer.number
            elif isinstance(registered, bool):
                shown = _("yes") if registered else _("no")
            row.error(
                column,
                _(
                    "Contract %(n)s is registered with %(v)s; an import does not change a registered "
                    "contract's terms (allowed: the same value, or an empty number for a new contract)."
                )
                % {"n": contract.number, "v": shown},
            )
    row.check()
    return UNCHANGED


def _move(row: Row, ctx: ImportContext, contract: ServiceContract, state: str) -> None:
    """Only a step of the contract workflow that needs no reason (cancelling does: on the page)."""
    step = CONTRACT_TRANSITIONS.get((contract.state, state))
    if step is None or step.needs_reason:
        allowed = [contract.get_state_display()] + [
            str(S(to).label)
            for (frm, to), s in CONTRACT_TRANSITIONS.items()
            if frm == contract.state and not s.needs_reason
        ]
        row.error(
            "state",
            _("%(n)s is %(f)s; allowed: %(a)s.")
            % {"n": contract.number, "f": contract.get_state_display(), "a": ", ".join(allowed)},
        )
        raise RowFailed()
    contract_transition(contract_id=contract.pk, to=state, access=ctx.access, by=ctx.by)
    contract.refresh_from_db(fields=["state"])


def contract_export_row(contract: ServiceContract) -> list[Any]:
    """The import's columns, then what is only for reading (the import ignores those)."""
    yes, no = _("yes"), _("no")
    return [
        contract.number,
        contract.customer.number,
        contract.starts_on,
        contract.ends_on,
        contract.fee,
        contract.visits_per_year,
        yes if contract.covers_parts else no,
        yes if contract.covers_labour else no,
        yes if contract.covers_travel else no,
        contract.get_state_display(),
        ", ".join(u.serial for u in contract.units.all()),
        contract.notes,
        contract.customer.name,
        contract.branch.code,
    ]


YES_NO = gettext_lazy("yes or no (是 / 否); empty: yes")

CONTRACTS = Sheet(
    kind="contracts",
    title=gettext_lazy("Maintenance contracts"),
    perm="contracts.edit",
    columns=(
        Column(
            "number",
            gettext_lazy("contract no."),
            ("number", "contract number", "合同编号", "合同号"),
            allowed=gettext_lazy("empty for a new contract; a registered number must keep its terms"),
        ),
        Column(
            "customer_number",
            gettext_lazy("customer number"),
            ("customer", "customer_number", "客户编号"),
            required=True,
            allowed=gettext_lazy("the number of a customer of your branches"),
        ),
        Column(
            "starts_on",
            gettext_lazy("valid from"),
            ("start", "start date", "starts_on", "开始日期", "生效日期"),
            required=True,
            allowed=gettext_lazy("a date, YYYY-MM-DD"),
        ),
        Column(
            "ends_on",
            gettext_lazy("valid until"),
            ("end", "end date", "ends_on", "结束日期", "到期日期"),
            required=True,
            allowed=gettext_lazy("a date, YYYY-MM-DD, not before the start"),
        ),
        Column(
            "fee",
            gettext_lazy("fee"),
            ("amount", "合同金额", "费用", "金额"),
            allowed=gettext_lazy("an amount in yuan, e.g. 12000.00; empty: 0"),
        ),
        Column(
            "visits_per_year",
            gettext_lazy("maintenance visits a year"),
            ("visits", "visits_per_year", "每年保养次数", "保养次数"),
            allowed=gettext_lazy("a whole number from 0 to 52; empty: 2"),
        ),
        Column(
            "covers_parts", gettext_lazy("parts covered"), ("parts", "含备件", "包含备件"), allowed=YES_NO
        ),
        Column(
            "covers_labour",
            gettext_lazy("labour covered"),
            ("labour", "labor", "含人工", "包含人工"),
            allowed=YES_NO,
        ),
        Column(
            "covers_travel", gettext_lazy("travel covered"), ("travel", "含差旅", "包含差旅"), allowed=YES_NO
        ),
        Column(
            "state",
            gettext_lazy("state"),
            ("status", "状态"),
            allowed=gettext_lazy("draft or in force for a new contract; empty: draft"),
        ),
        Column(
            "units",
            gettext_lazy("units (serial nos.)"),
            ("units", "serials", "serial nos.", "设备", "设备序列号", "覆盖设备"),
            allowed=gettext_lazy("serial numbers of the customer's units, separated by commas"),
        ),
        Column("notes", gettext_lazy("notes"), ("备注",)),
    ),
    import_row=_contract_row,
    field_to_column={
        "customer_id": "customer_number",
        "starts_on": "starts_on",
        "ends_on": "ends_on",
        "fee": "fee",
        "visits_per_year": "visits_per_year",
        "contract_id": "units",
        "state": "state",
        "reason": "state",
    },
    key_column="number",
    example=(
        "",
        "SH-C-000001",
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
        Decimal("12000.00"),
        2,
        "是",
        "是",
        "是",
        "",
        "SN-2026-0001",
        "",
    ),
    extra_headers=(gettext_lazy("customer name"), gettext_lazy("branch")),
)
