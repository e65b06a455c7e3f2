"""Properties through the public service (real seeded PRC calendar, real default policies)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.conftest import World
from aftersales.sla.calendar import calendar_for
from aftersales.sla.engine import is_working_instant
from aftersales.sla.models import ClockPolicy
from aftersales.sla.services import due_for

SH = ZoneInfo("Asia/Shanghai")
WORKING_CLOCKS = [
    "rma_reply",
    "arrival_urban",
    "arrival_suburban",
    "arrival_same_day",
    "resolution",
    "factory_repair",
    "rma_repair",
    "follow_up",
    "technical_escalation",
]
ALL_RUNNING = [
    *WORKING_CLOCKS,
    "reply",
    "workshop_repair",
    "return_inspection",
    "return_disposition",
    "supplier_repair_100",
    "parts_delivery",
    "complaint_major",
]

starts = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 11, 30)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=SH)
)
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPS
@given(code=st.sampled_from(WORKING_CLOCKS), start=starts)
def test_working_due_times_are_inside_business_hours(world: World, code: str, start: dt.datetime) -> None:
    result = due_for(code=code, start=start, branch=world.hq)
    assert result.due_at is not None
    cal = calendar_for(world.hq).calendar
    # Due at the first instant the time is used up: inside a period, or exactly at a period's end
    # (then the instant just before it is working time).
    assert is_working_instant(cal, result.due_at) or is_working_instant(
        cal, result.due_at - dt.timedelta(microseconds=1)
    )
    local = result.due_at.astimezone(SH).time()
    assert dt.time(8, 30) < local <= dt.time(12, 0) or dt.time(13, 0) < local <= dt.time(17, 30)


@PROPS
@given(
    code=st.sampled_from(ALL_RUNNING),
    start=starts,
    offset=st.integers(min_value=0, max_value=20 * 24 * 60),
    length=st.integers(min_value=1, max_value=20 * 24 * 60),
)
def test_a_pause_never_makes_a_deadline_earlier(
    world: World, code: str, start: dt.datetime, offset: int, length: int
) -> None:
    plain = due_for(code=code, start=start, branch=world.hq)
    paused_at = start + dt.timedelta(minutes=offset)
    pause = (paused_at, paused_at + dt.timedelta(minutes=length))
    with_pause = due_for(code=code, start=start, branch=world.hq, pauses=[pause])
    assert plain.due_at is not None and with_pause.due_at is not None
    assert with_pause.due_at >= plain.due_at
    # and a pause that begins after the deadline changes nothing
    if paused_at >= plain.due_at:
        assert with_pause.due_at == plain.due_at


@pytest.mark.parametrize("code", sorted(ALL_RUNNING))
def test_every_running_clock_has_a_default_policy(world: World, code: str) -> None:
    assert ClockPolicy.objects.filter(code=code, scope_key="default", active=True).count() == 1
