"""``/api/v1/sla/…``: due times, clocks, policies, the calendar and the on-time report.

Mounted by :mod:`aftersales.api.api`; the same selectors and services as the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Query, Router, Schema

from aftersales.access.policy import access_for
from aftersales.catalog.models import ProductLine
from aftersales.common.errors import InvalidInput, NotFound
from aftersales.common.paging import keyset_page
from aftersales.org.models import Zone
from aftersales.sla.calendar import month_days
from aftersales.sla.models import Clock, ClockPolicy
from aftersales.sla.selectors import clocks_search, clocks_visible, countdown, on_time_report
from aftersales.sla.services import branch_by_code, due_for

router = Router(tags=["sla"])


class DueOut(Schema):
    clock: str
    branch: str
    policy_version: int
    policy_scope: str
    kind: str
    start: str
    effective_start: str
    due_at: str | None
    warn_at: str | None
    limit_at: str | None
    allowance_seconds: int
    paused_seconds: int
    remaining_seconds: int
    paused_since: str | None
    provisional: bool


class ClockOut(Schema):
    id: int
    code: str
    name: str
    policy_version: int
    subject_type: str
    subject_id: int
    subject_label: str
    branch: str
    responsible: str | None
    state: str
    level: str
    started_at: str
    effective_start: str
    due_at: str | None
    warn_at: str | None
    stopped_at: str | None
    seconds_left: int | None
    paused_seconds: int
    elapsed_seconds: int | None
    escalation_level: int
    provisional: bool


class ClockPage(Schema):
    items: list[ClockOut]
    next_before: int | None


class PolicyOut(Schema):
    id: int
    code: str
    version: int
    scope: str
    name: str
    name_en: str
    kind: str
    amount: str
    unit: str
    start_rule: str
    limit_amount: str | None
    warn_ratio: str
    escalation: list[dict[str, Any]]
    pause_states: list[str]


class DayOut(Schema):
    date: dt.date
    is_working: bool
    kind: str
    name: str
    periods: list[list[str]]
    official: bool


class OnTimeOut(Schema):
    key: str
    label: str
    met: int
    breached: int
    total: int
    rate: float | None


def _check(request: HttpRequest, perm: str = "sla.view") -> Any:
    access = access_for(request.user)
    if not access.can(perm):
        raise NotFound()
    return access


def _local(value: dt.datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def clock_out(c: Clock) -> dict[str, Any]:
    tz = ZoneInfo(c.branch.timezone)
    cd = countdown(c)
    return {
        "id": c.pk,
        "code": c.code,
        "name": c.policy.name,
        "policy_version": c.policy.version,
        "subject_type": c.subject_type,
        "subject_id": c.subject_id,
        "subject_label": c.subject_label,
        "branch": c.branch.code,
        "responsible": c.responsible.display_name if c.responsible else None,
        "state": c.state,
        "level": cd.level,
        "started_at": _local(c.started_at, tz),
        "effective_start": _local(c.effective_start, tz),
        "due_at": _local(c.due_at, tz),
        "warn_at": _local(c.warn_at, tz),
        "stopped_at": _local(c.stopped_at, tz),
        "seconds_left": cd.seconds_left,
        "paused_seconds": int(c.paused_total.total_seconds()),
        "elapsed_seconds": int(c.elapsed.total_seconds()) if c.elapsed is not None else None,
        "escalation_level": c.escalation_level,
        "provisional": c.provisional,
    }


@router.get("/due", response=DueOut)
def due(
    request: HttpRequest,
    clock: str,
    start: str,
    branch: str = "",
    pause: list[str] = Query([]),  # noqa: B008
    window_end: str = "",
    zone: str = "",
    product_line: str = "",
    customer: int | None = None,
) -> Any:
    """The due time of a clock started at ``start`` (ISO 8601; without an offset: branch time).

    ``pause`` is ``FROM/TO`` and may be repeated. The default branch is head office.
    """
    _check(request)
    br = branch_by_code(branch or None)
    zone_obj = None
    if zone:
        zone_obj = Zone.objects.filter(branch=br, code=zone).first()
        if zone_obj is None:
            raise InvalidInput(f"zone: unknown zone “{zone}” of {br.code}", fields={"zone": ["unknown"]})
    product_line_id = None
    if product_line:
        product_line_id = ProductLine.objects.filter(code=product_line).values_list("pk", flat=True).first()
        if product_line_id is None:
            raise InvalidInput(
                f"product_line: unknown product line “{product_line}”", fields={"product_line": ["unknown"]}
            )
    result = due_for(
        code=clock,
        start=start,
        branch=br,
        pauses=pause,
        zone=zone_obj,
        product_line_id=product_line_id,
        customer_id=customer,
        window_end=window_end or None,
    )
    return result.as_dict()


@router.get("/clocks", response=ClockPage)
def clocks(
    request: HttpRequest,
    state: str = "",
    code: str = "",
    branch: int | None = None,
    overdue: bool = False,
    before: int | None = None,
    size: int = Query(50, ge=1, le=500),
) -> Any:
    access = _check(request)
    qs = clocks_search(
        access=access, state=state, code=code, branch_id=branch, overdue=overdue, before_id=before
    )
    page = keyset_page(qs, size=size)
    return {"items": [clock_out(c) for c in page.items], "next_before": page.next_before}


@router.get("/clocks/{clock_id}", response=ClockOut)
def clock_get(request: HttpRequest, clock_id: int) -> Any:
    access = _check(request)
    clock = clocks_visible(access=access).filter(pk=clock_id).first()
    if clock is None:
        raise NotFound()
    return clock_out(clock)


@router.get("/policies", response=list[PolicyOut])
def policies(request: HttpRequest, code: str = "", history: bool = False) -> Any:
    _check(request)
    qs = ClockPolicy.objects.all() if history else ClockPolicy.objects.filter(active=True)
    if code:
        qs = qs.filter(code=code)
    return [
        {
            "id": p.pk,
            "code": p.code,
            "version": p.version,
            "scope": p.scope_key,
            "name": p.name,
            "name_en": p.name_en,
            "kind": p.kind,
            "amount": str(p.amount),
            "unit": p.unit,
            "start_rule": p.start_rule,
            "limit_amount": str(p.limit_amount) if p.limit_amount is not None else None,
            "warn_ratio": str(p.warn_ratio),
            "escalation": p.escalation,
            "pause_states": p.pause_states,
        }
        for p in qs.order_by("code", "scope_key", "-version")
    ]


@router.get("/calendar", response=list[DayOut])
def calendar(request: HttpRequest, month: str, branch: str = "") -> Any:
    """Every day of a month (``YYYY-MM``) for a branch: working or not, and why."""
    _check(request)
    try:
        year, mon = (int(x) for x in month.split("-", 1))
        dt.date(year, mon, 1)
    except ValueError:
        raise InvalidInput("month: write YYYY-MM, e.g. 2025-10", fields={"month": ["YYYY-MM"]}) from None
    br = branch_by_code(branch or None)
    if br.pk is None:
        raise NotFound()
    return [
        {
            "date": d.date,
            "is_working": d.is_working,
            "kind": d.kind,
            "name": d.name,
            "periods": [[s.strftime("%H:%M"), e.strftime("%H:%M")] for s, e in d.periods],
            "official": d.official,
        }
        for d in month_days(br, year, mon)
    ]


@router.get("/reports/on-time", response=list[OnTimeOut])
def on_time(
    request: HttpRequest,
    date_from: dt.date = Query(..., alias="from"),  # noqa: B008
    date_to: dt.date = Query(..., alias="to"),  # noqa: B008
    group: str = "code",
    code: str = "",
    branch: int | None = None,
) -> Any:
    """On-time rate of clocks with an outcome in [from, to), grouped by code, branch, responsible or month."""
    access = _check(request, "sla.reports")
    rows = on_time_report(
        access=access, start=date_from, end=date_to, group=group, code=code, branch_id=branch
    )
    return [
        {
            "key": r.key,
            "label": r.label,
            "met": r.met,
            "breached": r.breached,
            "total": r.total,
            "rate": r.rate,
        }
        for r in rows
    ]
