"""A branch's day as a routing problem, and that problem kept as JSON beside the proposal.

Times are minutes since midnight of the plan day in the branch's time zone. Places are longitude
(x) and latitude (y) in degrees with the zone's kind, driven by the routing core's straight-line
travel model. The drawing on the plan page uses planar km around the branch (:func:`planar_km`).
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.calls.models import ServiceOrder
from aftersales.common.errors import InvalidInput
from aftersales.org.models import Branch, Certification, RoleAssignment, User
from aftersales.org.roles import Role
from aftersales.routing.model import Break, Job, Place, Problem, Technician, Window
from aftersales.routing.travel import StraightLineTravel
from aftersales.rules.services import rule_int
from aftersales.sla.calendar import calendar_for
from aftersales.sla.engine import CalendarDataMissing, end_of_working_day

OS = ServiceOrder.State
PLANNED_STATES = (OS.OPEN, OS.ASSIGNED, OS.TRAVELLING, OS.ON_SITE)
STARTED_STATES = (OS.TRAVELLING, OS.ON_SITE)
PRIORITY = {"normal": 1, "urgent": 3, "critical": 10}
"""Weight of an order's late minutes (and of leaving it out) by its urgency."""
LUNCH_FLEX_MINUTES = 30
"""The lunch break may slide this much either side of the gap between the business periods."""
KM_PER_DEGREE = 111.32


@dataclass
class DayProblem:
    problem: Problem
    data: dict[str, Any]
    """The problem as JSON (:func:`problem_from_json` rebuilds it) plus what the page shows."""
    notes: list[str] = field(default_factory=list)


def branch_tz(branch: Branch) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(branch.timezone or "Asia/Shanghai")


def midnight(branch: Branch, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=branch_tz(branch))


def at_minutes(branch: Branch, day: dt.date, minutes: float) -> dt.datetime:
    """The aware instant ``minutes`` after the plan day's local midnight."""
    return (midnight(branch, day) + dt.timedelta(minutes=minutes)).astimezone(dt.UTC)


