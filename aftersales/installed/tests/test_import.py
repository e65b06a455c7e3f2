"""Bulk import of units: all rows through unit_create, nothing half-imported, a row-by-row report."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from aftersales.catalog.models import ProductModel
from aftersales.conftest import World
from aftersales.installed.models import Site, Unit

HEADER = [
    "serial no.",
    "model code",
    "customer number",
    "sale date",
    "installation date",
    "site",
    "software version",
]


def xlsx(rows: list[list[object]]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("units.xlsx", buf.getvalue())


def test_one_bad_row_imports_nothing_and_names_row_and_column(world: World, model: ProductModel) -> None:
    number = world.sh_customer.number
    bad = xlsx(
        [
            ["IMP-001", model.code, number, "2026-01-10", "2026-01-20", "一号车间", "V1"],
            ["IMP-002", model.code, number, "2026-02-10", "2026-01-01", "", ""],  # installed before sale
            ["IMP-003", model.code, number, "2026-03-10", None, "", ""],
        ]
    )
    client = world.client("sh_manager")
    response = client.post("/installed/import/", {"file": bad})
    assert response.status_code == 400
    assert not Unit.objects.exists() and not Site.objects.exists()
    report = response.text[response.text.index('data-testid="import-report"') :]
    assert "<td data-label=" in report
    assert ">3<" in report  # row 3 (the header is row 1)
    assert "installation date" in report or "安装日期" in report

    good = xlsx(
        [
            ["IMP-001", model.code, number, "2026-01-10", "2026-01-20", "一号车间", "V1"],
            ["IMP-002", model.code, number, "2026-02-10", "2026-02-11", "一号车间", ""],
            ["IMP-003", model.code, number, "2026-03-10", None, "", ""],
        ]
    )
    response = client.post("/installed/import/", {"file": good})
    assert response.status_code == 302
    assert Unit.objects.count() == 3
    assert Site.objects.filter(customer=world.sh_customer).count() == 1


def test_csv_with_chinese_headers_and_unknown_values(world: World, model: ProductModel) -> None:
    text = f"序列号,型号,客户编号,销售日期\nCSV-1,NOPE,{world.sh_customer.number},2026-01-01\nCSV-2,{model.code},XX-1,2026/13/01\n"
    response = world.client("hq_admin").post(
        "/installed/import/", {"file": SimpleUploadedFile("u.csv", text.encode("utf-8-sig"))}
    )
    assert response.status_code == 400
    assert response.text.count("<tr><td data-label=") == 3
    assert not Unit.objects.exists()
    text = f"序列号,型号,客户编号,销售日期\nCSV-1,{model.code},{world.sh_customer.number},2026-01-01\n"
    response = world.client("hq_admin").post(
        "/installed/import/", {"file": SimpleUploadedFile("u.csv", text.encode())}
    )
    assert response.status_code == 302 and Unit.objects.filter(serial="CSV-1").exists()


def test_missing_columns_and_other_branches_are_refused(world: World, model: ProductModel) -> None:
    client = world.client("sh_manager")
    response = client.post("/installed/import/", {"file": SimpleUploadedFile("u.csv", b"serial\nX\n")})
    assert response.status_code == 400 and 'data-field="file"' in response.text
    hz = xlsx([["HZ-1", model.code, world.hz_customer.number, "2026-01-10", None, "", ""]])
    response = client.post("/installed/import/", {"file": hz})
    assert response.status_code == 400 and not Unit.objects.exists()


def test_template_and_permission(world: World) -> None:
    response = world.client("sh_manager").get("/installed/import/template.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert wb.worksheets[0].max_column == 7
    assert world.client("sh_manager").get("/installed/import/").status_code == 200
    for name in ["sh_agent", "sh_tech", "customer"]:
        assert world.client(name).get("/installed/import/").status_code == 404
