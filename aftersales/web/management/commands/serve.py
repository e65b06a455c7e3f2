"""``aftersales serve``: everything the embedded default needs, from one command.

Migrates, loads the demo data (unless --no-demo), collects static files, then runs the web server
(gunicorn) together with one background worker and the scheduler as child processes. At scale, run
those three separately on as many machines as needed (docs/operations.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from aftersales.demo.data import DEMO_PASSWORD, DEMO_ROLE_USERNAMES


class Command(BaseCommand):
    help = "Migrate, load demo data, and serve web + worker + scheduler (embedded default)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-demo", action="store_true")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        if not options["no_demo"]:
            call_command("demo")
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        exe = [sys.executable, "-m", "aftersales.cli"]
        children: list[subprocess.Popen[bytes]] = []
        if settings.TASKS_BACKEND == "database":
            children.append(subprocess.Popen([*exe, "db_worker", "--queue-name", "*", "--interval", "2"]))
        children.append(subprocess.Popen([*exe, "scheduler"]))
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "aftersales.wsgi:application",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(options["workers"]),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "aftersales.settings"},
        )
        children.append(web)
        url = f"http://{options['host']}:{options['port']}/"
        users = ", ".join(DEMO_ROLE_USERNAMES)
        self.stdout.write(self.style.SUCCESS(f"\n售后服务管理系统 is serving on {url}"))
        self.stdout.write(
            f"Sign in as any of: {users} — password '{DEMO_PASSWORD}'. Ctrl-C stops everything.\n"
        )

        def _stop(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(1)
            failed = [c.args for c in children if c.poll() is not None]
            self.stderr.write(f"A process stopped: {failed}; stopping the others.")
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