def planar_km(*, lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    """Equirectangular projection around (lat0, lon0): east and north in km."""
    return (
        (lon - lon0) * math.cos(math.radians(lat0)) * KM_PER_DEGREE,
        (lat - lat0) * KM_PER_DEGREE,
    )


def _minutes(value: dt.datetime, base: dt.datetime) -> float:
    return round((value - base).total_seconds() / 60.0, 3)


def _shift(branch: Branch, day: dt.date) -> tuple[float, float, Break | None]:
    """The branch's business hours that day: the shift and the lunch between the first two periods."""
    cal = calendar_for(branch).calendar
    periods = cal.day_periods.get(day, cal.periods)

    def mins(t: dt.time) -> float:
        return t.hour * 60.0 + t.minute

    start, end = mins(periods[0][0]), mins(periods[-1][1])
    lunch = None
    if len(periods) >= 2:
        gap = mins(periods[1][0]) - mins(periods[0][1])
        window = Window(
            max(start, mins(periods[0][1]) - LUNCH_FLEX_MINUTES),
            min(end, mins(periods[1][0]) + LUNCH_FLEX_MINUTES),
        )
        lunch = Break(window=window, duration=gap)
    return start, end, lunch


def default_plan_day(branch: Branch, *, now: dt.datetime | None = None) -> dt.date:
    """The day a supervisor most likely plans: today while it still has business hours ahead,
    else the next working day (in the evening, at the weekend, on a holiday)."""
    cal = calendar_for(branch).calendar
    now = now or timezone.now()
    try:
        return end_of_working_day(cal, now).date()
    except CalendarDataMissing:
        return timezone.localdate(now, branch_tz(branch))


def _coords(obj: Any) -> tuple[float, float] | None:
    if obj is None or obj.latitude is None or obj.longitude is None:
        return None
    return float(obj.latitude), float(obj.longitude)


def day_problem(*, branch: Branch, day: dt.date, now: dt.datetime | None = None) -> DayProblem:
    """The routing problem of the branch's day: its technicians and the orders still to visit.

    Open orders and assigned orders not started are free jobs; travelling and on-site ones stay
    on their technician, first in the route (only when planning today).
    """
    from aftersales.calls.dispatch_views import _arrival_clocks

    now = now or timezone.now()
    home = _coords(branch)
    if home is None:
        raise InvalidInput(
            _("branch: %(b)s has no coordinates; enter its latitude and longitude first.")
            % {"b": branch.name},
            fields={"branch": [_("The branch needs coordinates.")]},
        )
    base = midnight(branch, day)
    tz = branch_tz(branch)
    today = timezone.localdate(now, tz)
    notes: list[str] = []
    shift_start, shift_end, lunch = _shift(branch, day)
    if day == today:
        shift_start = min(max(shift_start, _minutes(now, base)), shift_end)
    people: list[User] = []
    for ra in (
        RoleAssignment.objects.filter(role=Role.TECHNICIAN, branch=branch, user__is_active=True)
        .select_related("user")
        .order_by("user__name", "user__username")
    ):
        if all(u.pk != ra.user_id for u in people):
            people.append(ra.user)
    skills: dict[int, set[str]] = {u.pk: set() for u in people}
    for user_id, line_id in (
        Certification.objects.filter(user_id__in=list(skills), certified_on__lte=day)
        .exclude(expires_on__lt=day)
        .values_list("user_id", "product_line_id")
    ):
        skills[user_id].add(str(line_id))
    orders = [
        o
        for o in ServiceOrder.objects.filter(branch=branch, state__in=PLANNED_STATES)
        .select_related("customer__zone", "zone", "unit__site", "unit__product_model__product_line")
        .order_by("opened_at", "pk")
        if _belongs_to_day(o, day=day, today=today, tz=tz)
    ]
    clocks = _arrival_clocks([o.pk for o in orders])
    durations: dict[tuple[int | None, int], int] = {}
    jobs: list[Job] = []
    jobs_json: dict[str, dict[str, Any]] = {}
    locked: dict[int, list[ServiceOrder]] = {u.pk: [] for u in people}
    for order in orders:
        started = order.state in STARTED_STATES
        if started and order.technician_id not in locked:
            notes.append(
                _("%(n)s is under way by someone outside the branch's technicians: left out.")
                % {"n": order.number}
            )
            continue
        line = order.unit.product_model.product_line if order.unit is not None else None
        key = (line.pk if line else None, order.customer_id)
        if key not in durations:
            durations[key] = rule_int(
                "dispatch_job_minutes", branch_id=branch.pk, product_line_id=key[0], customer_id=key[1]
            )[0]
        where = _coords(order.unit.site if order.unit is not None else None) or _coords(order.customer)
        if where is None:
            notes.append(_("%(n)s has no coordinates: placed at the branch.") % {"n": order.number})
            where = home
        zone = order.zone or order.customer.zone
        kind = zone.kind if zone is not None else "urban"
        window = due = None
        started_at = None
        if started:
            locked[order.technician_id or 0].append(order)
            if order.state == OS.ON_SITE and order.arrived_at is not None:
                started_at = _minutes(order.arrived_at, base)
        else:
            if order.appointment_start is not None:
                a = _minutes(order.appointment_start, base)
                window = Window(a, max(a, 24 * 60.0))
            clock = clocks.get(order.pk)
            if clock is not None and clock.due_at is not None:
                due = _minutes(clock.due_at, base)
            elif order.appointment_end is not None:
                due = _minutes(order.appointment_end, base)
            if due is not None:
                # Overdue already: the plan counts late minutes from the start of the planned
                # day; the lateness before it is the SLA clock's to show, not the plan's.
                due = max(due, shift_start, window.start if window is not None else 0.0)
        job = Job(
            id=str(order.pk),
            place=Place(x=where[1], y=where[0], zone=kind),
            duration=float(durations[key]),
            skill=str(line.pk) if line is not None else None,
            window=window,
            due=due,
            priority=PRIORITY.get(order.urgency, 1),
            started_at=started_at,
        )
        jobs.append(job)
        jobs_json[job.id] = {
            **job_to_json(job),
            "number": order.number,
            "customer": order.customer.name,
            "line": line.name if line is not None else "",
            "state": order.state,
            "technician": order.technician_id,
        }
    technicians: list[Technician] = []
    start_place = Place(x=home[1], y=home[0], zone="urban")
    for user in people:
        mine = sorted(locked[user.pk], key=lambda o: (o.state != OS.ON_SITE, o.arrived_at or now))
        if len([o for o in mine if o.state == OS.ON_SITE]) > 1:
            for extra in mine[1:]:  # only the first may be started: the rest keep their order, unstarted
                idx = next(i for i, j in enumerate(jobs) if j.id == str(extra.pk))
                jobs[idx] = Job(**{**_job_kwargs(jobs[idx]), "started_at": None})
                jobs_json[str(extra.pk)]["started_at"] = None
        technicians.append(
            Technician(
                id=str(user.pk),
                start=_start_of(user, branch_place=start_place),
                shift=Window(shift_start, shift_end),
                skills=frozenset(skills[user.pk]),
                lunch=lunch,
                locked=tuple(str(o.pk) for o in mine),
            )
        )
    problem = Problem(
        technicians=tuple(technicians),
        jobs=tuple(jobs),
        travel=StraightLineTravel(),
        name=f"{branch.code} {day}",
    )
    data = problem_to_json(problem)
    data["jobs"] = [jobs_json[j.id] for j in jobs]
    data["names"] = {str(u.pk): u.display_name for u in people}
    data["branch"] = {"lat": home[0], "lon": home[1], "code": branch.code, "name": branch.name}
    data["tz"] = str(tz)
    return DayProblem(problem=problem, data=data, notes=notes)


def _start_of(user: User, *, branch_place: Place) -> Place:
    """Where the technician's day starts and ends: his own start place (home, with the van)
    when both coordinates are set, else the branch. A home is driven at the default speed."""
    if user.start_latitude is None or user.start_longitude is None:
        return branch_place
    return Place(x=float(user.start_longitude), y=float(user.start_latitude), zone="")


def _belongs_to_day(order: ServiceOrder, *, day: dt.date, today: dt.date, tz: zoneinfo.ZoneInfo) -> bool:
    if order.state in STARTED_STATES:
        return day == today
    if order.appointment_start is not None:
        return timezone.localdate(order.appointment_start, tz) == day
    return True


def _job_kwargs(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "place": job.place,
        "duration": job.duration,
        "skill": job.skill,
        "window": job.window,
        "due": job.due,
        "priority": job.priority,
        "started_at": job.started_at,
    }


def job_to_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "lon": job.place.x,
        "lat": job.place.y,
        "zone": job.place.zone,
        "duration": job.duration,
        "skill": job.skill,
        "window": [job.window.start, job.window.end] if job.window is not None else None,
        "due": job.due,
        "priority": job.priority,
        "started_at": job.started_at,
    }


