"""Business calendar and deadline arithmetic: the single source of truth for SLA clocks.

Pure Python, no Django. Everything else (models, the sweeper, reports) calls
:func:`compute_deadline` and :func:`elapsed`, or the smaller helpers below.

Conventions
-----------
* Every datetime going in must be timezone-aware (``ValueError`` otherwise); every datetime
  coming out is in the calendar's time zone. Internally all instants are UTC, so durations are
  real elapsed time even across a daylight-saving change.
* Business hours are local wall-clock periods of a working day, start inclusive, end
  exclusive. Working time is the real time spent inside those periods.
* ``BusinessCalendar.working_days`` holds explicit per-date facts (official calendar plus branch
  exceptions). A date inside ``covered`` with no entry falls back to Monday–Friday working.
  A date outside ``covered`` raises :class:`CalendarDataMissing`: we never guess a year whose
  official arrangement (调休) has not been entered.
* ``day_periods`` optionally overrides the hours of single *working* dates (e.g. a Saturday
  half-shift); an empty tuple there means "no hours", i.e. effectively a day off.
* A deadline falls at the first instant the allowed time is used up: a working clock that runs
  out at 12:00 is due at 12:00, not 13:00.
* Zero duration: ``add_working(start, 0)`` is ``start`` when ``start`` is working time,
  otherwise :func:`next_opening` (the clock has not been able to run yet).
* Calendar clocks are exact elapsed time (UTC arithmetic): across a DST change "3 days" is
  72 hours, not the same wall-clock time three days later. Calendar clocks with an immediate
  start need no working-day data at all.
* Pauses are ``(paused_at, resumed_at | None)``; they are clipped to the effective start,
  sorted and merged, so overlapping pauses are never double-counted. A pause excludes the
  clock's own kind of time (working time for working clocks, elapsed time for calendar ones).
  A pause that begins at or after the instant the clock ran out changes nothing.
* Open pause (``resumed_at is None``): the due time is unknown in a pure function, so
  ``Deadline.due_at`` (and ``warn_at`` if not reached yet) is ``None``, ``Deadline.paused_since``
  says since when, and ``Deadline.remaining`` is the clock time still to run; recompute with the
  closed pause when the clock resumes.

Speed: the walk jumps period by period and whole days at a time. Each calendar instance memoises
the UTC spans of the dates it has looked at (a private per-instance cache; its inputs are copied into
read-only mappings at construction so the memo can never go stale). Nothing global.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_PERIODS",
    "BusinessCalendar",
    "CalendarDataMissing",
    "ClockSpec",
    "Deadline",
    "Period",
    "add_calendar",
    "add_working",
    "calendar_from_chinese_calendar",
    "compute_deadline",
    "elapsed",
    "end_of_working_day",
    "is_working_day",
    "is_working_instant",
    "next_opening",
    "next_working_day_start",
    "standard_day",
    "working_between",
]

UTC = dt.UTC
Period = tuple[dt.time, dt.time]
Pause = tuple[dt.datetime, dt.datetime | None]
# One business period of one date: UTC start, UTC end, and the zone's UTC offset throughout
# the period (None if it changes inside it), which turns UTC instants into local ones cheaply.
_Span = tuple[dt.datetime, dt.datetime, dt.timedelta | None]
# One date: its spans ('()' = day off), its opening (UTC) and its total working time.
_Day = tuple[tuple[_Span, ...], dt.datetime | None, dt.timedelta]
_ZERO = dt.timedelta(0)
_TICK = dt.timedelta(microseconds=1)
_UNBOUNDED = dt.timedelta.max  # "measure everything" budget for the shared walker

DEFAULT_PERIODS: tuple[Period, ...] = (
    (dt.time(8, 30), dt.time(12, 0)),
    (dt.time(13, 0), dt.time(17, 30)),
)


class CalendarDataMissing(LookupError):
    """The business calendar has no authoritative data for a date (usually a new year)."""

    def __init__(self, date: dt.date, covered: tuple[dt.date, dt.date] | None = None) -> None:
        self.date = date
        self.year = date.year
        self.covered = covered
        where = (
            f"; the calendar covers {covered[0].isoformat()} to {covered[1].isoformat()}"
            if covered is not None
            else ""
        )
        super().__init__(
            f"No working-calendar data for {date.isoformat()} (year {date.year}){where}. "
            f"Enter the official arrangement for {date.year} before computing deadlines."
        )


def _normalise_periods(raw: Sequence[Period], what: str) -> tuple[Period, ...]:
    periods: list[Period] = []
    for period in raw:
        try:
            start, end = period
        except (TypeError, ValueError):
            raise ValueError(f"{what}: each period must be a (start, end) pair, got {period!r}") from None
        if not isinstance(start, dt.time) or not isinstance(end, dt.time):
            raise ValueError(f"{what}: period bounds must be datetime.time, got {period!r}")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{what}: period bounds are local wall-clock times, not aware times")
        if not start < end:
            raise ValueError(f"{what}: period {start}-{end} must end after it starts")
        if periods and start < periods[-1][1]:
            raise ValueError(f"{what}: periods must be sorted and must not overlap")
        periods.append((start, end))
    return tuple(periods)


@dataclass(frozen=True)
class BusinessCalendar:
    """A branch's business calendar. Build a new instance when the data changes."""

    tz: ZoneInfo
    periods: tuple[Period, ...]
    working_days: Mapping[dt.date, bool]
    covered: tuple[dt.date, dt.date]
    day_periods: Mapping[dt.date, tuple[Period, ...]] = field(default_factory=lambda: MappingProxyType({}))
    _days_memo: dict[int, _Day] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.tz, ZoneInfo):
            raise ValueError(f"tz must be a zoneinfo.ZoneInfo, got {self.tz!r}")
        periods = _normalise_periods(self.periods, "periods")
        if not periods:
            raise ValueError("periods: a working day needs at least one business period")
        first, last = self.covered
        if first > last:
            raise ValueError(f"covered: {first} is after {last}")
        day_periods: dict[dt.date, tuple[Period, ...]] = {}
        for day, value in self.day_periods.items():
            day_periods[day] = _normalise_periods(value, f"day_periods[{day}]")
        object.__setattr__(self, "periods", periods)
        object.__setattr__(self, "covered", (first, last))
        object.__setattr__(self, "working_days", MappingProxyType(dict(self.working_days)))
        object.__setattr__(self, "day_periods", MappingProxyType(day_periods))

    def _spans(self, ordinal: int) -> tuple[_Span, ...]:
        """UTC business spans of the local date with this proleptic ordinal ('()' = day off)."""
        day = self._days_memo.get(ordinal)
        return (day if day is not None else self._day(ordinal))[0]

    def _day(self, ordinal: int) -> _Day:
        """Build (and memoise) the spans of one local date; raise outside ``covered``."""
        memo = self._days_memo.get(ordinal)
        if memo is not None:
            return memo
        day = dt.date.fromordinal(ordinal)
        if not self.covered[0] <= day <= self.covered[1]:
            raise CalendarDataMissing(day, self.covered)
        working = self.working_days.get(day)
        if working is None:
            working = day.weekday() < 5  # documented fallback: Monday–Friday
        spans: list[_Span] = []
        if working:
            tz = self.tz
            for start, end in self.day_periods.get(day, self.periods):
                s = dt.datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
                e = dt.datetime.combine(day, end, tzinfo=tz).astimezone(UTC)
                if e <= s:  # a period swallowed by a DST gap has no working time
                    continue
                offset = s.astimezone(tz).utcoffset()
                if offset != e.astimezone(tz).utcoffset() or offset != tz.utcoffset(
                    (s + (e - s) / 2).astimezone(tz)
                ):
                    offset = None
                spans.append((s, e, offset))
        total = sum((e - s for s, e, _ in spans), _ZERO)
        built: _Day = (tuple(spans), spans[0][0] if spans else None, total)
        self._days_memo[ordinal] = built
        return built


