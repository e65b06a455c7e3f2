"""Read side of the clocks: what a person may see, countdowns, the on-time report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from aftersales.access.policy import Access, scope
from aftersales.sla.models import Clock, ClockPolicy, ClockState

S = ClockState
GROUPS = ("code", "branch", "responsible", "month")


def clocks_visible(*, access: Access) -> QuerySet[Clock]:
    """Head office sees all, a branch its own, a technician the clocks they are responsible for."""
    return scope(
        Clock.objects.select_related("policy", "branch", "responsible"),
        access,
        "sla.view",
        owner_fields=("responsible",),
    )


def clocks_search(
    *,
    access: Access,
    state: str = "",
    code: str = "",
    branch_id: int | None = None,
    responsible_id: int | None = None,
    overdue: bool = False,
    due_within: dt.timedelta | None = None,
    before_id: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Clock]:
    now = now or timezone.now()
    qs = clocks_visible(access=access)
    if state == "open":
        qs = qs.filter(stopped_at__isnull=True).exclude(state=S.CANCELLED)
    elif state:
        qs = qs.filter(state=state)
    if code:
        qs = qs.filter(code=code)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if responsible_id:
        qs = qs.filter(responsible_id=responsible_id)
    if overdue:
        qs = qs.filter(stopped_at__isnull=True, due_at__lt=now).exclude(state=S.CANCELLED)
    if due_within is not None:
        qs = qs.filter(stopped_at__isnull=True, due_at__gte=now, due_at__lt=now + due_within).exclude(
            state=S.CANCELLED
        )
    if before_id:
        qs = qs.filter(pk__lt=before_id)
    return qs.order_by("-pk")


def clocks_for_subject(*, access: Access, subject_type: str, subject_id: int) -> list[Clock]:
    return list(
        clocks_visible(access=access)
        .filter(subject_type=subject_type, subject_id=subject_id)
        .order_by("started_at", "pk")
    )


@dataclass(frozen=True)
class Countdown:
    """What a page shows for a clock: state, the due time, and how long is left (or how late)."""

    state: str
    due_at: dt.datetime | None
    seconds_left: int | None  # negative: overdue
    level: str  # ok | warning | overdue | paused | met | breached | cancelled


def countdown(clock: Clock, *, now: dt.datetime | None = None) -> Countdown:
    now = now or timezone.now()
    if clock.state == S.CANCELLED:
        return Countdown(clock.state, clock.due_at, None, "cancelled")
    if clock.stopped_at is not None:
        return Countdown(clock.state, clock.due_at, None, "met" if clock.state == S.MET else "breached")
    if clock.state == S.PAUSED or clock.due_at is None:
        return Countdown(clock.state, clock.due_at, None, "paused")
    left = int((clock.due_at - now).total_seconds())
    if left < 0 or clock.state == S.BREACHED:
        level = "overdue"
    elif clock.warn_at is not None and now >= clock.warn_at:
        level = "warning"
    else:
        level = "ok"
    return Countdown(clock.state, clock.due_at, left, level)


@dataclass(frozen=True)
class OnTimeRow:
    key: str
    label: str
    met: int
    breached: int

    @property
    def total(self) -> int:
        return self.met + self.breached

    @property
    def rate(self) -> float | None:
        return self.met / self.total if self.total else None


def measured_clocks(
    *, access: Access, start: dt.date, end: dt.date, code: str = "", branch_id: int | None = None
) -> QuerySet[Clock]:
    """Clocks with an outcome in [start, end): stopped there, or breached there and still open.

    Replaced clocks (an appointment replaced the arrival clock) are not measured.
    """
    tz = ZoneInfo(settings.TIME_ZONE)
    a = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    b = dt.datetime.combine(end, dt.time(0), tzinfo=tz)
    qs = scope(Clock.objects.all(), access, "sla.reports", owner_fields=("responsible",))
    qs = qs.filter(state__in=(S.MET, S.BREACHED)).annotate(outcome_at=Coalesce("stopped_at", "breached_at"))
    qs = qs.filter(outcome_at__gte=a, outcome_at__lt=b)
    if code:
        qs = qs.filter(code=code)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    return qs


def on_time_report(
    *,
    access: Access,
    start: dt.date,
    end: dt.date,
    group: str = "code",
    code: str = "",
    branch_id: int | None = None,
) -> list[OnTimeRow]:
    """On-time rate (met ÷ measured) grouped by clock, branch, responsible person or month."""
    if group not in GROUPS:
        group = "code"
    qs = measured_clocks(access=access, start=start, end=end, code=code, branch_id=branch_id)
    met = Count("pk", filter=Q(state=S.MET))
    breached = Count("pk", filter=Q(state=S.BREACHED))
    rows: list[OnTimeRow] = []
    if group == "code":
        names = {p.code: p for p in ClockPolicy.objects.filter(scope_key="default", active=True)}
        for rc in qs.values("code").annotate(met=met, breached=breached).order_by("code"):
            policy = names.get(rc["code"])
            rows.append(
                OnTimeRow(rc["code"], policy.name if policy else rc["code"], rc["met"], rc["breached"])
            )
    elif group == "branch":
        for rb in (
            qs.values("branch_id", "branch__name").annotate(met=met, breached=breached).order_by("branch_id")
        ):
            rows.append(OnTimeRow(str(rb["branch_id"]), rb["branch__name"], rb["met"], rb["breached"]))
    elif group == "responsible":
        for rr in (
            qs.values("responsible_id", "responsible__name", "responsible__username")
            .annotate(met=met, breached=breached)
            .order_by("responsible_id")
        ):
            label = rr["responsible__name"] or rr["responsible__username"] or "—"
            rows.append(OnTimeRow(str(rr["responsible_id"] or ""), label, rr["met"], rr["breached"]))
    else:
        tz = ZoneInfo(settings.TIME_ZONE)
        for rm in (
            qs.annotate(month=TruncMonth("outcome_at", tzinfo=tz))
            .values("month")
            .annotate(met=met, breached=breached)
            .order_by("month")
        ):
            month_label = rm["month"].strftime("%Y-%m")
            rows.append(OnTimeRow(month_label, month_label, rm["met"], rm["breached"]))
    return rows


def breached_clocks(
    *, access: Access, start: dt.date, end: dt.date, code: str = "", branch_id: int | None = None
) -> QuerySet[Clock]:
    return (
        measured_clocks(access=access, start=start, end=end, code=code, branch_id=branch_id)
        .filter(state=S.BREACHED)
        .select_related("policy", "branch", "responsible")
        .order_by("due_at")
    )
