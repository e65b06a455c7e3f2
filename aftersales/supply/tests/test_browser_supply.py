"""Browser test: one parts request from the agent's application to the day's shipping list —
confirmation by phone, the lead's and the quality office head's approvals, fulfilment from stock,
the receiving check, and shipment."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from django.utils import timezone

from aftersales.calls.tests.test_browser_flow import sign_in
from aftersales.common.chromium import CHROMIUM, CHROMIUM_ARGS
from aftersales.supply.models import PartsRequest
from aftersales.supply.tests.conftest import Supply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


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


def test_a_parts_request_from_application_to_shipment(browser, live_server, supply: Supply) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    base = live_server.url
    all_errors: list[str] = []

    # The agent applies for the customer, on a phone.
    ctx, page, errors = sign_in(browser, base, supply.u("sh_agent").username, PHONE)
    all_errors += errors
    page.goto(f"{base}/supply/")
    page.click('[data-testid="new-request"]')
    page.select_option("#customer_id", str(supply.world.sh_customer.pk))
    page.fill("#contact_name", "李经理")
    page.fill("#description", "控制面板运输中摔裂")
    page.select_option("#part_0", str(supply.part.pk))
    page.fill("#qty_0", "2")
    page.click('[data-testid="apply-submit"]')
    expect(page.locator('[data-testid="state"]')).to_have_attribute("data-state", "applied")
    req = PartsRequest.objects.get()

    # Confirmed by phone: charged (customer damage) at the sale price, promised within the limit.
    page.select_option("#cause", "customer_damage")
    page.fill("#promised_on", (timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.click('[data-testid="confirm"]')
    expect(page.locator('[data-testid="state"]')).to_have_attribute("data-state", "confirmed")
    expect(page.locator('[data-testid="amount"]')).to_contain_text("360.00")
    ctx.close()

    # The after-sales lead, then the quality office head.
    for name, state in (("sh_supervisor", "lead_approved"), ("hq_quality_manager", "approved")):
        ctx, page, errors = sign_in(browser, base, supply.u(name).username, DESK)
        all_errors += errors
        page.goto(f"{base}/supply/{req.pk}/")
        page.click('[data-testid="approve"]')
        expect(page.locator('[data-testid="state"]')).to_have_attribute("data-state", state)
        ctx.close()

    # The warehouse: from stock, receiving check, ship on today's list.
    ctx, page, errors = sign_in(browser, base, supply.u("sh_warehouse").username, PHONE)
    all_errors += errors
    page.goto(f"{base}/supply/{req.pk}/")
    page.select_option('[data-testid="method"]', "stock")
    page.select_option('[data-testid="warehouse"]', str(supply.sh.pk))
    page.click('[data-testid="fulfil"]')
    expect(page.locator('[data-line="P-100"] .badge')).to_be_visible()
    page.check("#packaging_ok")
    page.check("#labels_ok")
    page.check("#stamp_ok")
    page.click('[data-testid="check"]')
    expect(page.locator('[data-testid="state"]')).to_have_attribute("data-state", "ready")
    page.fill("#carrier", "顺丰")
    page.fill("#loaded_by", "王师傅")
    page.click('[data-testid="ship"]')
    expect(page.locator('[data-testid="state"]')).to_have_attribute("data-state", "shipped")
    page.goto(f"{base}/supply/shipping/")
    expect(page.locator(f'[data-testid="shipment"] [data-request="{req.number}"]')).to_be_visible()
    pdf = page.request.get(f"{base}/supply/shipping/list.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    ctx.close()
    assert all_errors == [], all_errors
