"""Payments, invoices and order economics through the API; outsiders get nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from aftersales.calls.models import ServiceOrder
from aftersales.charges.models import Invoice, Payment
from aftersales.charges.tests.test_charges import order_on, setup  # noqa: F401  (fixture)
from aftersales.charges.tests.test_money import accepted, settle
from aftersales.conftest import World


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


@pytest.fixture
def order(world: World, setup: dict[str, Any]) -> ServiceOrder:  # noqa: F811
    order = order_on(world, setup, "2025-03-15")
    accepted(world, order)
    return order


def test_settle_paid_through_the_calls_api(world: World, api: Any, order: ServiceOrder) -> None:
    sup = api("sh_supervisor")
    bad = post(sup, f"/api/v1/orders/{order.pk}/settle", {"settlement": "paid", "method": "cheque"})
    assert bad.status_code == 400 and "method" in bad.json()["fields"]
    ok = post(
        sup, f"/api/v1/orders/{order.pk}/settle", {"settlement": "paid", "method": "cash", "amount": "1500"}
    )
    assert ok.status_code == 200, ok.content
    assert Payment.objects.get(order=order).amount == Decimal("1500.00")
    assert Invoice.objects.get(order=order).amount == Decimal("500.00")


def test_the_invoice_workflow_through_the_api(world: World, api: Any, order: ServiceOrder) -> None:
    sup, acc = api("sh_supervisor"), api("sh_accountant")
    created = post(sup, f"/api/v1/orders/{order.pk}/invoices", {"title": "上海申达机械", "tax_no": "9131"})
    assert created.status_code == 201, created.content
    inv = created.json()
    assert Decimal(inv["amount"]) == Decimal("2000.00") and inv["state"] == "requested"
    assert [i["number"] for i in acc.get("/api/v1/invoices").json()] == [inv["number"]]
    url = f"/api/v1/invoices/{inv['id']}"
    assert post(acc, f"{url}/issue", {"tax_invoice_no": ""}).status_code == 400
    assert post(acc, f"{url}/issue", {"tax_invoice_no": "0440099"}).json()["state"] == "issued"
    paid = post(acc, f"{url}/pay", {"method": "bank_transfer", "amount": "2000"})
    assert paid.status_code == 201 and paid.json()["invoice"] == inv["number"]
    assert acc.get(url).json()["state"] == "paid"
    assert len(acc.get(f"/api/v1/orders/{order.pk}/payments").json()) == 1
    assert len(acc.get("/api/v1/payments").json()) == 1
    refund = post(
        api("sh_manager"),
        f"/api/v1/orders/{order.pk}/refunds",
        {"amount": "100", "method": "cash", "reason": "多收"},
    )
    assert refund.status_code == 201 and refund.json()["approved_by"]
    assert (
        post(
            acc, f"/api/v1/orders/{order.pk}/refunds", {"amount": "1", "method": "cash", "reason": "x"}
        ).status_code
        == 403
    )
    e = acc.get(f"/api/v1/orders/{order.pk}/economics").json()
    assert Decimal(e["cost"]) == Decimal("1260.00") and Decimal(e["revenue"]) == Decimal("1900.00")


def test_cancel_through_the_api(world: World, api: Any, order: ServiceOrder) -> None:
    settle(world, order, "invoiced")
    invoice = Invoice.objects.get(order=order)
    acc = api("sh_accountant")
    assert post(acc, f"/api/v1/invoices/{invoice.pk}/cancel", {}).status_code == 409
    done = post(acc, f"/api/v1/invoices/{invoice.pk}/cancel", {"reason": "抬头错误"})
    assert done.json()["state"] == "cancelled" and done.json()["cancel_reason"] == "抬头错误"


def test_outsiders_get_nothing(world: World, api: Any, client: Any, order: ServiceOrder) -> None:
    settle(world, order, "invoiced")
    invoice = Invoice.objects.get(order=order)
    gets = [
        "/api/v1/payments",
        "/api/v1/invoices",
        f"/api/v1/invoices/{invoice.pk}",
        f"/api/v1/orders/{order.pk}/payments",
        f"/api/v1/orders/{order.pk}/economics",
    ]
    posts = [
        (f"/api/v1/orders/{order.pk}/invoices", {}),
        (f"/api/v1/invoices/{invoice.pk}/issue", {"tax_invoice_no": "X"}),
        (f"/api/v1/invoices/{invoice.pk}/cancel", {"reason": "x"}),
        (f"/api/v1/invoices/{invoice.pk}/pay", {"method": "cash"}),
        (f"/api/v1/orders/{order.pk}/refunds", {"amount": "1", "method": "cash", "reason": "x"}),
    ]
    for url in gets:
        assert client.get(url).status_code == 401, url
    for url, body in posts:
        assert post(client, url, body).status_code == 401, url
    for who in ("hz_supervisor", "hz_agent", "customer"):
        for url in gets[2:]:
            assert api(who).get(url).status_code == 404, (who, url)
        for url, body in posts:
            assert post(api(who), url, body).status_code == 404, (who, url)
        for url in gets[:2]:
            response = api(who).get(url)
            assert response.status_code == 404 or response.json() == [], (who, url)
    invoice.refresh_from_db()
    assert invoice.state == "requested" and not Payment.objects.exists()
