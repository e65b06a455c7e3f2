"""``aftersales sla due --clock CODE --start ISO [--branch CODE] [--pause FROM/TO ...]`` and friends."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aftersales.common.errors import DomainError


class Command(BaseCommand):
    help = "Service-level clocks: compute a due time, sweep, recompute, seed the calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="Print the due time of a clock (ISO 8601 with offset).")
        due.add_argument("--clock", required=True, help="clock code from policies.md, e.g. arrival_urban")
        due.add_argument(
            "--start", required=True, help="ISO time; without an offset it is the branch's local time"
        )
        due.add_argument("--branch", default=None, help="branch code (default: head office)")
        due.add_argument("--pause", action="append", default=[], help="FROM/TO (repeatable; TO may be empty)")
        due.add_argument("--window-end", default=None, help="end of an agreed window (arrival_appointment)")
        due.add_argument("--customer", type=int, default=None, help="customer id, for customer overrides")
        due.add_argument("--product-line", default=None, help="product line code, for product-line overrides")
        due.add_argument("--zone", default=None, help="zone code of the branch, for zone overrides")
        due.add_argument("--json", action="store_true", help="print every figure as JSON")
        sub.add_parser("sweep", help="Run the sweeper once now (warnings, breaches, escalation).")
        sub.add_parser("recompute", help="Recompute the deadlines of every open clock.")
        sub.add_parser("seed", help="Add default policies and the package's calendar years (idempotent).")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        try:
            if action == "due":
                self._due(opts)
            elif action == "sweep":
                from aftersales.sla.sweeper import sweep

                r = sweep()
                self.stdout.write(
                    f"clocks {r.clocks}, warned {r.warned}, breached {r.breached}, escalated {r.escalated}"
                )
            elif action == "recompute":
                from aftersales.sla.services import clocks_recompute

                self.stdout.write(f"{clocks_recompute()} clocks changed")
            elif action == "seed":
                from aftersales.sla.calendar_admin import seed_calendar_from_package
                from aftersales.sla.policies import seed_default_policies

                n = seed_default_policies()
                years = seed_calendar_from_package()
                self.stdout.write(f"{n} policies, years {years or 'none'} added")
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _due(self, opts: dict[str, Any]) -> None:
        from aftersales.catalog.models import ProductLine
        from aftersales.org.models import Zone
        from aftersales.sla.services import branch_by_code, due_for

        branch = branch_by_code(opts["branch"])
        zone = None
        if opts["zone"]:
            zone = Zone.objects.filter(branch=branch, code=opts["zone"]).first()
            if zone is None:
                raise CommandError(f"zone: unknown zone {opts['zone']!r} of branch {branch.code}")
        product_line_id = None
        if opts["product_line"]:
            product_line_id = (
                ProductLine.objects.filter(code=opts["product_line"]).values_list("pk", flat=True).first()
            )
            if product_line_id is None:
                raise CommandError(f"product-line: unknown product line {opts['product_line']!r}")
        result = due_for(
            code=opts["clock"],
            start=opts["start"],
            branch=branch,
            pauses=opts["pause"],
            zone=zone,
            product_line_id=product_line_id,
            customer_id=opts["customer"],
            window_end=opts["window_end"],
        )
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
            return
        if result.due_at is None:
            raise CommandError(
                f"paused since {result.paused_since.isoformat() if result.paused_since else '?'}; "
                f"{result.remaining} of clock time left; give the pause's end to get a due time"
            )
        self.stdout.write(result.due_at.isoformat())
        if result.provisional:
            self.stderr.write(
                "provisional: the deadline falls in a year whose official calendar has not been entered "
                "(assumed Monday–Friday); it will be recomputed when the year is entered"
            )
