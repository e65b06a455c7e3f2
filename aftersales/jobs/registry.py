"""Periodic jobs: each capability registers its own with :func:`periodic`.

A periodic job is a Django task (``django.tasks``) plus an interval. The scheduler enqueues it once per
slot (``slot = floor(now / every)``), claimed through :class:`ScheduledRun`'s unique constraint, so
any number of schedulers may run. The job itself must be idempotent (claim rows with conditional
updates), since a slot may also be run by hand.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.tasks import Task, task


@dataclass(frozen=True)
class Periodic:
    name: str
    every: datetime.timedelta
    task: Task[..., Any]


PERIODIC: dict[str, Periodic] = {}


def periodic(*, name: str, every: datetime.timedelta) -> Callable[[Callable[[], Any]], Task[..., Any]]:
    if every < datetime.timedelta(minutes=1):
        raise ValueError("periodic jobs run at most once a minute")

    def decorator(fn: Callable[[], Any]) -> Task[..., Any]:
        wrapped = task(queue_name="scheduled")(fn)
        PERIODIC[name] = Periodic(name=name, every=every, task=wrapped)
        return wrapped

    return decorator


def slot_of(now: datetime.datetime, every: datetime.timedelta) -> datetime.datetime:
    epoch = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    steps = (now - epoch) // every
    return epoch + steps * every