@dataclass(frozen=True)
class ClockSpec:
    """How a clock runs: in working or calendar time, for a duration or to the end of the day."""

    kind: Literal["working", "calendar"]
    duration: dt.timedelta | None  # None when end_of_day is used
    end_of_day: bool = False  # due at the end of the working day the clock starts in
    start_rule: Literal["immediate", "next_working_day"] = "immediate"
    warn_ratio: float = 0.75

    def __post_init__(self) -> None:
        if self.kind not in ("working", "calendar"):
            raise ValueError(f"kind must be 'working' or 'calendar', got {self.kind!r}")
        if self.start_rule not in ("immediate", "next_working_day"):
            raise ValueError(f"start_rule must be 'immediate' or 'next_working_day', got {self.start_rule!r}")
        if self.end_of_day == (self.duration is not None):
            raise ValueError("give exactly one of duration or end_of_day=True")
        if self.duration is not None and self.duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {self.duration}")
        if not 0.0 <= self.warn_ratio <= 1.0:
            raise ValueError(f"warn_ratio must be between 0 and 1, got {self.warn_ratio}")


@dataclass(frozen=True)
class Deadline:
    """The computed state of a clock.

    ``due_at``/``warn_at`` are ``None`` only while an open pause holds the clock before it has
    reached that point; then ``paused_since`` is the start of that pause and ``remaining`` the
    clock time still to run. Otherwise ``remaining`` is zero.
    ``paused`` is the clock time excluded by pauses before the due time (before the open pause
    while one holds the clock). ``allowance`` is the clock's full time (for end-of-day clocks,
    the working time from the effective start to the end of that working day).
    """

    effective_start: dt.datetime
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    paused: dt.timedelta
    remaining: dt.timedelta = _ZERO
    paused_since: dt.datetime | None = None
    allowance: dt.timedelta = _ZERO


