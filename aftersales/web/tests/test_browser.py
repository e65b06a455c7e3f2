"""Browser tests: Playwright drives Debian's /usr/bin/chromium against the live test server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from aftersales.common.chromium import CHROMIUM, CHROMIUM_ARGS
from aftersales.demo.data import DEMO_PASSWORD, DEMO_ROLE_USERNAMES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = DEMO_ROLE_USERNAMES


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


def test_sign_in_switch_language_and_open_a_page_per_role(browser, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    errors: list[str] = []
    for role in ROLES:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.on(
            "console", lambda msg: errors.append(f"{msg.type}: {msg.text}") if msg.type == "error" else None
        )
        sign_in(page, base, role)
        assert page.locator(f'section[data-role="{role}"]').count() == 1, role
        assert "我的工作" in page.title()
        # Every link in the role's navigation opens without an error.
        hrefs = [a.get_attribute("href") for a in page.locator("#mainnav a.nav-link").all()]
        for href in hrefs:
            response = page.goto(f"{base}{href}")
            assert response is not None and response.status == 200, (role, href)
        context.close()
    assert errors == [], errors


def test_language_switch_keeps_the_page(browser, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login/")
    assert page.locator("#login-submit").inner_text() == "登录"
    sign_in(page, base, "agent")
    page.goto(f"{base}/customers/")
    page.click("#language-switch button[value=en]")
    page.wait_for_load_state()
    assert page.url == f"{base}/customers/"
    assert page.locator("h1").inner_text() == "Customers"
    page.click("#language-switch button[value=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "客户"
    context.close()


def test_search_filters_rows_in_place_on_a_phone(browser, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, base, "supervisor")
    page.goto(f"{base}/customers/")
    page.fill("#f-q", "嘉定")
    from playwright.sync_api import expect

    expect(page.locator("#rows tbody tr")).to_have_count(1)
    assert "上海嘉定模具有限公司" in page.locator("#rows").inner_text()
    assert "q=" in page.url  # the filter is in the address, so it can be shared and reloaded
    # The navigation collapses behind the menu button on a phone.
    assert page.locator("#mainnav").is_hidden()
    page.click("button.navbar-toggler")
    page.locator("#mainnav").wait_for(state="visible")
    context.close()