def problem_to_json(problem: Problem) -> dict[str, Any]:
    return {
        "technicians": [
            {
                "id": t.id,
                "lon": t.start.x,
                "lat": t.start.y,
                "zone": t.start.zone,
                "shift": [t.shift.start, t.shift.end],
                "skills": sorted(t.skills),
                "lunch": (
                    {"window": [t.lunch.window.start, t.lunch.window.end], "duration": t.lunch.duration}
                    if t.lunch is not None
                    else None
                ),
                "locked": list(t.locked),
            }
            for t in problem.technicians
        ],
        "jobs": [job_to_json(j) for j in problem.jobs],
    }


def problem_from_json(data: dict[str, Any]) -> Problem:
    technicians = tuple(
        Technician(
            id=t["id"],
            start=Place(x=t["lon"], y=t["lat"], zone=t["zone"]),
            shift=Window(*t["shift"]),
            skills=frozenset(t["skills"]),
            lunch=Break(window=Window(*t["lunch"]["window"]), duration=t["lunch"]["duration"])
            if t["lunch"]
            else None,
            locked=tuple(t["locked"]),
        )
        for t in data["technicians"]
    )
    jobs = tuple(
        Job(
            id=j["id"],
            place=Place(x=j["lon"], y=j["lat"], zone=j["zone"]),
            duration=j["duration"],
            skill=j["skill"],
            window=Window(*j["window"]) if j["window"] else None,
            due=j["due"],
            priority=j["priority"],
            started_at=j["started_at"],
        )
        for j in data["jobs"]
    )
    return Problem(technicians=technicians, jobs=jobs, travel=StraightLineTravel())
