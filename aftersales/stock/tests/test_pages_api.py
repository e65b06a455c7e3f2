"""Stock pages and API: who sees what (outsiders get 404 / 401), the pick list, refusals as fields."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client

from aftersales.stock.models import StockLevel, StockLoan, Warehouse, WriteOff
from aftersales.stock.tests.conftest import Stock


def test_the_levels_page_and_the_export_show_the_branchs_stock(stock: Stock) -> None:
    stock.receive(3)
    stock.receive(2, warehouse=stock.hz)
    page = stock.world.client("sh_warehouse").get("/stock/")
    assert page.status_code == 200
    assert b'data-warehouse="SH-W"' in page.content and b'data-warehouse="HZ-W"' not in page.content
    export = stock.world.client("sh_manager").get("/stock/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    assert stock.world.client("customer").get("/stock/").status_code == 404
    card = stock.world.client("hq_admin").get(f"/stock/parts/{stock.part.pk}/")
    assert card.status_code == 200 and b"A-01-1" in card.content


def test_issuing_on_the_page_shows_the_pick_list_and_a_refusal_names_the_part(stock: Stock) -> None:
    stock.receive(2, bin="B-02-3")
    client = stock.world.client("sh_warehouse")
    data = {"part": stock.part.pk, "warehouse": stock.sh.pk, "quantity": 1, "order": stock.order.number}
    done = client.post("/stock/move/issue/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        done.status_code == 200 and b'data-testid="pick-list"' in done.content and b"B-02-3" in done.content
    )
    refused = client.post("/stock/move/issue/", {**data, "quantity": 5})
    assert b'data-testid="error-quantity"' in refused.content and b"P-100" in refused.content
    assert StockLevel.objects.get(part=stock.part, warehouse=stock.sh).on_hand == 1


def test_writeoff_request_and_decision_on_the_pages(stock: Stock) -> None:
    stock.receive(5, cost="10.00")
    keeper = stock.world.client("sh_warehouse")
    data = {
        "part": stock.part.pk,
        "warehouse": stock.sh.pk,
        "quantity": 2,
        "disposition": "damaged",
        "reason": "破损",
    }
    assert keeper.post("/stock/move/writeoff/", data).status_code == 302
    writeoff = WriteOff.objects.get()
    assert b"approve" not in keeper.get("/stock/writeoffs/").content.split(b"<tbody>")[1]
    manager = stock.world.client("sh_manager")
    assert b'name="approve"' in manager.get("/stock/writeoffs/").content
    manager.post(f"/stock/writeoffs/{writeoff.pk}/decide/", {"approve": "1"})
    writeoff.refresh_from_db()
    assert (writeoff.state, writeoff.amount) == ("approved", Decimal("20.00"))
    assert (
        stock.world.client("hz_supervisor")
        .post(f"/stock/writeoffs/{writeoff.pk}/decide/", {"approve": "1"})
        .status_code
        == 404
    )


def test_the_api_moves_stock_and_refuses_outsiders(stock: Stock, api) -> None:  # type: ignore[no-untyped-def]
    keeper = api("sh_warehouse")
    received = keeper.post(
        "/api/v1/stock/receive",
        {
            "part_id": stock.part.pk,
            "warehouse_id": stock.sh.pk,
            "quantity_passed": 3,
            "quantity_rejected": 1,
            "unit_cost": "12.50",
            "bin_id": stock.bins["SH-W:B-02-3"].pk,
        },
        content_type="application/json",
    )
    assert received.status_code == 201, received.content
    assert received.json()["moves"][0]["rejected_quantity"] == 1
    issued = keeper.post(
        "/api/v1/stock/issue",
        {"part_id": stock.part.pk, "warehouse_id": stock.sh.pk, "quantity": 2, "order_id": stock.order.pk},
        content_type="application/json",
    )
    assert issued.status_code == 201 and issued.json()["pick"] == [
        {
            "bin": "B-02-3",
            "quantity": 2,
            "received_at": issued.json()["pick"][0]["received_at"],
            "unit_cost": "12.50",
        }
    ]
    refused = keeper.post(
        "/api/v1/stock/issue",
        {"part_id": stock.part.pk, "warehouse_id": stock.sh.pk, "quantity": 2, "order_id": stock.order.pk},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "insufficient_stock"
    wrong_bin = keeper.post(
        "/api/v1/stock/transfer",
        {
            "part_id": stock.part.pk,
            "from_warehouse_id": stock.sh.pk,
            "to_warehouse_id": stock.van.pk,
            "quantity": 1,
            "to_bin_id": stock.bins["SH-W:A-01-1"].pk,
        },
        content_type="application/json",
    )
    assert wrong_bin.status_code == 400 and wrong_bin.json()["code"] == "wrong_bin"
    assert [r["on_hand"] for r in keeper.get("/api/v1/stock/levels").json()] == [1]
    assert len(keeper.get(f"/api/v1/stock/moves?part_id={stock.part.pk}").json()) == 2
    # Outsiders: another branch learns nothing, anonymous is refused.
    other = api("hz_supervisor")
    assert other.get("/api/v1/stock/levels").json() == []
    assert (
        other.post(
            "/api/v1/stock/issue",
            {"part_id": stock.part.pk, "warehouse_id": stock.sh.pk, "quantity": 1, "reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    writeoff = keeper.post(
        "/api/v1/stock/writeoffs",
        {"part_id": stock.part.pk, "warehouse_id": stock.sh.pk, "quantity": 1, "reason": "丢失"},
        content_type="application/json",
    )
    assert writeoff.status_code == 201, writeoff.content
    wid = writeoff.json()["id"]
    assert (
        other.post(
            f"/api/v1/stock/writeoffs/{wid}/decide", {"approve": True}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        keeper.post(
            f"/api/v1/stock/writeoffs/{wid}/decide", {"approve": True}, content_type="application/json"
        ).status_code
        == 403
    )
    decided = api("sh_manager").post(
        f"/api/v1/stock/writeoffs/{wid}/decide", {"approve": True}, content_type="application/json"
    )
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    assert Client().get("/api/v1/stock/levels").status_code == 401


def _finished_goods(stock: Stock) -> Warehouse:
    fg = Warehouse.objects.create(code="SH-FG", name="成品库", branch=stock.world.sh, kind="finished_goods")
    stock.bins["SH-FG:A-01-1"] = fg.bins.create(branch=stock.world.sh, zone="A", code="A-01-1")
    stock.receive(3, warehouse=fg, cost="500.00")
    return fg


def test_the_loan_register_lends_and_takes_back_with_the_qa_check(stock: Stock) -> None:
    fg = _finished_goods(stock)
    keeper = stock.world.client("sh_warehouse")
    form = keeper.get("/stock/move/loan/").content.decode()
    assert f'value="{fg.pk}"' in form and f'value="{stock.sh.pk}"' not in form  # finished goods only
    data = {
        "part": stock.part.pk,
        "warehouse": fg.pk,
        "quantity": 2,
        "borrower": "上海申达",
        "reason": "生产周期超15天",
    }
    assert keeper.post("/stock/move/loan/", {**data, "order": "NO-SUCH"}).status_code == 200  # named error
    assert (
        keeper.post(
            "/stock/move/loan/", {**data, "order": stock.order.number, "due_on": "2026-12-01"}
        ).status_code
        == 302
    )
    loan = StockLoan.objects.get()
    page = keeper.get("/stock/loans/").content.decode()
    assert f'data-loan="{loan.number}"' in page and f'data-testid="return-{loan.number}"' in page
    assert keeper.get("/stock/loans/export.xlsx").status_code == 200
    failed = keeper.post(f"/stock/loans/{loan.pk}/return/", {"qa_passed": "0"}, follow=True)
    assert StockLoan.objects.get().state == "out"  # a failed QA check needs its note
    assert failed.status_code == 200
    keeper.post(f"/stock/loans/{loan.pk}/return/", {"qa_passed": "1", "qa_note": "外观完好"})
    loan.refresh_from_db()
    assert loan.state == "returned"
    assert StockLevel.objects.get(part=stock.part, warehouse=fg).on_hand == 3
    assert (
        stock.world.client("hz_supervisor")
        .get("/stock/loans/?state=all")
        .content.decode()
        .count("data-loan=")
        == 0
    )
    assert (
        stock.world.client("hz_supervisor")
        .post(f"/stock/loans/{loan.pk}/return/", {"qa_passed": "1"})
        .status_code
        == 404
    )


def test_the_loan_api_and_outsiders(stock: Stock, api) -> None:  # type: ignore[no-untyped-def]
    fg = _finished_goods(stock)
    keeper = api("sh_warehouse")
    body = {"part_id": stock.part.pk, "warehouse_id": fg.pk, "quantity": 1, "borrower": "b", "reason": "r"}
    made = keeper.post("/api/v1/stock/loans", body, content_type="application/json")
    assert made.status_code == 201, made.content
    loan_id = made.json()["id"]
    assert made.json()["state"] == "out" and made.json()["unit_cost"] == "500.00"
    too_many = keeper.post("/api/v1/stock/loans", {**body, "quantity": 9}, content_type="application/json")
    assert too_many.status_code == 400 and too_many.json()["code"] == "insufficient_stock"
    assert [row["id"] for row in keeper.get("/api/v1/stock/loans?state=out").json()] == [loan_id]
    outsider = api("hz_supervisor")
    assert outsider.get("/api/v1/stock/loans").json() == []
    back = {"qa_passed": False, "qa_note": "外壳破损"}
    assert (
        outsider.post(
            f"/api/v1/stock/loans/{loan_id}/return", back, content_type="application/json"
        ).status_code
        == 404
    )
    assert api("customer").get("/api/v1/stock/loans").json() == []
    returned = keeper.post(f"/api/v1/stock/loans/{loan_id}/return", back, content_type="application/json")
    assert returned.status_code == 200 and returned.json()["state"] == "failed_qa"
    assert Client().get("/api/v1/stock/loans").status_code == 401
