"""The three pages in both languages, their Excel exports, the flag badge and the keeper's home panel."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.template import Context, Template
from openpyxl import load_workbook

from aftersales.catalog.models import Part
from aftersales.partsreports.services import slow_moving_refresh
from aftersales.partsreports.tests.conftest import issue, receive
from aftersales.stock.tests.conftest import Stock


def sheet_rows(response: Any) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def flagged(stock: Stock, common: Part) -> Stock:
    receive(stock, 3, day="2025-01-02", cost="100.00")
    receive(stock, 2, day="2025-01-05", cost="40.00")  # value: 3 × 100 + 2 × 40 = 380
    receive(stock, 4, day="2025-03-01", cost="50.00", part=common)
    issue(stock, 1, day="2025-04-20", part=common)  # yellow from 2025-05-20
    slow_moving_refresh(today=dt.date(2025, 6, 1))
    return stock


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_slow_moving_page_shows_value_by_warehouse(flagged: Stock, language: str) -> None:
    client = flagged.world.client("sh_warehouse")
    client.cookies["django_language"] = language
    body = client.get("/stock/reports/slow-moving/").content.decode()
    assert 'data-part="P-100" data-flag="red"' in body and 'data-part="P-200" data-flag="yellow"' in body
    assert 'data-testid="total-value">¥530.00' in body  # 380 + 3 × 50
    assert 'data-slow-flag="red"' in body and body.index('data-flag="red"') < body.index('data-flag="yellow"')
    rows = sheet_rows(client.get("/stock/reports/slow-moving/export.xlsx?flag=red"))
    assert [(r[2], r[8], r[9]) for r in rows[1:]] == [("P-100", 3 + 2, 380), (None, 1, 380)]
    assert (
        flagged.world.client("hz_supervisor")
        .get("/stock/reports/slow-moving/")
        .content.decode()
        .count("data-part=")
        == 0
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_replenishment_page_marks_out_of_stock(stock: Stock, common: Part, language: str) -> None:
    client = stock.world.client("sh_warehouse")
    client.cookies["django_language"] = language
    body = client.get("/stock/reports/replenishment/").content.decode()
    assert 'data-part="P-200" data-warehouse="SH-W" class="table-danger" data-out="1"' in body
    rows = sheet_rows(client.get("/stock/reports/replenishment/export.xlsx"))
    assert rows[1][:8] == ("SH-W", "P-200", "伺服驱动器", 5, 0, 0, 0, 5)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_analysis_page_has_charts_and_an_export(stock: Stock, language: str) -> None:
    receive(stock, 5, day="2025-03-01")
    issue(stock, 2, day="2025-03-05")
    client = stock.world.client("sh_manager")
    client.cookies["django_language"] = language
    body = client.get("/stock/reports/analysis/?month=2025-03").content.decode()
    assert 'data-testid="total-cost">¥200.00' in body and 'id="pa-chart-data"' in body
    assert "vendor/echarts/echarts.min.js" in body and 'data-testid="chart"' in body
    rows = sheet_rows(client.get("/stock/reports/analysis/export.xlsx?month=2025-03"))
    assert rows[-1][2:4] == (2, 200)
    assert (
        stock.world.client("sh_tech").get("/stock/reports/analysis/").status_code == 404
    )  # no stock.reports


def test_the_badge_tag_for_stock_lists(flagged: Stock, django_assert_num_queries: Any) -> None:
    template = Template("{% load partsreports %}{% for p in parts %}[{% slow_flag p w %}]{% endfor %}")
    parts = list(Part.objects.order_by("code"))
    with django_assert_num_queries(1):
        text = template.render(Context({"parts": parts, "w": flagged.sh}))
    assert text.count('data-slow-flag="red"') == 1 and text.count('data-slow-flag="yellow"') == 1


def test_the_keepers_home_shows_parts_to_replenish_and_red_flags(flagged: Stock) -> None:
    body = flagged.world.client("sh_warehouse").get("/").content.decode()
    assert "/stock/reports/replenishment/" in body and "/stock/reports/slow-moving/?flag=red" in body
