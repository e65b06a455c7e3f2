from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand

from aftersales.jobs.services import scheduler_tick


class Command(BaseCommand):
    help = "Enqueue periodic jobs when their slot comes (safe to run on several machines at once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = False

        def _stop(signum: int, frame: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        while True:
            names = scheduler_tick()
            if names:
                self.stdout.write(f"enqueued: {', '.join(names)}")
            if options["once"] or stop:
                return
            deadline = time.monotonic() + options["interval"]
            while not stop and time.monotonic() < deadline:
                time.sleep(0.5)
            if stop:
                return
