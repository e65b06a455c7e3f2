from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from aftersales.demo.data import DEMO_PASSWORD, DEMO_ROLE_USERNAMES, load_demo


class Command(BaseCommand):
    help = "Load the demo data set (idempotent: existing records are left alone)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_demo()
        from aftersales.triage.demo import load_triage

        created.update(load_triage())
        self.stdout.write(
            "Demo data: "
            + ", ".join(f"{k} +{v}" for k, v in created.items())
            + " (0 everywhere means it was already loaded)"
        )
        users = ", ".join(DEMO_ROLE_USERNAMES)
        self.stdout.write(f"Demo users (password '{DEMO_PASSWORD}'): {users}")
