"""Build a branch's :class:`~aftersales.sla.engine.BusinessCalendar` from the calendar tables.

Official days (PRC holidays and 调休) are shared; each branch adds its hours, time zone and its
own exceptions. Built calendars are kept per process and rebuilt when the calendar revision (one
row, bumped by every calendar change) or the branch's hours or time zone change, so several app
servers never use stale data for longer than one request.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.org.models import Branch, parse_business_hours
from aftersales.sla import engine
from aftersales.sla.models import BranchDay, CalendarRevision, CalendarYear, OfficialDay

# How far past the last official year deadlines may run, Monday–Friday, marked provisional.
PROVISIONAL_YEARS = 2

HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day"),
    "Spring Festival": _("Spring Festival"),
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    "Labour Day": _("Labour Day"),
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    "National Day": _("National Day"),
    "Mid-autumn Festival": _("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _("Victory Day (70th anniversary)"),
}


def holiday_label(name: str) -> str:
    label = HOLIDAY_NAMES.get(name)
    return str(label) if label is not None else name


@dataclass(frozen=True)
class BranchCalendar:
    """The engine calendar of one branch plus which years are official (not provisional)."""

    branch_id: int
    calendar: engine.BusinessCalendar
    official_years: frozenset[int]

    @property
    def tz(self) -> ZoneInfo:
        return self.calendar.tz

    def is_provisional(self, *instants: dt.datetime | None) -> bool:
        return any(t is not None and t.astimezone(self.tz).year not in self.official_years for t in instants)


_cache: dict[int, tuple[tuple[object, ...], BranchCalendar]] = {}
_lock = threading.Lock()


def calendar_revision() -> str:
    return CalendarRevision.objects.filter(pk=1).values_list("token", flat=True).first() or ""


def calendar_bump() -> None:
    """Call inside the transaction of every calendar change."""
    token = uuid.uuid4().hex
    if not CalendarRevision.objects.filter(pk=1).update(token=token):
        CalendarRevision.objects.update_or_create(pk=1, defaults={"token": token})


def calendar_for(branch: Branch, *, revision: str | None = None) -> BranchCalendar:
    """The branch's calendar. Pass ``revision`` when computing many deadlines in one go."""
    rev = calendar_revision() if revision is None else revision
    key = (rev, branch.timezone, json.dumps(branch.business_hours))
    hit = _cache.get(branch.pk)
    if hit is not None and hit[0] == key:
        return hit[1]
    built = _build(branch)
    with _lock:
        _cache[branch.pk] = (key, built)
    return built


def _build(branch: Branch) -> BranchCalendar:
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    today = timezone.localdate()
    first_year = min(years) if years else today.year
    last_year = max(max(years) if years else today.year, today.year) + PROVISIONAL_YEARS
    working: dict[dt.date, bool] = dict(
        OfficialDay.objects.filter(date__year__in=years).values_list("date", "is_working")
    )
    day_periods: dict[dt.date, tuple[engine.Period, ...]] = {}
    for day in BranchDay.objects.filter(branch_id=branch.pk) if branch.pk else ():
        working[day.date] = day.is_working
        if day.is_working and day.periods:
            day_periods[day.date] = tuple(parse_business_hours(day.periods))
    cal = engine.BusinessCalendar(
        tz=ZoneInfo(branch.timezone),
        periods=tuple(parse_business_hours(branch.business_hours)),
        working_days=working,
        covered=(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)),
        day_periods=day_periods,
    )
    return BranchCalendar(branch_id=branch.pk, calendar=cal, official_years=years)


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    is_working: bool
    kind: str  # workday | weekend | holiday | makeup | branch_closed | branch_open
    name: str
    periods: tuple[engine.Period, ...]
    official: bool


def month_days(branch: Branch, year: int, month: int) -> list[DayInfo]:
    """Every day of a month with what kind of day it is, for the calendar page and API."""
    bc = calendar_for(branch)
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    official = {d.date: d for d in OfficialDay.objects.filter(date__gte=first, date__lt=nxt)}
    local = {d.date: d for d in BranchDay.objects.filter(branch=branch, date__gte=first, date__lt=nxt)}
    periods = tuple(parse_business_hours(branch.business_hours))
    out: list[DayInfo] = []
    day = first
    while day < nxt:
        weekday = day.weekday() < 5
        o = official.get(day)
        b = local.get(day)
        if b is not None:
            is_working = b.is_working
            kind = "branch_open" if is_working else "branch_closed"
            name = b.note
            day_hours = tuple(parse_business_hours(b.periods)) if (is_working and b.periods) else periods
        elif o is not None:
            is_working = o.is_working
            kind = "makeup" if (is_working and not weekday) else ("holiday" if not is_working else "workday")
            name = holiday_label(o.name)
            day_hours = periods
        else:
            is_working = weekday
            kind = "workday" if weekday else "weekend"
            name = ""
            day_hours = periods
        out.append(
            DayInfo(
                date=day,
                is_working=is_working,
                kind=kind,
                name=name,
                periods=day_hours if is_working else (),
                official=day.year in bc.official_years,
            )
        )
        day += dt.timedelta(days=1)
    return out
