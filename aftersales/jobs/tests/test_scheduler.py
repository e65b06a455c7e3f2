from __future__ import annotations

import datetime

import pytest

from aftersales.jobs.models import ScheduledRun
from aftersales.jobs.registry import PERIODIC, slot_of
from aftersales.jobs.services import scheduler_tick
from aftersales.org.models import LoginFailure

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_slot_is_claimed_once_however_many_schedulers_run() -> None:
    now = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
    first = scheduler_tick(now=now, by="machine-a")
    second = scheduler_tick(now=now + datetime.timedelta(seconds=20), by="machine-b")
    assert "org.prune_login_failures" in first
    assert second == []
    assert ScheduledRun.objects.filter(job="org.prune_login_failures").count() == 1
    later = scheduler_tick(now=now + datetime.timedelta(hours=1), by="machine-b")
    assert "org.prune_login_failures" in later


def test_slots_are_aligned() -> None:
    every = PERIODIC["org.prune_login_failures"].every
    a = slot_of(datetime.datetime(2026, 3, 2, 9, 1, tzinfo=datetime.UTC), every)
    b = slot_of(datetime.datetime(2026, 3, 2, 9, 59, tzinfo=datetime.UTC), every)
    assert a == b == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def test_the_enqueued_job_runs_after_commit_and_is_idempotent() -> None:
    old = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    LoginFailure.objects.create(username="x", at=old)
    LoginFailure.objects.create(username="y")
    scheduler_tick(now=datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC))  # immediate backend in tests
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["y"]
    PERIODIC["org.prune_login_failures"].task.call()
    assert LoginFailure.objects.count() == 1
