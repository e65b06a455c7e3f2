from __future__ import annotations

import datetime
import os
import socket
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from aftersales.jobs.models import ScheduledRun
from aftersales.jobs.registry import PERIODIC, slot_of


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def scheduler_tick(*, now: datetime.datetime | None = None, by: str | None = None) -> list[str]:
    """Enqueue every periodic job whose current slot nobody has claimed yet. Returns the names enqueued."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for job in PERIODIC.values():
        slot = slot_of(now, job.every)
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, slot=slot, claimed_by=by or worker_name())
                transaction.on_commit(partial(job.task.enqueue))
        except IntegrityError:
            continue
        enqueued.append(job.name)
    return enqueued
