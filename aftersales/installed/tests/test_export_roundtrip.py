"""Excel exports of customers, units and contracts: the lists' filters and scope, in the columns the
import reads, so that an export imported again gives the same data."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from aftersales.access.policy import access_for
from aftersales.catalog.models import ProductModel
from aftersales.conftest import World
from aftersales.customers.models import Customer
from aftersales.installed.imports import sheet_for
from aftersales.installed.models import ServiceContract, Site, Unit
from aftersales.installed.services import (
    ContractData,
    UnitData,
    contract_create,
    contract_transition,
    unit_create,
)
from aftersales.installed.tests.test_import_customers import en


def sheet_rows(response: Any) -> list[list[Any]]:
    assert response.status_code == 200 and isinstance(response, FileResponse)
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[arg-type]
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def upload(rows: list[list[Any]], name: str = "export.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def unit_values() -> list[tuple[object, ...]]:
    return sorted(
        (
            u.serial,
            u.product_model_id,
            u.customer_id,
            u.sold_on,
            u.installed_on,
            u.site_id,
            u.software_version,
            u.warranty_until,
        )
        for u in Unit.objects.all()
    )


def test_units_export_reimports_to_the_same_data(
    world: World, model: ProductModel, sh_unit: Unit, hz_unit: Unit
) -> None:
    admin = world.users["hq_admin"]
    site = Site.objects.create(customer=world.sh_customer, name="二号车间")
    unit_create(
        data=UnitData(
            serial="SN-SH-0002",
            product_model_id=model.pk,
            customer_id=world.sh_customer.pk,
            sold_on=dt.date(2026, 2, 1),
            installed_on=dt.date(2026, 2, 9),
            site_id=site.pk,
        ),
        access=access_for(admin),
        by=admin,
    )
    client = en(world.client("sh_manager"))
    rows = sheet_rows(client.get("/installed/units/export.xlsx"))
    with translation.override("en"):
        assert rows[0][:7] == sheet_for("units").headers()
    assert sorted(r[0] for r in rows[1:]) == ["SN-SH-0001", "SN-SH-0002"]  # Shanghai's only
    assert sheet_rows(client.get("/installed/units/export.xlsx", {"q": "0002"}))[1][0] == "SN-SH-0002"

    before = unit_values()
    response = client.post("/installed/import/units/", {"file": upload(rows)})
    assert response.status_code == 302
    assert unit_values() == before  # nothing changed: every row "unchanged"

    # edited in Excel: the serial number is the key, the row updates that unit through unit_update
    edited = [row[:] for row in rows]
    edited[1][6] = "V9.9"
    assert client.post("/installed/import/units/", {"file": upload(edited)}).status_code == 302
    assert Unit.objects.get(serial=edited[1][0]).software_version == "V9.9"

    # gone and imported again from the export (in the other language): the same units
    client.cookies["django_language"] = "zh-hans"
    Unit.objects.filter(branch=world.sh).delete()
    response = client.post("/installed/import/units/", {"file": upload(rows)})
    assert response.status_code == 302
    assert unit_values() == before


def test_customers_export_in_chinese_reimports_in_english_unchanged(world: World) -> None:
    world.sh_customer.contact_name, world.sh_customer.address, world.sh_customer.notes = (
        "赵经理",
        "上海",
        "VIP",
    )
    world.sh_customer.save()
    client = world.client("sh_agent")
    client.cookies["django_language"] = "zh-hans"
    rows = sheet_rows(client.get("/customers/export.xlsx"))
    assert [r[0] for r in rows[1:]] == [world.sh_customer.number]  # not Hangzhou's
    assert rows[1][2] == "企业" and rows[1][3] == "SH" and rows[1][4] == "市区" and rows[1][5] == "D-SH"
    fields = [
        "name",
        "kind",
        "branch_id",
        "zone_id",
        "dealer_id",
        "contact_name",
        "phone",
        "email",
        "address",
        "notes",
    ]
    before = list(Customer.objects.order_by("pk").values(*fields))

    client.cookies["django_language"] = "en"
    response = client.post("/installed/import/customers/", {"file": upload(rows)})
    assert response.status_code == 302
    assert list(Customer.objects.order_by("pk").values(*fields)) == before

    # a new row added to the export (empty number) registers a customer; an edited row updates
    rows.append(["", "新增客户", "个人", "SH", "郊区", "", "", "13500000000", "", "", ""])
    rows[1][7] = "13800000099"
    assert client.post("/installed/import/customers/", {"file": upload(rows)}).status_code == 302
    world.sh_customer.refresh_from_db()
    assert world.sh_customer.phone == "13800000099"
    assert Customer.objects.get(name="新增客户").zone.code == "suburban"  # type: ignore[union-attr]
    # the list's filters apply to the export
    rows = sheet_rows(client.get("/customers/export.xlsx", {"q": "新增"}))
    assert [r[1] for r in rows[1:]] == ["新增客户"]


def contract_values() -> list[tuple[object, ...]]:
    return sorted(
        (
            c.customer_id,
            c.branch_id,
            c.starts_on,
            c.ends_on,
            c.fee,
            c.visits_per_year,
            c.covers_parts,
            c.covers_labour,
            c.covers_travel,
            c.state,
            c.notes,
            tuple(sorted(c.units.values_list("serial", flat=True))),
        )
        for c in ServiceContract.objects.all()
    )


def test_contracts_export_reimports_to_the_same_data(world: World, sh_unit: Unit, hz_unit: Unit) -> None:
    admin = world.users["hq_admin"]
    access = access_for(admin)
    for customer, fee, parts, active in [
        (world.sh_customer, "1200.50", False, True),
        (world.hz_customer, "0", True, False),
    ]:
        contract = contract_create(
            data=ContractData(
                customer_id=customer.pk,
                starts_on=dt.date(2026, 1, 1),
                ends_on=dt.date(2026, 12, 31),
                fee=Decimal(fee),
                covers_parts=parts,
                visits_per_year=3,
                notes="备注",
            ),
            access=access,
            by=admin,
        )
        if active:
            contract_transition(contract_id=contract.pk, to="active", access=access, by=admin)
            Unit.objects.filter(pk=sh_unit.pk).update(contract=contract)
    client = en(world.client("hq_admin"))
    rows = sheet_rows(client.get("/installed/contracts/export.xlsx"))
    with translation.override("en"):
        assert rows[0][:12] == sheet_for("contracts").headers()
    assert len(rows) == 3
    sh_row = next(r for r in rows if r[1] == world.sh_customer.number)
    assert (
        sh_row[4] == 1200.5 and sh_row[6] == "no" and sh_row[9] == "in force" and sh_row[10] == sh_unit.serial
    )
    assert len(sheet_rows(client.get("/installed/contracts/export.xlsx", {"state": "draft"}))) == 2

    before = contract_values()
    assert client.post("/installed/import/contracts/", {"file": upload(rows)}).status_code == 302
    assert contract_values() == before and ServiceContract.objects.count() == 2

    # gone and imported again (numbers left empty: the system gives new ones): the same contracts
    Unit.objects.update(contract=None)
    ServiceContract.objects.all().delete()
    for row in rows[1:]:
        row[0] = ""
    response = client.post("/installed/import/contracts/", {"file": upload(rows)})
    assert response.status_code == 302
    assert contract_values() == before


def test_contract_export_shows_only_what_the_person_may_see(world: World) -> None:
    admin = world.users["hq_admin"]
    for customer in (world.sh_customer, world.hz_customer):
        contract_create(
            data=ContractData(
                customer_id=customer.pk, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31)
            ),
            access=access_for(admin),
            by=admin,
        )
    for name, expected in [
        ("sh_agent", [world.sh_customer.number]),
        ("hz_supervisor", [world.hz_customer.number]),
        ("customer", [world.sh_customer.number]),
    ]:
        rows = sheet_rows(world.client(name).get("/installed/contracts/export.xlsx"))
        assert [r[1] for r in rows[1:]] == expected, name
    assert world.client("sh_tech").get("/installed/contracts/export.xlsx").status_code == 404
    assert world.client("hq_admin").get("/installed/contracts/export.xlsx").status_code == 200
