"""Units (服务凭证) in a sheet: imported through ``unit_create`` / ``unit_update``, keyed by serial number."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.catalog.models import ProductModel
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
)
from aftersales.installed.models import Site, Unit
from aftersales.installed.services import UnitData, site_create, unit_create, unit_update

DATE = gettext_lazy("a date, YYYY-MM-DD")


def _unit_row(row: Row, ctx: ImportContext) -> str:
    serial = row.text("serial", max_length=80)
    code = row.text("model_code")
    number = row.text("customer_number")
    sold_on = row.date("sale_date")
    installed_on = row.date("installation_date")
    site_name = row.text("site", max_length=150)
    version = row.text("software_version", max_length=60)
    model = ProductModel.objects.filter(code__iexact=code, active=True).first() if code else None
    if code and model is None:
        row.error(
            "model_code", _("Unknown model %(m)s: use the code of an active product model.") % {"m": code}
        )
    customer = customers_visible(access=ctx.access).filter(number__iexact=number).first() if number else None
    if number and customer is None:
        row.error("customer_number", _("Unknown customer %(c)s.") % {"c": number})
    if serial:
        ctx.claim("serial", serial, row, "serial")
    row.check()
    assert model is not None and customer is not None and sold_on is not None
    site_id = None
    if site_name:
        site = Site.objects.filter(customer=customer, name=site_name).first()
        site = site or site_create(customer_id=customer.pk, name=site_name, access=ctx.access, by=ctx.by)
        site_id = site.pk
    data = UnitData(
        serial=serial,
        product_model_id=model.pk,
        customer_id=customer.pk,
        sold_on=sold_on,
        installed_on=installed_on,
        site_id=site_id,
        software_version=version,
    )
    existing = Unit.objects.filter(serial__iexact=serial).first()
    if existing is None:
        unit_create(data=data, access=ctx.access, by=ctx.by)
        return CREATED
    if not ctx.access.can("installed.edit", existing.branch_id):
        row.error("serial", _("Serial number %(s)s is already registered.") % {"s": serial})
        raise RowFailed()
    # what the sheet has no column for stays as it is
    data = replace(data, dealer_id=existing.dealer_id, contract_id=existing.contract_id, notes=existing.notes)
    before = _values(existing)
    unit = unit_update(unit_id=existing.pk, data=data, access=ctx.access, by=ctx.by, reason=_("Excel import"))
    return UNCHANGED if _values(unit) == before else UPDATED


def _values(unit: Unit) -> tuple[object, ...]:
    return (
        unit.serial,
        unit.product_model_id,
        unit.customer_id,
        unit.sold_on,
        unit.installed_on,
        unit.site_id,
        unit.software_version,
    )


def unit_export_row(unit: Unit) -> list[Any]:
    """The import's columns, then what is only for reading (the import ignores those)."""
    return [
        unit.serial,
        unit.product_model.code,
        unit.customer.number,
        unit.sold_on,
        unit.installed_on,
        unit.site.name if unit.site else "",
        unit.software_version,
        unit.customer.name,
        unit.branch.code,
        unit.warranty_until,
        unit.contract.number if unit.contract else "",
    ]


UNITS = Sheet(
    kind="units",
    title=gettext_lazy("Units"),
    perm="installed.import",
    columns=(
        Column(
            "serial",
            gettext_lazy("serial no."),
            ("serial", "序列号", "serial no.", "机身编号", "出厂编号"),
            required=True,
            allowed=gettext_lazy("unique; an existing serial number updates that unit"),
        ),
        Column(
            "model_code",
            gettext_lazy("model code"),
            ("model", "model code", "model_code", "型号"),
            required=True,
            allowed=gettext_lazy("the code of an active product model"),
        ),
        Column(
            "customer_number",
            gettext_lazy("customer number"),
            ("customer", "customer number", "customer_number", "客户编号"),
            required=True,
            allowed=gettext_lazy("the number of a customer of your branches"),
        ),
        Column(
            "sale_date",
            gettext_lazy("sale date"),
            ("sale date", "sale_date", "sold_on", "销售日期"),
            required=True,
            allowed=DATE,
        ),
        Column(
            "installation_date",
            gettext_lazy("installation date"),
            ("installation date", "installation_date", "installed_on", "安装日期"),
            allowed=gettext_lazy("a date, YYYY-MM-DD, not before the sale; may be empty"),
        ),
        Column(
            "site",
            gettext_lazy("site"),
            ("site", "现场", "项目", "现场/项目"),
            allowed=gettext_lazy("the customer's site or project; a new name adds the site"),
        ),
        Column(
            "software_version",
            gettext_lazy("software version"),
            ("software version", "software_version", "软件版本"),
            allowed=gettext_lazy("at most 60 characters"),
        ),
    ),
    import_row=_unit_row,
    field_to_column={
        "serial": "serial",
        "product_model_id": "model_code",
        "customer_id": "customer_number",
        "contract_id": "customer_number",
        "sold_on": "sale_date",
        "installed_on": "installation_date",
        "site_id": "site",
        "software_version": "software_version",
        "name": "site",
    },
    key_column="serial",
    example=("SN-2026-0001", "VMC-850", "SH-C-000001", dt.date(2026, 3, 1), dt.date(2026, 3, 10), "", "V2.1"),
    extra_headers=(
        gettext_lazy("customer name"),
        gettext_lazy("branch"),
        gettext_lazy("warranty until"),
        gettext_lazy("maintenance contract"),
    ),
)
