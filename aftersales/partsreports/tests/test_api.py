"""The API: flags, replenishment, analysis; outsiders learn nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aftersales.catalog.models import Part
from aftersales.partsreports.services import slow_moving_refresh
from aftersales.partsreports.tests.conftest import issue, receive
from aftersales.stock.tests.conftest import Stock


def test_flags_replenishment_and_analysis(stock: Stock, common: Part, api: Any) -> None:
    receive(stock, 3, day="2025-01-02")
    issue(stock, 1, day="2025-03-05")
    slow_moving_refresh(today=dt.date(2025, 6, 5))
    keeper = api("sh_warehouse")
    flags = keeper.get("/api/v1/partsreports/flags?warehouse=SH-W").json()
    assert flags["count"] == 1 and flags["value"] == "200.00"
    assert flags["flags"][0]["flag"] == "red" and flags["flags"][0]["since"] == "2025-06-05"
    rows = keeper.get("/api/v1/partsreports/replenishment").json()
    assert [(r["part"], r["out_of_stock"], r["shortfall"]) for r in rows] == [("P-200", True, 5)]
    a = keeper.get("/api/v1/partsreports/analysis?month=2025-03").json()
    assert a["total"]["quantity"] == 1 and a["total"]["charged_cost"] == "100.00"


def test_it_refuses_outsiders(stock: Stock, api: Any) -> None:
    receive(stock, 3, day="2025-01-02")
    slow_moving_refresh(today=dt.date(2025, 6, 5))
    hz = api("hz_supervisor")
    assert hz.get("/api/v1/partsreports/flags?warehouse=SH-W").status_code == 404
    assert hz.get("/api/v1/partsreports/flags").json()["count"] == 0
    assert hz.get("/api/v1/partsreports/replenishment?warehouse=SH-W").status_code == 404
    assert hz.get("/api/v1/partsreports/analysis").status_code == 404  # no stock.reports
    assert api("sh_manager").get("/api/v1/partsreports/analysis?branch=HZ").status_code == 404
    assert api("customer").get("/api/v1/partsreports/flags").status_code == 404
    assert api("sh_agent").get("/api/v1/partsreports/replenishment").status_code == 404
