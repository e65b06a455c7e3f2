"""Take screenshots of the main pages, desktop and phone, for review and for the docs.

Usage: .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots]
         [--user agent --path /customers/ ...]
Needs a running server with the demo data, and Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import ViewportSize, sync_playwright

from aftersales.common.chromium import CHROMIUM, CHROMIUM_ARGS

DEFAULT_SHOTS = [
    ("login", None, "/login/"),
    ("home-agent", "agent", "/"),
    ("home-supervisor", "supervisor", "/"),
    ("home-technician", "technician", "/"),
    ("home-customer", "customer", "/"),
    ("customers", "agent", "/customers/"),
    ("audit", "admin", "/audit/"),
    ("sla-clocks", "supervisor", "/sla/clocks/?state=open"),
    ("sla-calendar", "admin", "/sla/calendar/?branch=SH&month=2025-10"),
    ("sla-policies", "admin", "/sla/policies/"),
    ("sla-report", "executive", "/sla/reports/"),
    ("notifications", "supervisor", "/notifications/"),
    ("calls-register", "agent", "/calls/?day="),
    ("call-intake", "agent", "/calls/new/?q=DEMO-LS-20"),
    ("dispatch-board", "supervisor", "/calls/board/?branch=SH"),
    ("units", "agent", "/installed/units/"),
    ("triage-editor", "service_head", "/triage/"),
    ("import", "manager", "/installed/import/customers/"),
    ("accounts", "accountant", "/charges/accounts/"),
    ("margins", "accountant", "/charges/margins/"),
    ("stock", "warehouse", "/stock/"),
    ("parts-analysis", "manager", "/stock/reports/analysis/"),
    ("parts-requests", "supervisor", "/supply/"),
    ("stocktakes", "warehouse", "/stocktake/"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="screenshots-tmp")
    parser.add_argument("--lang", default="zh-hans")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, user, path in DEFAULT_SHOTS:
            if args.only and args.only not in name:
                continue
            for device, viewport in (
                ("desktop", ViewportSize(width=1366, height=800)),
                ("phone", ViewportSize(width=390, height=844)),
            ):
                ctx = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
                ctx.add_cookies([{"name": "django_language", "value": args.lang, "url": args.base}])
                page = ctx.new_page()
                if user:
                    page.goto(f"{args.base}/login/")
                    page.fill("#id_username", user)
                    page.fill("#id_password", "demo")
                    page.click("#login-submit")
                    page.wait_for_load_state("networkidle")
                page.goto(f"{args.base}{path}")
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(600)  # charts animate in
                page.screenshot(path=str(out / f"{name}-{device}.png"), full_page=True)
                ctx.close()
        browser.close()
    print(f"screenshots in {out}/")


if __name__ == "__main__":
    main()
