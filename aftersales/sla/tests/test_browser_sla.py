"""Browser test of the service-level pages: Playwright drives Debian's /usr/bin/chromium."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.utils import timezone

from aftersales.common.chromium import CHROMIUM, CHROMIUM_ARGS
from aftersales.demo.data import DEMO_PASSWORD
from aftersales.org.models import Branch
from aftersales.sla.models import BranchDay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is required for the browser tests: apt-get install chromium")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("demo")


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")


def test_admin_reads_the_calendar_the_clocks_and_the_report(browser, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base = live_server.url
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda msg: errors.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    sign_in(page, base, "admin")

    # The calendar of October 2025: National Day, and the make-up working day on Saturday the 11th.
    page.click("#mainnav a[href='/sla/clocks/']")
    page.click("main a[href='/sla/calendar/']")
    page.select_option("#c-branch", "SH")
    expect(page.locator("[data-testid=calendar-grid]")).to_have_attribute("data-branch", "SH")
    page.fill("#c-month", "2025-10")
    page.click("[data-testid=show-month]")
    expect(page.locator("[data-testid=calendar-grid]")).to_have_attribute("data-month", "2025-10")
    assert "month=2025-10" in page.url
    holiday = page.locator("td[data-date='2025-10-01']")
    expect(holiday).to_contain_text("国庆节")
    expect(holiday).to_have_attribute("data-kind", "holiday")
    expect(page.locator("td[data-date='2025-10-11'] .cal-badge")).to_have_text("班")

    # A click on a day opens the form in place; closing the day re-draws the month.
    page.click("td[data-date='2025-10-10'] a.cal-cell")
    form = page.locator("[data-testid=day-form]")
    expect(form).to_be_visible()
    form.locator("input[name=mode][value=closed]").check()
    form.locator("input[name=note]").fill("年度盘点")
    form.locator("[data-testid=day-save]").click()
    expect(page.locator("[data-testid=day-saved]")).to_be_visible()
    expect(page.locator("td[data-date='2025-10-10']")).to_have_attribute("data-kind", "branch_closed")
    sh = Branch.objects.get(code="SH")
    assert BranchDay.objects.filter(branch=sh, date=dt.date(2025, 10, 10), is_working=False).exists()

    # The clocks list, with live countdowns.
    page.click("#mainnav a[href='/sla/clocks/']")
    rows = page.locator("[data-testid=clocks] tbody tr[data-clock]")
    expect(rows.first).to_be_visible()
    badge = page.locator(".sla-countdown[data-due]").first
    expect(badge).to_have_text(re.compile(r"(left|overdue|剩余|超时)"))  # the words of either language
    page.select_option("#f-due", "overdue")
    expect(page.locator("#f-due")).to_have_value("overdue")
    page.wait_for_url("**due=overdue**")

    # The on-time report of the last three months draws its chart.
    today = timezone.localdate()
    page.goto(f"{base}/sla/reports/?from={today - dt.timedelta(days=90)}&to={today}")
    expect(page.locator("#report-chart canvas")).to_have_count(1)
    assert page.locator("[data-testid=report-table] tbody tr").count() > 0
    context.close()
    assert errors == [], errors