# --------------------------------------------------------------------------- helpers


def _utc(value: dt.datetime, name: str) -> dt.datetime:
    tz = value.tzinfo
    if tz is UTC:
        return value
    if tz is None or (type(tz) is not ZoneInfo and value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _local(cal: BusinessCalendar, t: dt.datetime, offset: dt.timedelta | None) -> dt.datetime:
    """UTC instant to the calendar's zone; ``offset`` is the zone's offset at ``t`` if known."""
    if offset is None:
        return t.astimezone(cal.tz)
    return (t + offset).replace(tzinfo=cal.tz)


def _non_negative(duration: dt.timedelta) -> None:
    if duration < _ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")


def _ordinal(cal: BusinessCalendar, at_utc: dt.datetime) -> int:
    return at_utc.astimezone(cal.tz).toordinal()


def _run_working(
    cal: BusinessCalendar, t: dt.datetime, budget: dt.timedelta, ordinal: int | None = None
) -> tuple[dt.datetime, dt.timedelta | None, int]:
    """First instant at which ``budget`` of working time from UTC ``t`` is used up.

    Returns ``(instant, offset, ordinal)``: the zone's UTC offset there if known, and the
    instant's local date; ``ordinal`` may be passed in when ``t``'s local date is known.
    Jumps a period or a day at a time (the hot path).
    """
    if ordinal is None:
        ordinal = t.astimezone(cal.tz).toordinal()
    memo = cal._days_memo
    while True:
        day = memo.get(ordinal)
        if day is None:
            day = cal._day(ordinal)
        spans, opening, total = day
        if opening is not None:
            if budget > total and t <= opening:  # the whole day is used: skip it in one step
                budget -= total
            else:
                for span_start, span_end, offset in spans:
                    if span_end <= t:
                        continue
                    s = t if t > span_start else span_start
                    available = span_end - s
                    if budget <= available:
                        return s + budget, offset, ordinal
                    budget -= available
        ordinal += 1


def _run_working_until(
    cal: BusinessCalendar, t: dt.datetime, limit: dt.datetime, budget: dt.timedelta
) -> tuple[dt.datetime | None, dt.timedelta]:
    """Like :func:`_run_working`, but stop at ``limit`` (``t < limit``).

    Returns ``(instant, 0)`` if ``budget`` is used up before ``limit``, else
    ``(None, leftover)``.
    """
    tz = cal.tz
    ordinal = t.astimezone(tz).toordinal()
    last = (limit - _TICK).astimezone(tz).toordinal()
    while True:
        for span_start, span_end, _ in cal._spans(ordinal):
            if span_end <= t:
                continue
            if span_start >= limit:
                return None, budget
            s = t if t > span_start else span_start
            e = limit if limit < span_end else span_end
            available = e - s
            if budget <= available:
                return s + budget, _ZERO
            budget -= available
        if ordinal >= last:
            return None, budget
        ordinal += 1


def _measure(cal: BusinessCalendar, kind: str, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Clock time in [a, b) for UTC instants."""
    if b <= a:
        return _ZERO
    if kind == "calendar":
        return b - a
    leftover = _run_working_until(cal, a, b, _UNBOUNDED)[1]
    return _UNBOUNDED - leftover


def _advance(
    cal: BusinessCalendar,
    kind: str,
    t: dt.datetime,
    limit: dt.datetime | None,
    budget: dt.timedelta,
) -> tuple[dt.datetime | None, dt.timedelta]:
    if kind == "working":
        if limit is None:
            return _run_working(cal, t, budget)[0], _ZERO
        return _run_working_until(cal, t, limit, budget)
    if limit is None or budget <= limit - t:
        return t + budget, _ZERO
    return None, budget - (limit - t)


# --------------------------------------------------------------------------- calendar API


def standard_day(cal: BusinessCalendar) -> dt.timedelta:
    """Length of a standard working day: the sum of the business periods (8 h by default)."""
    today = dt.date(2000, 1, 1)
    return sum(
        (dt.datetime.combine(today, e) - dt.datetime.combine(today, s) for s, e in cal.periods),
        _ZERO,
    )


def is_working_day(cal: BusinessCalendar, day: dt.date) -> bool:
    """Whether ``day`` has business hours (raises CalendarDataMissing outside ``covered``)."""
    return bool(cal._spans(day.toordinal()))


def is_working_instant(cal: BusinessCalendar, at: dt.datetime) -> bool:
    """Inside a business period of a working day (start inclusive, end exclusive)."""
    t = _utc(at, "at")
    return any(s <= t < e for s, e, _ in cal._spans(_ordinal(cal, t)))


def next_opening(cal: BusinessCalendar, at: dt.datetime) -> dt.datetime:
    """``at`` itself if it is working time, else the start of the next business period."""
    instant, offset, _ = _run_working(cal, _utc(at, "at"), _ZERO)
    return _local(cal, instant, offset)


def add_working(cal: BusinessCalendar, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """First instant at which ``duration`` of working time has been used up from ``start``.

    A clock running out exactly at a period end is due at that end. Zero duration gives
    ``start`` if it is working time, else :func:`next_opening`.
    """
    _non_negative(duration)
    instant, offset, _ = _run_working(cal, _utc(start, "start"), duration)
    return _local(cal, instant, offset)


def working_between(cal: BusinessCalendar, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    """Working time in [a, b); zero if ``b <= a``."""
    return _measure(cal, "working", _utc(a, "a"), _utc(b, "b"))


def add_calendar(cal: BusinessCalendar, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
    """Plain elapsed time (exact, also across DST), in the calendar's time zone."""
    _non_negative(duration)
    return (_utc(start, "start") + duration).astimezone(cal.tz)


def _end_of_working_day_utc(cal: BusinessCalendar, t: dt.datetime) -> _Span:
    """The last span of the working day whose working time contains ``t`` (or comes next)."""
    ordinal = _run_working(cal, t, _ZERO)[2]
    return cal._spans(ordinal)[-1]


def end_of_working_day(cal: BusinessCalendar, at: dt.datetime) -> dt.datetime:
    """End of the last period of the working day whose working time contains ``at``.

    Before opening on a working day: that day's end. After hours or on a day off: the end of the
    next working day.
    """
    _, end, offset = _end_of_working_day_utc(cal, _utc(at, "at"))
    return _local(cal, end, offset)


def _next_working_day_start_utc(cal: BusinessCalendar, t: dt.datetime) -> _Span:
    """The first span of the first working day after ``t``'s local date."""
    ordinal = _ordinal(cal, t) + 1
    while True:
        spans = cal._spans(ordinal)
        if spans:
            return spans[0]
        ordinal += 1


def next_working_day_start(cal: BusinessCalendar, at: dt.datetime) -> dt.datetime:
    """Opening of the first working day strictly after ``at``'s local date."""
    opening, _, offset = _next_working_day_start_utc(cal, _utc(at, "at"))
    return _local(cal, opening, offset)


# --------------------------------------------------------------------------- clocks


def _effective_start(cal: BusinessCalendar, spec: ClockSpec, start: dt.datetime) -> dt.datetime:
    if spec.start_rule == "next_working_day":
        return _next_working_day_start_utc(cal, start)[0]
    return start


def _allowance(cal: BusinessCalendar, spec: ClockSpec, effective: dt.datetime) -> dt.timedelta:
    if spec.duration is not None:
        return spec.duration
    end = _end_of_working_day_utc(cal, effective)[1]
    return _measure(cal, spec.kind, effective, end)


def _normalise_pauses(effective: dt.datetime, pauses: Sequence[Pause]) -> list[Pause]:
    """Validate, clip to the effective start, sort and merge (an open pause absorbs the rest)."""
    items: list[Pause] = []
    for index, pause in enumerate(pauses):
        paused_at, resumed_at = pause
        p = _utc(paused_at, f"pauses[{index}] paused_at")
        r = None
        if resumed_at is not None:
            r = _utc(resumed_at, f"pauses[{index}] resumed_at")
            if r < p:
                raise ValueError(
                    f"pauses[{index}]: resumed at {resumed_at.isoformat()} "
                    f"before paused at {paused_at.isoformat()}"
                )
            if r <= effective:
                continue
        if p < effective:
            p = effective
        if r is not None and r <= p:
            continue
        items.append((p, r))
    items.sort(key=lambda item: item[0])
    merged: list[Pause] = []
    for p, r in items:
        if merged:
            last_p, last_r = merged[-1]
            if last_r is None:
                break
            if p <= last_r:
                merged[-1] = (last_p, None if r is None else max(last_r, r))
                continue
        merged.append((p, r))
    return merged


def _locate(
    cal: BusinessCalendar,
    kind: str,
    t: dt.datetime,
    pauses: list[Pause],
    index: int,
    budget: dt.timedelta,
) -> tuple[dt.datetime | None, dt.timedelta, int]:
    """Run the clock from ``t`` (which lies before ``pauses[index]``) until ``budget`` is used.

    Returns the instant and the index of the first pause not yet passed, or
    ``(None, leftover, index)`` when an open pause holds the clock first.
    """
    for i in range(index, len(pauses)):
        p, r = pauses[i]
        if p > t:
            instant, budget = _advance(cal, kind, t, p, budget)
            if instant is not None:
                return instant, _ZERO, i
        if r is None:
            return None, budget, i
        t = r
    instant, budget = _advance(cal, kind, t, None, budget)
    return instant, budget, len(pauses)


def compute_deadline(
    cal: BusinessCalendar,
    spec: ClockSpec,
    *,
    start: dt.datetime,
    pauses: Sequence[Pause] = (),
) -> Deadline:
    """Due and warning instants of a clock started at ``start`` with the given pauses."""
    utc_start = _utc(start, "start")
    kind = spec.kind
    if spec.start_rule == "next_working_day":
        effective, _, start_offset = _next_working_day_start_utc(cal, utc_start)
        effective_local = _local(cal, effective, start_offset)
    else:
        effective = utc_start
        effective_local = start if start.tzinfo is cal.tz else utc_start.astimezone(cal.tz)
    allowance = spec.duration
    if allowance is None:
        allowance = _allowance(cal, spec, effective)
    warn_budget = allowance * spec.warn_ratio  # <= allowance: the ratio is at most 1

    if not pauses:  # the common case, in one walk
        if kind == "working":
            warn, warn_offset, ordinal = _run_working(cal, effective, warn_budget)
            due, due_offset, _ = _run_working(cal, warn, allowance - warn_budget, ordinal)
            due_local = _local(cal, due, due_offset)
            warn_local = due_local if due == warn else _local(cal, warn, warn_offset)
        else:
            tz = cal.tz
            due_local = (effective + allowance).astimezone(tz)
            warn_local = (effective + warn_budget).astimezone(tz)
        return Deadline(
            effective_start=effective_local,
            due_at=due_local,
            warn_at=warn_local,
            paused=_ZERO,
            remaining=_ZERO,
            paused_since=None,
            allowance=allowance,
        )

    merged = _normalise_pauses(effective, pauses)
    # To the warning point, then on from there for the rest of the allowance (running a clock
    # for a and then for b ends where running it for a + b does).
    warn_u, left, index = _locate(cal, kind, effective, merged, 0, warn_budget)
    if warn_u is None:
        due_u, remaining = None, left + (allowance - warn_budget)
    else:
        due_u, remaining, _ = _locate(cal, kind, warn_u, merged, index, allowance - warn_budget)
    paused = _ZERO
    paused_since = None
    for p, r in merged:
        if due_u is not None and p >= due_u:
            break
        if r is None:
            paused_since = p
            break
        paused += _measure(cal, kind, p, r)
    tz = cal.tz
    return Deadline(
        effective_start=effective_local,
        due_at=None if due_u is None else due_u.astimezone(tz),
        warn_at=None if warn_u is None else warn_u.astimezone(tz),
        paused=paused,
        remaining=remaining,
        paused_since=None if paused_since is None else paused_since.astimezone(tz),
        allowance=allowance,
    )


def elapsed(
    cal: BusinessCalendar,
    spec: ClockSpec,
    *,
    start: dt.datetime,
    until: dt.datetime,
    pauses: Sequence[Pause] = (),
) -> dt.timedelta:
    """Clock time used between the effective start and ``until``, excluding pauses."""
    effective = _effective_start(cal, spec, _utc(start, "start"))
    end = _utc(until, "until")
    if end <= effective:
        return _ZERO
    total = _ZERO
    t = effective
    for p, r in _normalise_pauses(effective, pauses):
        if p >= end:
            break
        total += _measure(cal, spec.kind, t, p)
        if r is None or r >= end:
            return total
        t = r
    return total + _measure(cal, spec.kind, t, end)


# --------------------------------------------------------------------------- data helper


def calendar_from_chinese_calendar(
    year_from: int,
    year_to: int,
    tz: str | ZoneInfo = "Asia/Shanghai",
    periods: tuple[Period, ...] = DEFAULT_PERIODS,
) -> BusinessCalendar:
    """A calendar from the ``chinese_calendar`` package's official PRC arrangement.

    Weekends and public holidays are off, make-up working days (调休) on. A year the package
    does not know raises :class:`CalendarDataMissing`.
    """
    import chinese_calendar  # type: ignore[import-untyped,import-not-found,unused-ignore]

    if year_from > year_to:
        raise ValueError(f"year_from {year_from} is after year_to {year_to}")
    first, last = dt.date(year_from, 1, 1), dt.date(year_to, 12, 31)
    working_days: dict[dt.date, bool] = {}
    day = first
    one = dt.timedelta(days=1)
    while day <= last:
        try:
            working_days[day] = bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            raise CalendarDataMissing(day) from None
        day += one
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return BusinessCalendar(tz=zone, periods=periods, working_days=working_days, covered=(first, last))
