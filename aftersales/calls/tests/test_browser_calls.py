"""Browser test of the intake screen: look up a serial, choose the unit, describe the fault, submit."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.catalog.models import ProductModel
from aftersales.common.chromium import CHROMIUM, CHROMIUM_ARGS
from aftersales.conftest import PASSWORD, World
from aftersales.installed.services import UnitData, unit_create

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


def test_an_agent_registers_a_call_from_a_serial_number(browser, live_server, world: World) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    admin = world.users["hq_admin"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    unit = unit_create(
        data=UnitData(
            serial="SN-BROWSER-1",
            product_model_id=model.pk,
            customer_id=world.sh_customer.pk,
            sold_on=timezone.localdate() - dt.timedelta(days=30),
        ),
        access=access_for(admin),
        by=admin,
    )
    base = live_server.url
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{base}/login/")
    page.fill("#id_username", world.users["sh_agent"].username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/calls/new/")
    page.fill("#lookup-q", "BROWSER")
    result = page.locator(f'[data-testid="lookup-unit"][data-unit="{unit.pk}"]')
    expect(result).to_be_visible()
    result.click()
    expect(page.locator('[data-testid="selected-unit"]')).to_have_text("SN-BROWSER-1")
    expect(page.locator("#id_phone")).to_have_value("13800000000")
    assert page.locator('#lookup-results [data-testid="lookup-unit"]').count() == 0  # the list closes
    page.fill("#id_fault_description", "主轴不转，报警 ALM-401")
    page.click("#call-submit")
    page.wait_for_url(f"{base}/calls/*/")
    order = ServiceOrder.objects.get(unit=unit)
    expect(page.locator('[data-testid="order-number"]')).to_have_text(order.number)
    assert order.number in page.locator(".alert-success").inner_text()
    assert errors == [], errors
    context.close()
