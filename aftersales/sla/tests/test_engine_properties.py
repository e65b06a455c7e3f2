"""Property tests of the deadline engine (hypothesis, deterministic)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aftersales.sla.engine import (
    BusinessCalendar,
    ClockSpec,
    Deadline,
    add_working,
    calendar_from_chinese_calendar,
    compute_deadline,
    elapsed,
    is_working_day,
    working_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")

CALENDARS = {
    "shanghai-official": calendar_from_chinese_calendar(2024, 2026),
    # Monday–Friday fallback in a zone with daylight saving.
    "berlin-weekdays": BusinessCalendar(
        tz=BERLIN,
        periods=((dt.time(8, 0), dt.time(12, 0)), (dt.time(12, 30), dt.time(16, 30))),
        working_days={},
        covered=(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    ),
}

DETERMINISTIC = settings(
    derandomize=True,
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)


@st.composite
def starts(draw: st.DrawFn, cal: BusinessCalendar) -> dt.datetime:
    naive = draw(st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2025, 12, 20)))
    # Aware in the calendar's zone; folds and DST gaps normalised through UTC.
    return naive.replace(tzinfo=cal.tz).astimezone(dt.UTC).astimezone(cal.tz)


durations = st.integers(min_value=0, max_value=5 * 8 * 3600).map(lambda s: dt.timedelta(seconds=s))


@st.composite
def specs(draw: st.DrawFn) -> ClockSpec:
    kind = draw(st.sampled_from(["working", "calendar"]))
    start_rule = draw(st.sampled_from(["immediate", "next_working_day"]))
    warn_ratio = draw(st.sampled_from([0.0, 0.5, 0.75, 0.9, 1.0]))
    if kind == "working" and draw(st.booleans()) and draw(st.booleans()):
        return ClockSpec(kind="working", duration=None, end_of_day=True, warn_ratio=warn_ratio)
    return ClockSpec(
        kind=kind,  # type: ignore[arg-type]
        duration=draw(durations),
        start_rule=start_rule,  # type: ignore[arg-type]
        warn_ratio=warn_ratio,
    )


@st.composite
def closed_pauses(draw: st.DrawFn, start: dt.datetime) -> list[tuple[dt.datetime, dt.datetime | None]]:
    pauses: list[tuple[dt.datetime, dt.datetime | None]] = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        offset = dt.timedelta(minutes=draw(st.integers(min_value=-600, max_value=7 * 24 * 60)))
        length = dt.timedelta(minutes=draw(st.integers(min_value=0, max_value=3 * 24 * 60)))
        pauses.append((start + offset, start + offset + length))
    return pauses


def _due_or_infinity(deadline: Deadline) -> dt.datetime:
    return deadline.due_at if deadline.due_at is not None else dt.datetime.max.replace(tzinfo=dt.UTC)


def _at_business_hours_or_period_end(cal: BusinessCalendar, at: dt.datetime) -> bool:
    local = at.astimezone(cal.tz)
    if not is_working_day(cal, local.date()):
        return False
    return any(
        dt.datetime.combine(local.date(), s, tzinfo=cal.tz)
        <= local
        <= dt.datetime.combine(local.date(), e, tzinfo=cal.tz)
        for s, e in cal.periods
    )


@DETERMINISTIC
@given(data=st.data(), cal=calendars, spec=specs())
def test_working_due_times_fall_in_business_hours_or_at_a_period_end(
    data: st.DataObject, cal: BusinessCalendar, spec: ClockSpec
) -> None:
    start = data.draw(starts(cal))
    pauses = data.draw(closed_pauses(start))
    deadline = compute_deadline(cal, spec, start=start, pauses=pauses)
    assert deadline.due_at is not None and deadline.warn_at is not None
    if spec.kind == "working":
        assert _at_business_hours_or_period_end(cal, deadline.due_at)
        assert _at_business_hours_or_period_end(cal, deadline.warn_at)
    assert deadline.effective_start <= deadline.warn_at <= deadline.due_at
    # What the clock measures up to its due time is exactly its allowance.
    assert elapsed(cal, spec, start=start, until=deadline.due_at, pauses=pauses) == deadline.allowance
    assert deadline.due_at.tzinfo == cal.tz


@DETERMINISTIC
@given(data=st.data(), cal=calendars, spec=specs())
def test_adding_a_pause_never_makes_a_deadline_earlier(
    data: st.DataObject, cal: BusinessCalendar, spec: ClockSpec
) -> None:
    start = data.draw(starts(cal))
    pauses = data.draw(closed_pauses(start))
    extra_start = start + dt.timedelta(minutes=data.draw(st.integers(-600, 10 * 24 * 60)))
    open_pause = data.draw(st.booleans())
    extra_end = None if open_pause else extra_start + dt.timedelta(minutes=data.draw(st.integers(0, 5000)))
    before = compute_deadline(cal, spec, start=start, pauses=pauses)
    after = compute_deadline(cal, spec, start=start, pauses=[*pauses, (extra_start, extra_end)])
    assert _due_or_infinity(after) >= _due_or_infinity(before)
    assert after.paused >= before.paused or after.due_at is None
    if after.due_at is not None and after.warn_at is not None:
        assert after.warn_at <= after.due_at


@DETERMINISTIC
@given(data=st.data(), cal=calendars, duration=durations)
def test_add_working_and_working_between_round_trip(
    data: st.DataObject, cal: BusinessCalendar, duration: dt.timedelta
) -> None:
    start = data.draw(starts(cal))
    due = add_working(cal, start, duration)
    assert due >= start
    assert working_between(cal, start, due) == duration


@DETERMINISTIC
@given(data=st.data(), cal=calendars, spec=specs())
def test_a_later_start_never_gives_an_earlier_due(
    data: st.DataObject, cal: BusinessCalendar, spec: ClockSpec
) -> None:
    start = data.draw(starts(cal))
    later = start + dt.timedelta(seconds=data.draw(st.integers(min_value=0, max_value=5 * 24 * 3600)))
    pauses = data.draw(closed_pauses(start))
    # An end-of-day clock's allowance shrinks with a later start, so a pause overlapping both
    # starts legitimately moves the earlier clock further (EOD + 60 s paused vs EOD + 59 s).
    assume(not (spec.end_of_day and pauses))
    first = compute_deadline(cal, spec, start=start, pauses=pauses)
    second = compute_deadline(cal, spec, start=later, pauses=pauses)
    assert first.due_at is not None and second.due_at is not None
    assert second.due_at >= first.due_at


_WORKDAY: dict[dt.date, bool] = {}


def _brute_force_due(start: dt.datetime, minutes: int) -> dt.datetime:
    """Minute-by-minute reference straight from chinese_calendar and the default hours."""

    def working_minute(local: dt.datetime) -> bool:
        hm = (local.hour, local.minute)
        if not ((8, 30) <= hm < (12, 0) or (13, 0) <= hm < (17, 30)):
            return False
        day = local.date()
        if day not in _WORKDAY:
            _WORKDAY[day] = bool(chinese_calendar.is_workday(day))
        return _WORKDAY[day]

    t = start.astimezone(SHANGHAI).replace(tzinfo=None)  # Shanghai has no DST: wall time is exact
    one = dt.timedelta(minutes=1)
    while minutes:
        if working_minute(t):
            minutes -= 1
        t += one
    return t.replace(tzinfo=SHANGHAI)


@settings(DETERMINISTIC, max_examples=150)
@given(
    start=st.datetimes(
        min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2025, 12, 20), timezones=st.just(SHANGHAI)
    ).map(lambda d: d.replace(second=0, microsecond=0)),
    minutes=st.integers(min_value=1, max_value=16 * 60),
)
def test_working_deadlines_match_a_minute_by_minute_reference(start: dt.datetime, minutes: int) -> None:
    cal = CALENDARS["shanghai-official"]
    assert add_working(cal, start, dt.timedelta(minutes=minutes)) == _brute_force_due(start, minutes)
