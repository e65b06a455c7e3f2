"""Browser test of one order from the board to closing: assign, travel, arrive, report, signature
drawn with the mouse on a phone-sized screen, work done, nothing to charge, close."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.services import CallData, call_register
from aftersales.catalog.models import ProductModel
from aftersales.common.chromium import CHROMIUM, CHROMIUM_ARGS
from aftersales.conftest import PASSWORD, World
from aftersales.installed.services import UnitData, unit_create
from aftersales.org.models import Certification

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


def sign_in(browser, base: str, username: str, viewport: dict[str, int]):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/")
    return context, page, errors


def test_one_order_from_the_board_to_closing(browser, live_server, world: World) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    admin = world.users["hq_admin"]
    tech = world.users["sh_tech"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    Certification.objects.create(user=tech, product_line=world.line, certified_on=dt.date(2024, 1, 1))
    unit = unit_create(
        data=UnitData(
            serial="SN-FLOW-1",
            product_model_id=model.pk,
            customer_id=world.sh_customer.pk,
            sold_on=timezone.localdate() - dt.timedelta(days=30),
        ),
        access=access_for(admin),
        by=admin,
    )
    agent = world.users["sh_agent"]
    result = call_register(
        data=CallData(unit_id=unit.pk, fault_description="主轴不转，报警 ALM-401", contact_name="李经理"),
        access=access_for(agent),
        by=agent,
    )
    order = result.order
    assert order is not None
    base = live_server.url

    # The supervisor assigns on the board.
    sup_ctx, sup, sup_errors = sign_in(
        browser, base, world.users["sh_supervisor"].username, {"width": 1280, "height": 900}
    )
    sup.goto(f"{base}/calls/board/?branch=SH")
    card = sup.locator(f'[data-testid="unassigned"] [data-order="{order.number}"]')
    expect(card).to_be_visible()
    card.locator('[data-testid="open-controls"]').click()
    card.locator('[data-testid="technician-select"]').select_option(str(tech.pk))
    card.locator('[data-testid="assign"]').click()
    expect(sup.locator(f'[data-technician="{tech.username}"] [data-order="{order.number}"]')).to_be_visible()

    # The technician, on a phone.
    tech_ctx, phone, tech_errors = sign_in(browser, base, tech.username, {"width": 390, "height": 844})
    phone.click(f'a[href="/calls/orders/{order.pk}/onsite/"]')
    phone.click('[data-testid="travel"]')
    phone.click('[data-testid="arrive"]')
    phone.fill("#cause", "编码器损坏")
    phone.fill("#solution", "更换编码器并校准")
    phone.fill("#labour", "90")
    phone.check("#no-parts")
    phone.click('[data-testid="save-report"]')
    phone.click('label[for="op-very_satisfied"]')
    expect(phone.locator("#signed-by")).to_have_value("李经理")
    pad = phone.locator('[data-testid="signature-pad"]')
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y = box["x"], box["y"]
    phone.mouse.move(x + 20, y + 60)
    phone.mouse.down()
    for i in range(1, 15):
        phone.mouse.move(x + 20 + i * 18, y + 60 + (15 if i % 2 else -15), steps=2)
    phone.mouse.up()
    assert phone.locator("#signature").input_value().startswith("M")
    phone.click('[data-testid="sign"]')
    expect(phone.locator("svg.signature-view")).to_be_visible()
    phone.click('[data-testid="complete"]')
    expect(phone.locator('[data-testid="done"]')).to_be_visible()

    # The supervisor records "nothing to charge" and closes.
    sup.goto(f"{base}/calls/orders/{order.pk}/")
    sup.select_option("#settlement", "none_due")
    sup.click('[data-testid="settle-submit"]')
    sup.click('[data-action="close"]')
    expect(sup.locator(".alert-success")).to_be_visible()
    order.refresh_from_db()
    assert order.state == ServiceOrder.State.CLOSED
    assert order.report.signature.startswith("M")
    assert sup_errors == [] and tech_errors == [], (sup_errors, tech_errors)
    sup_ctx.close()
    tech_ctx.close()
