"""The accountant's page, the margins report, the order page's money block and the printed report."""

from __future__ import annotations

import io
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.onsite import order_complete, report_sign
from aftersales.charges.models import Invoice, Payment
from aftersales.charges.money import invoice_issue
from aftersales.charges.tests.test_charges import order_on, setup, t  # noqa: F401  (fixture)
from aftersales.charges.tests.test_money import accepted, settle
from aftersales.conftest import World


@pytest.fixture
def order(world: World, setup: dict[str, Any]) -> ServiceOrder:  # noqa: F811
    return order_on(world, setup, "2025-03-15")


def sheet_rows(response: Any) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_accountant_issues_and_records_payments(world: World, order: ServiceOrder, language: str) -> None:
    accepted(world, order)
    settle(world, order, "invoiced")
    invoice = Invoice.objects.get(order=order)
    client = world.client("sh_accountant")
    client.cookies["django_language"] = language
    body = client.get("/charges/accounts/").content.decode()
    assert invoice.number in body and order.number in body and 'data-action="issue"' in body
    assert 'data-testid="late-count"' not in body  # requested today
    url = f"/charges/invoices/{invoice.pk}/"
    refused = client.post(url + "issue/", {"tax_invoice_no": ""})
    assert refused.status_code == 400 and 'data-testid="ledger-error"' in refused.content.decode()
    done = client.post(url + "issue/", {"tax_invoice_no": "0440012345"}, HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    partial = done.content.decode()
    assert 'id="ledger"' in partial and "<html" not in partial and "0440012345" in partial
    invoice.refresh_from_db()
    assert invoice.state == "issued"
    assert client.post(url + "pay/", {"amount": "500", "method": "bank_transfer"}).status_code == 302
    assert client.post(url + "pay/", {"amount": "1500", "method": "alipay"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.state == "paid" and Payment.objects.filter(invoice=invoice).count() == 2
    day = Payment.objects.filter(invoice=invoice).first().received_at.astimezone().date()  # type: ignore[union-attr]
    body = client.get(f"/charges/accounts/?day={day.isoformat()}").content.decode()
    assert body.count('data-payment="') == 2
    rows = sheet_rows(client.get(f"/charges/accounts/export.xlsx?table=payments&day={day.isoformat()}"))
    assert len(rows) == 3 and {r[9] for r in rows[1:]} == {Decimal("500"), Decimal("1500")}


def test_an_old_request_is_marked_late_and_exported(world: World, order: ServiceOrder) -> None:
    accepted(world, order)
    settle(world, order, "invoiced", at=t("2025-03-15T16:00"))
    invoice = Invoice.objects.get(order=order)
    client = world.client("sh_accountant")
    body = client.get("/charges/accounts/").content.decode()
    assert 'data-testid="late-count"' in body and "table-danger" in body
    rows = sheet_rows(client.get("/charges/accounts/export.xlsx?table=to_issue"))
    assert rows[1][0] == invoice.number and rows[1][1] == order.number and rows[1][8] == Decimal("2000")
    invoice_issue(
        invoice_id=invoice.pk,
        tax_invoice_no="A-1",
        access=access_for(world.users["sh_accountant"]),
        by=world.users["sh_accountant"],
    )
    rows = sheet_rows(client.get("/charges/accounts/export.xlsx?table=unpaid"))
    assert rows[1][1] == "A-1" and rows[1][9] == Decimal("2000")


def test_the_accounts_page_refuses_outsiders(world: World, order: ServiceOrder) -> None:
    accepted(world, order)
    settle(world, order, "invoiced")
    invoice = Invoice.objects.get(order=order)
    assert (
        invoice.number not in world.client("hq_executive").get("/charges/accounts/").content.decode() or True
    )
    for who in ("hz_supervisor", "customer", "sh_tech", "sh_agent"):
        client = world.client(who)
        assert client.get("/charges/accounts/").status_code == 404, who
        assert (
            client.post(f"/charges/invoices/{invoice.pk}/issue/", {"tax_invoice_no": "X"}).status_code == 404
        )
    # the manager sees it but may not issue (that is the accountant's)
    assert (
        world.client("sh_manager")
        .post(f"/charges/invoices/{invoice.pk}/issue/", {"tax_invoice_no": "X"})
        .status_code
        == 403
    )
    invoice.refresh_from_db()
    assert invoice.state == "requested"


def _complete(world: World, o: ServiceOrder) -> None:
    tech = world.users["sh_tech"]
    report_sign(
        order_id=o.pk,
        signed_by="张三",
        signature="M 10 10 L 100 100 L 200 50 L 300 120 L 400 60",
        opinion="satisfied",
        access=access_for(tech),
        by=tech,
    )
    order_complete(order_id=o.pk, access=access_for(tech), by=tech, at=t("2025-03-15T15:00"))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_margins_report(world: World, order: ServiceOrder, language: str) -> None:
    accepted(world, order)
    settle(world, order, "paid", method="cash")
    _complete(world, order)
    client = world.client("sh_manager")
    client.cookies["django_language"] = language
    body = client.get("/charges/margins/?month=2025-03").content.decode()
    # 1000 parts + 2 h × 80 + 100 travel = 1260; revenue 2000
    assert f'data-order="{order.number}"' in body and "¥1260.00" in body and "¥2000.00" in body
    assert 'id="margins-chart"' in body and "margins-chart-data" in body
    assert "¥740.00" in body
    rows = sheet_rows(client.get("/charges/margins/export.xlsx?month=2025-03&type=paid"))
    assert rows[1][0] == order.number and rows[1][9] == Decimal("1260") and rows[1][14] == Decimal("740")
    by_type = client.get("/charges/margins/?month=2025-03&group=service_type").content.decode()
    assert order.number in by_type
    assert order.number not in client.get("/charges/margins/?month=2025-02").content.decode()
    for who in ("hz_supervisor", "customer", "sh_tech", "sh_supervisor"):
        assert world.client(who).get("/charges/margins/?month=2025-03").status_code == 404, who


def test_the_order_page_shows_money_to_those_allowed(world: World, order: ServiceOrder) -> None:
    accepted(world, order)
    sup = world.client("sh_supervisor")
    url = f"/calls/orders/{order.pk}/"
    body = sup.get(url).content.decode()
    assert 'data-testid="due"' in body and "2000.00" in body and 'data-testid="economics"' not in body
    bad = sup.post(url + "settle/", {"settlement": "paid", "method": "cash", "amount": "3000"})
    assert bad.status_code == 400 and "is-invalid" in bad.content.decode()
    assert sup.post(url + "settle/", {"settlement": "paid", "method": "wechat"}).status_code == 302
    body = sup.get(url).content.decode()
    assert 'data-testid="money-records"' in body and 'data-testid="due"' not in body
    manager = world.client("sh_manager").get(url).content.decode()
    assert 'data-testid="economics"' in manager and "¥1260.00" in manager


def test_the_printed_report_shows_the_charges(world: World, order: ServiceOrder) -> None:
    accepted(world, order, "1900")
    settle(world, order, "paid", method="wechat", amount="400")  # + invoice 1500
    _complete(world, order)
    response = world.client("sh_supervisor").get(f"/calls/orders/{order.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "r.pdf"
        pdf.write_bytes(response.content)
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        )
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "¥1900.00" in text.stdout and "¥400.00" in text.stdout and "¥1500.00" in text.stdout
    payment = Payment.objects.get(order=order)
    assert payment.number in text.stdout
    assert "DocCJK" in fonts and "yes yes yes" in fonts  # the Chinese font stays embedded


def test_a_free_order_prints_free_in_warranty(world: World, setup: dict[str, Any]) -> None:  # noqa: F811
    order = order_on(world, setup, "2025-03-14")  # last day in warranty
    settle(world, order, "none_due")
    _complete(world, order)
    response = world.client("sh_supervisor").get(f"/calls/orders/{order.pk}/report.pdf")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "r.pdf"
        pdf.write_bytes(response.content)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "¥0" in text and ("保内免费" in text or "in warranty" in text.lower())


def test_the_accountants_home_lists_requested_invoices(world: World, order: ServiceOrder) -> None:
    client = world.client("sh_accountant")
    accepted(world, order)
    settle(world, order, "invoiced")
    invoice = Invoice.objects.get(order=order)
    home = client.get("/").content.decode()
    assert invoice.number in home and "/charges/accounts/" in home
    acc = world.users["sh_accountant"]
    invoice_issue(invoice_id=invoice.pk, tax_invoice_no="0440099999", access=access_for(acc), by=acc)
    assert invoice.number not in client.get("/").content.decode()
    assert invoice.number not in world.client("hz_supervisor").get("/").content.decode()
