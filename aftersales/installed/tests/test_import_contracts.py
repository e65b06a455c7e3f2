"""Import of maintenance contracts: through contract_create, all or nothing, units attached by serial."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.conftest import World
from aftersales.installed.models import ServiceContract, Unit
from aftersales.installed.services import ContractData, contract_create
from aftersales.installed.tests.test_import_customers import en, report

URL = "/installed/import/contracts/"
HEADER = [
    "contract no.",
    "customer number",
    "valid from",
    "valid until",
    "fee",
    "maintenance visits a year",
    "parts covered",
    "labour covered",
    "travel covered",
    "state",
    "units (serial nos.)",
    "notes",
]


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("contracts.xlsx", buf.getvalue())


def test_good_xlsx_drafts_contracts_puts_them_in_force_and_attaches_units(
    world: World, sh_unit: Unit
) -> None:
    number = world.sh_customer.number
    file = xlsx(
        [
            [
                "",
                number,
                dt.date(2026, 1, 1),
                dt.date(2026, 12, 31),
                12000,
                4,
                "是",
                "否",
                "yes",
                "in force",
                sh_unit.serial,
                "年度保养",
            ],
            ["", number, "2027-01-01", "2027-12-31", "¥8,000.50", "", "", "", "", "", "", ""],
        ]
    )
    response = en(world.client("sh_manager")).post(URL, {"file": file})
    assert response.status_code == 302 and response["Location"] == "/installed/contracts/"
    first, second = ServiceContract.objects.order_by("starts_on")
    assert (
        first.fee,
        first.visits_per_year,
        first.covers_parts,
        first.covers_labour,
        first.covers_travel,
    ) == (
        Decimal("12000.00"),
        4,
        True,
        False,
        True,
    )
    assert first.state == "active" and first.notes == "年度保养" and first.branch == world.sh
    assert (second.fee, second.visits_per_year, second.state, second.covers_labour) == (
        Decimal("8000.50"),
        2,
        "draft",
        True,
    )
    sh_unit.refresh_from_db()
    assert sh_unit.contract == first
    assert Event.objects.filter(
        subject_type="installed.servicecontract", subject_id=first.pk, kind="state_changed"
    )
    assert Event.objects.filter(subject_type="installed.unit", subject_id=sh_unit.pk, kind="updated").exists()


def test_csv_with_chinese_headers(world: World) -> None:
    text = f"客户编号,开始日期,结束日期,合同金额,状态\n{world.sh_customer.number},2026/01/01,2026/12/31,5000,草稿\n"
    response = en(world.client("sh_supervisor")).post(
        URL, {"file": SimpleUploadedFile("c.csv", text.encode("utf-8-sig"))}
    )
    assert response.status_code == 302
    c = ServiceContract.objects.get()
    assert (c.starts_on, c.ends_on, c.fee, c.state) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
        Decimal(5000),
        "draft",
    )


def test_errors_in_several_rows_save_nothing_and_each_is_reported(
    world: World, sh_unit: Unit, hz_unit: Unit
) -> None:
    number = world.sh_customer.number
    file = xlsx(
        [
            [
                "",
                number,
                "2026-01-01",
                "2026-12-31",
                100,
                2,
                "",
                "",
                "",
                "",
                sh_unit.serial,
                "",
            ],  # fine alone
            ["", number, "2026-06-01", "2026-01-01", 100, 2, "", "", "", "", "", ""],
            ["", "XX-404", "2026-01-01", "2026-12-31", "lots", 99, "maybe", "", "", "expired", "", ""],
            ["", number, "2026-01-01", "2026-12-31", 0, 2, "", "", "", "", "NO-SUCH, " + sh_unit.serial, ""],
            ["", world.hz_customer.number, "2026-01-01", "2026-12-31", 0, 2, "", "", "", "", "", ""],
        ]
    )
    client = en(world.client("sh_manager"))
    response = client.post(URL, {"file": file})
    assert response.status_code == 400
    assert not ServiceContract.objects.exists()
    sh_unit.refresh_from_db()
    assert sh_unit.contract is None
    rows = {(r, c) for r, c, _m in report(response.text)}
    assert ("3", "valid until") in rows
    assert {("4", "customer number"), ("4", "fee"), ("4", "parts covered"), ("4", "state")} <= rows
    assert ("5", "units (serial nos.)") in rows  # NO-SUCH, and the serial already on row 2
    assert ("6", "customer number") in rows  # Hangzhou's customer is not one of Shanghai's
    assert "2" not in {r for r, _c in rows}
    messages = " ".join(m for _r, _c, m in report(response.text))
    assert "draft, in force" in messages and "also on row 2" in messages


def test_registered_numbers_keep_their_terms_and_duplicates_are_refused(world: World, sh_unit: Unit) -> None:
    manager = world.users["sh_manager"]
    contract = contract_create(
        data=ContractData(
            customer_id=world.sh_customer.pk,
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 12, 31),
            fee=Decimal(100),
        ),
        access=access_for(manager),
        by=manager,
    )
    number, customer = contract.number, world.sh_customer.number
    client = en(world.client("sh_manager"))
    file = xlsx(
        [
            [number, customer, "2026-01-01", "2026-12-31", 200, 2, "", "", "", "", "", ""],
            [number, customer, "2026-01-01", "2026-12-31", 100, 2, "", "", "", "", "", ""],
            ["CT-NOPE", customer, "2026-01-01", "2026-12-31", 100, 2, "", "", "", "", "", ""],
        ]
    )
    response = client.post(URL, {"file": file})
    assert response.status_code == 400
    assert [(r, c) for r, c, _m in report(response.text)] == [
        ("2", "fee"),
        ("3", "contract no."),
        ("4", "contract no."),
    ]
    # the same terms: unchanged, but it may be put in force and given units
    file = xlsx(
        [[number, customer, "2026-01-01", "2026-12-31", 100, 2, "", "", "", "in force", sh_unit.serial, ""]]
    )
    response = client.post(URL, {"file": file})
    assert response.status_code == 302
    contract.refresh_from_db()
    sh_unit.refresh_from_db()
    assert contract.state == "active" and sh_unit.contract == contract
    assert ServiceContract.objects.count() == 1
    # cancelling needs a reason: not by file
    file = xlsx([[number, customer, "2026-01-01", "2026-12-31", 100, 2, "", "", "", "cancelled", "", ""]])
    response = client.post(URL, {"file": file})
    assert response.status_code == 400 and report(response.text)[0][:2] == ("2", "state")


def test_other_branch_and_no_permission_import_nothing(world: World, sh_unit: Unit) -> None:
    row = ["", world.sh_customer.number, "2026-01-01", "2026-12-31", 0, 2, "", "", "", "", sh_unit.serial, ""]
    response = en(world.client("hz_supervisor")).post(URL, {"file": xlsx([row])})
    assert response.status_code == 400
    assert {c for _r, c, _m in report(response.text)} == {"customer number", "units (serial nos.)"}
    for name in ["sh_agent", "sh_tech", "sh_accountant", "customer", "dealer"]:
        client = world.client(name)
        assert client.get(URL).status_code == 404, name
        assert client.post(URL, {"file": xlsx([row])}).status_code == 404, name
    assert not ServiceContract.objects.exists()
