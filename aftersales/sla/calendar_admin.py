"""Changing the business calendar: seed from the package, enter a year, branch exceptions.

Every change bumps the calendar revision (so each process rebuilds its calendars), is written to
the trail and, after commit, recomputes the deadlines of open clocks in the background.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.org.models import Branch, User, parse_business_hours
from aftersales.sla.calendar import calendar_bump
from aftersales.sla.models import BranchDay, CalendarYear, OfficialDay


@dataclass(frozen=True)
class DayEntry:
    date: dt.date
    is_working: bool
    name: str = ""


def _recompute_later(branch_ids: list[int] | None) -> None:
    from aftersales.sla.tasks import sla_recompute

    transaction.on_commit(lambda: sla_recompute.enqueue(branch_ids))


def package_days(year: int) -> list[DayEntry] | None:
    """The official arrangement of ``year`` from the chinesecalendar package, or None if unknown."""
    import chinese_calendar  # type: ignore[import-untyped,import-not-found,unused-ignore]

    day = dt.date(year, 1, 1)
    out: list[DayEntry] = []
    while day.year == year:
        try:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return None
        weekday = day.weekday() < 5
        if weekday and is_holiday:
            out.append(DayEntry(day, False, name or ""))
        elif not weekday and not is_holiday:
            out.append(DayEntry(day, True, name or ""))
        elif not weekday and is_holiday and name:
            out.append(DayEntry(day, False, name))
        day += dt.timedelta(days=1)
    return out


def seed_calendar_from_package() -> list[int]:
    """Add every year the package knows and the database does not (never overwrites)."""
    import chinese_calendar.constants as constants  # type: ignore[import-untyped,import-not-found,unused-ignore]

    first = min(constants.holidays).year
    last = max(constants.holidays).year
    have = set(CalendarYear.objects.values_list("year", flat=True))
    added: list[int] = []
    with transaction.atomic():
        for year in range(first, last + 1):
            if year in have:
                continue
            days = package_days(year)
            if days is None:
                continue
            CalendarYear.objects.create(year=year, source=CalendarYear.Source.PACKAGE)
            OfficialDay.objects.bulk_create(
                [OfficialDay(date=d.date, is_working=d.is_working, name=d.name) for d in days]
            )
            added.append(year)
        if added:
            calendar_bump()
    return added


def parse_year_text(year: int, text: str) -> list[DayEntry]:
    """Lines ``YYYY-MM-DD off|on [name]`` (``休``/``班`` also accepted); ranges ``A..B off name``."""
    entries: dict[dt.date, DayEntry] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        problem = None
        if len(parts) < 2:
            problem = _("write “date off|on name”")
        else:
            when, flag = parts[0], parts[1].lower()
            name = parts[2].strip() if len(parts) > 2 else ""
            if flag in ("off", "休", "holiday"):
                working = False
            elif flag in ("on", "班", "work", "makeup"):
                working = True
            else:
                problem = _("the second word must be off (休) or on (班)")
            if problem is None:
                try:
                    if ".." in when:
                        a, b = (dt.date.fromisoformat(x) for x in when.split("..", 1))
                    else:
                        a = b = dt.date.fromisoformat(when)
                except ValueError:
                    problem = _("“%(d)s” is not a date like 2027-01-01") % {"d": when}
                else:
                    if a > b or a.year != year or b.year != year:
                        problem = _("dates must lie in %(y)s, in order") % {"y": year}
                    else:
                        day = a
                        while day <= b:
                            entries[day] = DayEntry(day, working, name)
                            day += dt.timedelta(days=1)
        if problem is not None:
            message = _("Line %(n)s: %(problem)s.") % {"n": number, "problem": problem}
            raise InvalidInput(f"days: {message}", fields={"days": [message]})
    return sorted(entries.values(), key=lambda e: e.date)


@transaction.atomic
def calendar_year_set(
    *, year: int, days: list[DayEntry], access: Access, by: User, note: str = "", source: str = "manual"
) -> CalendarYear:
    """Enter or correct a year's official arrangement (replaces that year's days)."""
    if not access.can("sla.calendar.manage"):
        raise PermissionDenied()
    if not 2000 <= year <= 2100:
        raise InvalidInput(_("year: between 2000 and 2100."), fields={"year": [_("Between 2000 and 2100.")]})
    for entry in days:
        if entry.date.year != year:
            raise InvalidInput(
                _("days: %(d)s is not in %(y)s.") % {"d": entry.date, "y": year},
                fields={"days": [_("Every date must lie in %(y)s.") % {"y": year}]},
            )
    before = {
        d.isoformat(): w
        for d, w in OfficialDay.objects.filter(date__year=year).values_list("date", "is_working")
    }
    OfficialDay.objects.filter(date__year=year).delete()
    OfficialDay.objects.bulk_create(
        [OfficialDay(date=e.date, is_working=e.is_working, name=e.name[:50]) for e in days]
    )
    cy, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": source, "note": note[:200], "updated_by": by}
    )
    after = {e.date.isoformat(): e.is_working for e in days}
    changed = {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }
    calendar_bump()
    event_record(
        kind="calendar_year_set",
        subject=cy,
        actor=by,
        to_value=str(year),
        data={"days": len(days), "changes": changed},
        reason=note,
    )
    _recompute_later(None)
    return cy


def calendar_year_from_package(*, year: int, access: Access, by: User) -> CalendarYear:
    days = package_days(year)
    if days is None:
        raise InvalidInput(
            _("year: the chinesecalendar package does not know %(y)s yet; enter the arrangement by hand.")
            % {"y": year},
            fields={"year": [_("Not in the package.")]},
        )
    return calendar_year_set(
        year=year, days=days, access=access, by=by, note="chinesecalendar", source=CalendarYear.Source.PACKAGE
    )


@transaction.atomic
def branch_day_set(
    *,
    branch_id: int,
    date: dt.date,
    is_working: bool,
    access: Access,
    by: User,
    periods: list[list[str]] | None = None,
    note: str = "",
) -> BranchDay:
    """A branch's own closed day or extra shift (optionally with its own hours)."""
    branch = Branch.objects.filter(pk=branch_id).first()
    if branch is None or not access.can("sla.calendar.branch", branch_id):
        raise NotFound()
    if periods:
        if not is_working:
            raise InvalidInput(
                _("periods: a closed day has no business hours."), fields={"periods": [_("Leave empty.")]}
            )
        try:
            parse_business_hours(periods)
        except ValidationError as exc:
            raise InvalidInput(f"periods: {exc.messages[0]}", fields={"periods": exc.messages}) from exc
    day, _created = BranchDay.objects.update_or_create(
        branch=branch,
        date=date,
        defaults={"is_working": is_working, "periods": periods or None, "note": note[:200]},
    )
    calendar_bump()
    event_record(
        kind="calendar_day_set",
        subject=branch,
        actor=by,
        to_value=f"{date.isoformat()} {'on' if is_working else 'off'}",
        data={"date": date.isoformat(), "is_working": is_working, "periods": periods, "note": note},
    )
    _recompute_later([branch.pk])
    return day


@transaction.atomic
def branch_day_clear(*, branch_id: int, date: dt.date, access: Access, by: User) -> None:
    branch = Branch.objects.filter(pk=branch_id).first()
    if branch is None or not access.can("sla.calendar.branch", branch_id):
        raise NotFound()
    deleted, _d = BranchDay.objects.filter(branch=branch, date=date).delete()
    if deleted:
        calendar_bump()
        event_record(
            kind="calendar_day_cleared",
            subject=branch,
            actor=by,
            to_value=date.isoformat(),
            data={"date": date.isoformat()},
        )
        _recompute_later([branch.pk])
