"""Browser: propose a plan from the dispatch board, move one order to another technician, accept;
the orders end up assigned as the page shows."""

from __future__ import annotations

import pytest

from aftersales.calls.models import ServiceOrder
from aftersales.calls.tests.test_browser_flow import browser, sign_in  # noqa: F401 (fixture)
from aftersales.conftest import World
from aftersales.dispatch.models import DispatchPlan
from aftersales.dispatch.tests.helpers import make_day, tomorrow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_propose_edit_and_accept_a_plan(browser, live_server, world: World) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    orders = make_day(world, orders=3)  # urban places: any move fits the day
    base = live_server.url
    context, page, errors = sign_in(
        browser, base, world.users["sh_supervisor"].username, {"width": 1400, "height": 1000}
    )
    page.goto(f"{base}/calls/board/?branch=SH")
    form = page.get_by_test_id("propose-plan")
    form.locator("#plan-day").fill(tomorrow().isoformat())
    page.evaluate("document.getElementById('plan-limit').min = '1'")
    form.locator("#plan-limit").fill("1")
    form.locator("button[type=submit]").click()
    plan_box = page.get_by_test_id("plan")
    expect(plan_box).to_have_attribute("data-state", "ready", timeout=30_000)
    expect(page.get_by_test_id("timeline").locator("rect[data-kind=job]")).not_to_have_count(0)

    # Move the first planned order to a technician who has it not.
    first = page.locator("[data-testid=route] li[data-order]").first
    order_id = int(first.get_attribute("data-order") or 0)
    source = int(
        first.locator("xpath=ancestor::*[@data-testid='route']").get_attribute("data-technician") or 0
    )
    certified = {world.users["sh_tech"].pk, world.users["sh_tech2"].pk}
    target_id = next(iter(certified - {source}))
    move = page.get_by_test_id(f"move-{order_id}")
    move.locator("select").select_option(str(target_id))
    move.locator("button[type=submit]").click()
    target_card = page.locator(f"[data-testid=route][data-technician='{target_id}']")
    expect(target_card.locator(f"li[data-order='{order_id}']")).to_have_count(1)

    page.get_by_test_id("accept-all").click()
    expect(page.get_by_test_id("plan")).to_have_attribute("data-state", "accepted")
    shown: dict[int, int] = {}
    for card in page.locator("[data-testid=route]").all():
        tech = int(card.get_attribute("data-technician") or 0)
        for item in card.locator("li[data-order]").all():
            shown[int(item.get_attribute("data-order") or 0)] = tech
    assert shown[order_id] == target_id
    assert DispatchPlan.objects.get().state == DispatchPlan.State.ACCEPTED
    for order in orders:
        order.refresh_from_db()
        if order.pk in shown:
            assert order.state == ServiceOrder.State.ASSIGNED and order.technician_id == shown[order.pk]
    page.screenshot(path="/tmp/dispatch_plan.png", full_page=True)
    assert errors == []
    context.close()
