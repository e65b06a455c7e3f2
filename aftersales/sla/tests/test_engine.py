"""Deadline arithmetic against the worked scenarios (scenarios.md S1–S5, S14, S16) and edge cases.

Pure Python: no database, no Django settings needed.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from aftersales.sla.engine import (
    BusinessCalendar,
    CalendarDataMissing,
    ClockSpec,
    add_calendar,
    add_working,
    calendar_from_chinese_calendar,
    compute_deadline,
    elapsed,
    end_of_working_day,
    is_working_day,
    is_working_instant,
    next_opening,
    next_working_day_start,
    standard_day,
    working_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
URUMQI = ZoneInfo("Asia/Urumqi")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[arg-type, misc]


def working(duration: dt.timedelta) -> ClockSpec:
    return ClockSpec(kind="working", duration=duration)


def calendar(duration: dt.timedelta) -> ClockSpec:
    return ClockSpec(kind="calendar", duration=duration)


END_OF_DAY = ClockSpec(kind="working", duration=None, end_of_day=True)


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return calendar_from_chinese_calendar(2025, 2025)


@pytest.fixture(scope="module")
def cal_2025_2026() -> BusinessCalendar:
    return calendar_from_chinese_calendar(2025, 2026)


# --------------------------------------------------------------------------- the official calendar


def test_it_knows_the_official_2025_arrangement(cal: BusinessCalendar) -> None:
    assert standard_day(cal) == hours(8)
    assert is_working_day(cal, dt.date(2025, 1, 26))  # Sunday, make-up working day
    assert is_working_day(cal, dt.date(2025, 2, 8))  # Saturday, make-up working day
    assert not is_working_day(cal, dt.date(2025, 1, 25))  # ordinary Saturday
    assert not is_working_day(cal, dt.date(2025, 10, 1))  # National Day
    assert not is_working_day(cal, dt.date(2025, 10, 8))  # last day of the long holiday
    assert is_working_day(cal, dt.date(2025, 10, 9))


# --------------------------------------------------------------------------- scenarios


def test_s1_arrival_across_the_october_holiday(cal: BusinessCalendar) -> None:
    start = sh(2025, 9, 30, 15, 0)
    urban = compute_deadline(cal, working(hours(6)), start=start)
    suburban = compute_deadline(cal, working(hours(7)), start=start)
    assert urban.due_at == sh(2025, 10, 9, 12, 0)  # due at 12:00, not 13:00 after lunch
    assert suburban.due_at == sh(2025, 10, 9, 14, 0)
    assert urban.effective_start == start
    assert urban.paused == dt.timedelta(0)


def test_s2_make_up_sunday_counts_as_a_working_day(cal: BusinessCalendar) -> None:
    deadline = compute_deadline(cal, working(hours(6)), start=sh(2025, 9, 27, 10, 0))
    assert deadline.due_at == sh(2025, 9, 28, 15, 30)


S3_SPEC = ClockSpec(kind="working", duration=hours(40), start_rule="next_working_day")
S3_RECEIVED = sh(2025, 1, 24, 16, 0)


def test_s3_mail_in_repair_without_pause(cal: BusinessCalendar) -> None:
    deadline = compute_deadline(cal, S3_SPEC, start=S3_RECEIVED)
    assert S3_SPEC.duration == 5 * standard_day(cal)
    assert deadline.effective_start == sh(2025, 1, 26, 8, 30)  # make-up Sunday opening
    assert deadline.due_at == sh(2025, 2, 7, 17, 30)
    assert deadline.paused == dt.timedelta(0)


def test_s3_mail_in_repair_with_payment_pause_across_the_spring_festival(
    cal: BusinessCalendar,
) -> None:
    pause = (sh(2025, 1, 27, 10, 0), sh(2025, 2, 5, 10, 0))
    deadline = compute_deadline(cal, S3_SPEC, start=S3_RECEIVED, pauses=[pause])
    assert deadline.due_at == sh(2025, 2, 8, 17, 30)  # Saturday, a make-up working day
    assert deadline.warn_at == sh(2025, 2, 7, 15, 30)  # 30 of 40 working hours
    # Only the working time inside the pause is excluded: Jan 27 10:00-17:30 and Feb 5 08:30-10:00.
    assert deadline.paused == hours(8)
    assert elapsed(cal, S3_SPEC, start=S3_RECEIVED, until=sh(2025, 2, 8, 17, 30), pauses=[pause]) == (
        hours(40)
    )


def test_s3_open_pause_leaves_the_due_time_unknown(cal: BusinessCalendar) -> None:
    deadline = compute_deadline(cal, S3_SPEC, start=S3_RECEIVED, pauses=[(sh(2025, 1, 27, 10, 0), None)])
    assert deadline.due_at is None
    assert deadline.warn_at is None
    assert deadline.paused_since == sh(2025, 1, 27, 10, 0)
    assert deadline.remaining == hours(40 - 9.5)  # Jan 26: 8 h, Jan 27: 1.5 h used
    assert deadline.paused == dt.timedelta(0)


def test_s4_return_clocks_are_calendar_time(cal: BusinessCalendar) -> None:
    received = sh(2025, 3, 3, 9, 0)
    assert compute_deadline(cal, calendar(hours(48)), start=received).due_at == sh(2025, 3, 5, 9, 0)
    assert compute_deadline(cal, calendar(days(3)), start=received).due_at == sh(2025, 3, 6, 9, 0)
    deemed = compute_deadline(cal, calendar(days(2)), start=sh(2025, 3, 4, 15, 0))
    assert deemed.due_at == sh(2025, 3, 6, 15, 0)
    assert compute_deadline(cal, calendar(days(15)), start=received).due_at == sh(2025, 3, 18, 9, 0)


def test_s5_warning_at_75_percent(cal: BusinessCalendar) -> None:
    deadline = compute_deadline(cal, working(hours(6)), start=sh(2025, 3, 3, 9, 0))
    assert deadline.warn_at == sh(2025, 3, 3, 14, 30)
    assert deadline.due_at == sh(2025, 3, 3, 16, 0)


def test_s14_working_days(cal: BusinessCalendar) -> None:
    one_day = standard_day(cal)
    rma_reply = compute_deadline(cal, working(one_day), start=sh(2025, 3, 3, 10, 0))
    assert rma_reply.due_at == sh(2025, 3, 4, 10, 0)
    resolution = compute_deadline(cal, working(3 * one_day), start=sh(2025, 4, 30, 10, 0))
    assert resolution.due_at == sh(2025, 5, 8, 10, 0)


def test_s16_supplier_bands_and_workshop_are_calendar_days(cal: BusinessCalendar) -> None:
    sent = sh(2025, 3, 7, 10, 0)
    assert compute_deadline(cal, calendar(days(4)), start=sent).due_at == sh(2025, 3, 11, 10, 0)
    assert compute_deadline(cal, calendar(days(7)), start=sent).due_at == sh(2025, 3, 14, 10, 0)
    assert compute_deadline(cal, calendar(days(3)), start=sent).due_at == sh(2025, 3, 10, 10, 0)


# --------------------------------------------------------------------------- starts


def test_a_start_inside_the_lunch_break_counts_from_13_00(cal: BusinessCalendar) -> None:
    start = sh(2025, 3, 3, 12, 20)
    assert not is_working_instant(cal, start)
    assert next_opening(cal, start) == sh(2025, 3, 3, 13, 0)
    assert compute_deadline(cal, working(hours(6)), start=start).due_at == sh(2025, 3, 4, 10, 0)


def test_a_start_after_hours_counts_from_the_next_opening(cal: BusinessCalendar) -> None:
    friday_evening = sh(2025, 3, 7, 19, 45)
    assert next_opening(cal, friday_evening) == sh(2025, 3, 10, 8, 30)
    deadline = compute_deadline(cal, working(hours(6)), start=friday_evening)
    assert deadline.due_at == sh(2025, 3, 10, 15, 30)
    assert deadline.warn_at == sh(2025, 3, 10, 14, 0)


def test_a_start_on_a_make_up_saturday(cal: BusinessCalendar) -> None:
    start = sh(2025, 10, 11, 10, 0)  # Saturday, make-up working day after National Day
    assert is_working_instant(cal, start)
    assert compute_deadline(cal, working(hours(6)), start=start).due_at == sh(2025, 10, 11, 17, 0)
    assert compute_deadline(cal, working(hours(7)), start=start).due_at == sh(2025, 10, 13, 9, 0)


def test_period_bounds_start_inclusive_end_exclusive(cal: BusinessCalendar) -> None:
    assert is_working_instant(cal, sh(2025, 3, 3, 8, 30))
    assert not is_working_instant(cal, sh(2025, 3, 3, 12, 0))
    assert is_working_instant(cal, sh(2025, 3, 3, 13, 0))
    assert not is_working_instant(cal, sh(2025, 3, 3, 17, 30))
    assert next_opening(cal, sh(2025, 3, 3, 17, 30)) == sh(2025, 3, 4, 8, 30)


def test_a_clock_running_out_at_a_period_end_is_due_at_that_end(cal: BusinessCalendar) -> None:
    assert add_working(cal, sh(2025, 3, 3, 8, 30), hours(3.5)) == sh(2025, 3, 3, 12, 0)
    assert add_working(cal, sh(2025, 3, 3, 8, 30), hours(8)) == sh(2025, 3, 3, 17, 30)


def test_next_working_day_start_skips_the_rest_of_the_day_and_days_off(cal: BusinessCalendar) -> None:
    assert next_working_day_start(cal, sh(2025, 3, 3, 7, 0)) == sh(2025, 3, 4, 8, 30)
    assert next_working_day_start(cal, sh(2025, 9, 30, 9, 0)) == sh(2025, 10, 9, 8, 30)


# --------------------------------------------------------------------------- pauses


def test_a_pause_spanning_a_holiday_excludes_only_working_time(cal: BusinessCalendar) -> None:
    start = sh(2025, 4, 29, 9, 0)  # Tue; May 1-5 are holidays, Sun Apr 27 was a make-up day
    pause = (sh(2025, 4, 30, 16, 0), sh(2025, 5, 6, 9, 0))
    spec = working(hours(16))
    without = compute_deadline(cal, spec, start=start)
    with_pause = compute_deadline(cal, spec, start=start, pauses=[pause])
    assert without.due_at == sh(2025, 5, 6, 9, 0)
    # Used before the pause: Apr 29 7.5 h + Apr 30 6.5 h = 14 h; 2 h left from May 6 09:00.
    assert with_pause.due_at == sh(2025, 5, 6, 11, 0)
    assert with_pause.paused == hours(1.5 + 0.5)  # Apr 30 16:00-17:30 and May 6 08:30-09:00


def test_calendar_clock_pause_excludes_elapsed_time(cal: BusinessCalendar) -> None:
    pause = (sh(2025, 3, 4, 12, 0), sh(2025, 3, 5, 18, 0))
    deadline = compute_deadline(cal, calendar(hours(48)), start=sh(2025, 3, 3, 9, 0), pauses=[pause])
    assert deadline.paused == hours(30)
    assert deadline.due_at == sh(2025, 3, 6, 15, 0)
    assert deadline.warn_at == sh(2025, 3, 6, 3, 0)  # 27 h before the pause + 9 h after it


def test_overlapping_and_unsorted_pauses_are_merged_not_double_counted(cal: BusinessCalendar) -> None:
    start = sh(2025, 3, 3, 9, 0)
    spec = working(hours(6))
    merged = compute_deadline(cal, spec, start=start, pauses=[(sh(2025, 3, 3, 10, 0), sh(2025, 3, 3, 14, 0))])
    messy = compute_deadline(
        cal,
        spec,
        start=start,
        pauses=[
            (sh(2025, 3, 3, 13, 0), sh(2025, 3, 3, 14, 0)),
            (sh(2025, 3, 3, 10, 0), sh(2025, 3, 3, 11, 30)),
            (sh(2025, 3, 3, 11, 0), sh(2025, 3, 3, 13, 30)),
            (sh(2025, 3, 3, 10, 0), sh(2025, 3, 3, 11, 30)),  # the same pause recorded twice
        ],
    )
    assert merged.paused == hours(3)  # 10:00-12:00 and 13:00-14:00
    assert merged.due_at == sh(2025, 3, 4, 10, 0)
    assert messy == merged


def test_a_pause_after_the_deadline_does_not_help(cal: BusinessCalendar) -> None:
    start = sh(2025, 3, 3, 9, 0)
    spec = working(hours(6))
    late_pause = (sh(2025, 3, 3, 16, 30), sh(2025, 3, 5, 9, 0))
    deadline = compute_deadline(cal, spec, start=start, pauses=[late_pause])
    assert deadline.due_at == sh(2025, 3, 3, 16, 0)
    assert deadline.paused == dt.timedelta(0)
    held_too_late = compute_deadline(cal, spec, start=start, pauses=[(sh(2025, 3, 3, 16, 0), None)])
    assert held_too_late.due_at == sh(2025, 3, 3, 16, 0)
    assert held_too_late.paused_since is None


def test_a_pause_before_the_start_is_clipped(cal: BusinessCalendar) -> None:
    start = sh(2025, 3, 3, 9, 0)
    deadline = compute_deadline(
        cal, working(hours(6)), start=start, pauses=[(sh(2025, 3, 1, 0, 0), sh(2025, 3, 3, 10, 0))]
    )
    assert deadline.paused == hours(1)
    assert deadline.due_at == sh(2025, 3, 3, 17, 0)


def test_a_pause_resumed_before_it_started_is_refused(cal: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="before paused"):
        compute_deadline(
            cal,
            working(hours(6)),
            start=sh(2025, 3, 3, 9, 0),
            pauses=[(sh(2025, 3, 3, 11), sh(2025, 3, 3, 10))],
        )


def test_elapsed_excludes_pauses_and_open_pauses(cal: BusinessCalendar) -> None:
    start = sh(2025, 3, 3, 9, 0)
    spec = working(hours(6))
    assert elapsed(cal, spec, start=start, until=sh(2025, 3, 3, 14, 0)) == hours(4)
    pauses = [(sh(2025, 3, 3, 10, 0), sh(2025, 3, 3, 11, 0)), (sh(2025, 3, 3, 13, 30), None)]
    assert elapsed(cal, spec, start=start, until=sh(2025, 3, 4, 14, 0), pauses=pauses) == hours(2.5)
    assert elapsed(cal, spec, start=start, until=start - hours(1)) == dt.timedelta(0)


# --------------------------------------------------------------------------- end of day, zero


def test_end_of_working_day_clocks(cal: BusinessCalendar) -> None:
    morning = compute_deadline(cal, END_OF_DAY, start=sh(2025, 3, 3, 10, 0))
    assert morning.due_at == sh(2025, 3, 3, 17, 30)
    assert morning.allowance == hours(6.5)
    assert morning.warn_at == add_working(cal, sh(2025, 3, 3, 10, 0), hours(6.5) * 0.75)
    assert morning.warn_at == sh(2025, 3, 3, 15, 52, 30)
    # Before opening: the same day. After hours or on a day off: the next working day.
    assert compute_deadline(cal, END_OF_DAY, start=sh(2025, 3, 3, 7, 0)).due_at == sh(2025, 3, 3, 17, 30)
    assert compute_deadline(cal, END_OF_DAY, start=sh(2025, 3, 3, 17, 30)).due_at == sh(2025, 3, 4, 17, 30)
    assert compute_deadline(cal, END_OF_DAY, start=sh(2025, 9, 30, 18, 0)).due_at == sh(2025, 10, 9, 17, 30)
    assert end_of_working_day(cal, sh(2025, 9, 27, 11, 0)) == sh(2025, 9, 28, 17, 30)
    # A pause during the day moves an end-of-day clock by the working time it held.
    paused = compute_deadline(
        cal, END_OF_DAY, start=sh(2025, 3, 3, 10, 0), pauses=[(sh(2025, 3, 3, 16, 0), sh(2025, 3, 4, 9, 0))]
    )
    assert paused.due_at == sh(2025, 3, 4, 10, 30)


def test_zero_duration(cal: BusinessCalendar) -> None:
    zero = dt.timedelta(0)
    during = sh(2025, 3, 3, 10, 15)
    assert add_working(cal, during, zero) == during
    assert add_working(cal, sh(2025, 3, 3, 12, 0), zero) == sh(2025, 3, 3, 13, 0)
    assert add_working(cal, sh(2025, 10, 1, 10, 0), zero) == sh(2025, 10, 9, 8, 30)
    deadline = compute_deadline(cal, working(zero), start=sh(2025, 3, 3, 18, 0))
    assert deadline.due_at == deadline.warn_at == sh(2025, 3, 4, 8, 30)
    assert compute_deadline(cal, calendar(zero), start=during).due_at == during


def test_working_between(cal: BusinessCalendar) -> None:
    assert working_between(cal, sh(2025, 9, 30, 15, 0), sh(2025, 10, 9, 12, 0)) == hours(6)
    assert working_between(cal, sh(2025, 3, 3, 0, 0), sh(2025, 3, 10, 0, 0)) == hours(40)
    assert working_between(cal, sh(2025, 3, 4), sh(2025, 3, 3)) == dt.timedelta(0)


def test_add_calendar_returns_the_calendar_time_zone(cal: BusinessCalendar) -> None:
    result = add_calendar(cal, dt.datetime(2025, 3, 3, 1, 0, tzinfo=UTC), hours(24))
    assert result == sh(2025, 3, 4, 9, 0)
    assert result.tzinfo == SHANGHAI


# --------------------------------------------------------------------------- time zones


def _weekday_calendar(tz: ZoneInfo) -> BusinessCalendar:
    """Monday–Friday fallback: no explicit dates, only the covered range."""
    return BusinessCalendar(
        tz=tz,
        periods=((dt.time(8, 30), dt.time(12, 0)), (dt.time(13, 0), dt.time(17, 30))),
        working_days={},
        covered=(dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    )


def test_branches_in_different_time_zones_have_different_utc_deadlines() -> None:
    start = dt.datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 Shanghai, 07:00 Urumqi
    spec = working(hours(6))
    shanghai = compute_deadline(_weekday_calendar(SHANGHAI), spec, start=start).due_at
    urumqi = compute_deadline(_weekday_calendar(URUMQI), spec, start=start).due_at
    assert shanghai == dt.datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # 16:00 +08:00
    assert urumqi == dt.datetime(2025, 3, 3, 9, 30, tzinfo=UTC)  # 15:30 +06:00 (starts 08:30)
    assert urumqi is not None and urumqi.tzinfo == URUMQI
    assert urumqi.hour == 15 and urumqi.minute == 30


def test_berlin_business_hours_across_the_dst_change() -> None:
    berlin = _weekday_calendar(BERLIN)
    start = dt.datetime(2025, 3, 28, 16, 0, tzinfo=BERLIN)  # Fri, CET; clocks go forward Sun 30th
    due = compute_deadline(berlin, working(hours(6)), start=start).due_at
    assert due == dt.datetime(2025, 3, 31, 14, 0, tzinfo=BERLIN)
    assert due == dt.datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
    # Calendar clocks are exact elapsed time: 72 h later is 17:00 CEST, not 16:00.
    assert add_calendar(berlin, start, days(3)) == dt.datetime(2025, 3, 31, 17, 0, tzinfo=BERLIN)


def test_a_period_spanning_the_dst_change_counts_real_time() -> None:
    night = BusinessCalendar(
        tz=BERLIN,
        periods=((dt.time(1, 0), dt.time(4, 0)),),
        working_days={dt.date(2025, 3, 30): True},
        covered=(dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
    )
    start = dt.datetime(2025, 3, 30, 1, 0, tzinfo=BERLIN)  # 01:00 CET; 02:00 -> 03:00 CEST
    assert working_between(night, start, dt.datetime(2025, 3, 30, 4, 0, tzinfo=BERLIN)) == hours(2)
    due = add_working(night, start, hours(1.5))
    assert due == dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert (due.hour, due.minute, due.utcoffset()) == (3, 30, hours(2))


# --------------------------------------------------------------------------- calendar data


def test_dates_without_explicit_facts_fall_back_to_monday_to_friday() -> None:
    cal = BusinessCalendar(
        tz=SHANGHAI,
        periods=((dt.time(9, 0), dt.time(17, 0)),),
        working_days={dt.date(2025, 3, 4): False, dt.date(2025, 3, 8): True},
        covered=(dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
        day_periods={dt.date(2025, 3, 8): ((dt.time(9, 0), dt.time(12, 0)),)},  # Saturday half-shift
    )
    assert standard_day(cal) == hours(8)
    assert [is_working_day(cal, dt.date(2025, 3, d)) for d in range(2, 10)] == [
        False,  # Sun
        True,  # Mon
        False,  # Tue, explicitly off
        True,
        True,
        True,
        True,  # Sat, explicitly on
        False,  # Sun
    ]
    assert add_working(cal, sh(2025, 3, 7, 9, 0), hours(10)) == sh(2025, 3, 8, 11, 0)
    assert add_working(cal, sh(2025, 3, 7, 9, 0), hours(12)) == sh(2025, 3, 10, 10, 0)


def test_a_year_without_calendar_data_raises(cal: BusinessCalendar) -> None:
    with pytest.raises(CalendarDataMissing, match="2031") as caught:
        compute_deadline(cal, working(hours(6)), start=sh(2031, 3, 3, 9, 0))
    assert caught.value.date == dt.date(2031, 3, 3)
    assert caught.value.year == 2031
    with pytest.raises(CalendarDataMissing, match="2031"):
        calendar_from_chinese_calendar(2031, 2031)


def test_a_clock_running_into_an_unknown_year_raises_rather_than_guessing(cal: BusinessCalendar) -> None:
    with pytest.raises(CalendarDataMissing, match="year 2026"):
        compute_deadline(cal, working(hours(16)), start=sh(2025, 12, 31, 9, 0))


def test_a_clock_running_into_the_next_known_year(cal_2025_2026: BusinessCalendar) -> None:
    # 2025-12-31 Wed; 2026-01-01..03 holiday; Sun 2026-01-04 is a make-up working day.
    due = compute_deadline(cal_2025_2026, working(hours(16)), start=sh(2025, 12, 31, 9, 0)).due_at
    assert due == sh(2026, 1, 5, 9, 0)


def test_calendar_clocks_need_no_working_day_data(cal: BusinessCalendar) -> None:
    deadline = compute_deadline(cal, calendar(days(4)), start=sh(2031, 3, 7, 10, 0))
    assert deadline.due_at == sh(2031, 3, 11, 10, 0)


# --------------------------------------------------------------------------- input validation


def test_naive_datetimes_are_refused(cal: BusinessCalendar) -> None:
    naive = dt.datetime(2025, 3, 3, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_deadline(cal, working(hours(6)), start=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_deadline(cal, working(hours(6)), start=sh(2025, 3, 3, 9), pauses=[(naive, None)])
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working(cal, naive, hours(1))
    with pytest.raises(ValueError, match="timezone-aware"):
        working_between(cal, sh(2025, 3, 3), naive)


def test_invalid_specs_and_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        ClockSpec(kind="working", duration=None)
    with pytest.raises(ValueError, match="exactly one"):
        ClockSpec(kind="working", duration=hours(1), end_of_day=True)
    with pytest.raises(ValueError, match="negative"):
        ClockSpec(kind="working", duration=-hours(1))
    with pytest.raises(ValueError, match="warn_ratio"):
        ClockSpec(kind="working", duration=hours(1), warn_ratio=1.5)
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar(
            tz=SHANGHAI,
            periods=((dt.time(8), dt.time(12)), (dt.time(11), dt.time(17))),
            working_days={},
            covered=(dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        )


def test_the_calendar_copies_its_data(cal: BusinessCalendar) -> None:
    facts = {dt.date(2025, 3, 3): False}
    copy = BusinessCalendar(
        tz=SHANGHAI,
        periods=cal.periods,
        working_days=facts,
        covered=(dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    )
    facts[dt.date(2025, 3, 3)] = True  # later edits to the source do not leak into the calendar
    assert not is_working_day(copy, dt.date(2025, 3, 3))
