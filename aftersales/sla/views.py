"""Pages of the service-level clocks: calendar, calendar years, policies, clocks, on-time report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.access.policy import Access, access_for
from aftersales.common.errors import DomainError
from aftersales.common.excel import xlsx_response
from aftersales.common.paging import keyset_page, parse_before
from aftersales.org.models import Branch
from aftersales.org.selectors import branches_visible
from aftersales.sla.calendar import DayInfo, month_days
from aftersales.sla.calendar_admin import (
    branch_day_clear,
    branch_day_set,
    calendar_year_from_package,
    calendar_year_set,
    parse_year_text,
)
from aftersales.sla.forms import (
    BranchDayForm,
    OverrideForm,
    PolicyForm,
    RetireForm,
    YearLoadForm,
    YearTextForm,
    date_of,
    month_of,
)
from aftersales.sla.models import BranchDay, CalendarYear, Clock, ClockPolicy, ClockState, OfficialDay
from aftersales.sla.policies import policy_override_create, policy_override_retire, policy_revise
from aftersales.sla.selectors import GROUPS, breached_clocks, clocks_search, countdown, on_time_report
from aftersales.sla.templatetags.sla import countdown_text, in_branch_time, local_name
from aftersales.web.decorators import page, user_of, wants_partial

KPI_TARGET = 0.9  # on-time rate the branches are measured against (90 %)


# --------------------------------------------------------------------------- helpers


def _branch_for(request: HttpRequest, access: Access, branches: Sequence[Branch]) -> Branch:
    """``?branch=SH`` among the branches the person sees; else their home branch, else the first."""
    code = request.GET.get("branch", "") or request.POST.get("branch", "")
    if code:
        for b in branches:
            if b.code.lower() == code.lower():
                return b
        raise Http404()
    home = getattr(request.user, "home_branch_id", None)
    for b in branches:
        if b.pk == home:
            return b
    if not branches:
        raise Http404()
    return branches[0]


def _holiday_name(name: str) -> str:
    """The package's Chinese name in Chinese pages (e.g. National Day → 国庆节), else as given."""
    from django.utils.translation import get_language

    if not name or not (get_language() or "").startswith("zh"):
        return name
    try:
        from chinese_calendar.constants import Holiday  # type: ignore[import-untyped,import-not-found,unused-ignore]

        return str(Holiday(name).chinese)
    except (ImportError, ValueError):
        return name


def _local_dt(value: dt.datetime | None, branch: Branch) -> dt.datetime | None:
    """For Excel: the branch's wall-clock time, without a zone."""
    local = in_branch_time(value, branch)
    return local.replace(tzinfo=None) if local is not None else None


# --------------------------------------------------------------------------- calendar

KIND_LABELS = {
    "workday": gettext_lazy("working day"),
    "weekend": gettext_lazy("weekend"),
    "holiday": gettext_lazy("public holiday"),
    "makeup": gettext_lazy("make-up working day"),
    "branch_closed": gettext_lazy("closed (branch)"),
    "branch_open": gettext_lazy("working (branch)"),
}


def _calendar_context(
    request: HttpRequest,
    *,
    access: Access,
    branch: Branch,
    branches: Sequence[Branch],
    month: dt.date,
    selected: dt.date | None,
    form: BranchDayForm | None = None,
    saved: str = "",
) -> dict[str, Any]:
    days = month_days(branch, month.year, month.month)
    can_edit = access.can("sla.calendar.branch", branch.pk)
    if selected is not None and (selected.year, selected.month) != (month.year, month.month):
        selected = None
    if can_edit and selected is not None and form is None:
        existing = BranchDay.objects.filter(branch=branch, date=selected).first()
        form = BranchDayForm(
            initial={
                "date": selected,
                "mode": ("open" if existing.is_working else "closed") if existing else "clear",
                "hours": ", ".join(f"{a}-{b}" for a, b in (existing.periods or [])) if existing else "",
                "note": existing.note if existing else "",
            }
        )
    today = timezone.localdate()
    cells: list[dict[str, Any] | None] = [None] * days[0].date.weekday()
    for d in days:
        cells.append(_cell(d, today=today, selected=selected))
    cells += [None] * (-len(cells) % 7)
    weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    prev_month = (month - dt.timedelta(days=1)).replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    base = reverse("sla:calendar")
    special = [
        c
        for week in weeks
        for c in week
        if c is not None and (c["kind"] not in ("workday", "weekend") or c["name"])
    ]
    return {
        "branch": branch,
        "branches": branches,
        "month": month,
        "weeks": weeks,
        "weekdays": [WEEKDAYS_ABBR[i] for i in range(7)],
        "official": days[0].official,
        "special": special,
        "working_count": sum(1 for d in days if d.is_working),
        "can_edit": can_edit,
        "can_manage_years": access.can("sla.calendar.manage"),
        "selected": selected,
        "form": form,
        "saved": saved,
        "kind_labels": KIND_LABELS,
        "prev_url": f"{base}?{urlencode({'branch': branch.code, 'month': prev_month.strftime('%Y-%m')})}",
        "next_url": f"{base}?{urlencode({'branch': branch.code, 'month': next_month.strftime('%Y-%m')})}",
        "today_url": f"{base}?{urlencode({'branch': branch.code, 'month': today.strftime('%Y-%m')})}",
    }


def _cell(d: DayInfo, *, today: dt.date, selected: dt.date | None) -> dict[str, Any]:
    return {
        "date": d.date,
        "kind": d.kind,
        "kind_label": KIND_LABELS.get(d.kind, d.kind),
        "name": _holiday_name(d.name) if d.kind in ("holiday", "makeup", "workday", "weekend") else d.name,
        "is_working": d.is_working,
        "hours": ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in d.periods) if d.kind == "branch_open" else "",
        "today": d.date == today,
        "selected": d.date == selected,
    }


@page("sla.view")
def calendar_month(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    branches = list(branches_visible(access=access))
    branch = _branch_for(request, access, branches)
    month = month_of(request.GET.get("month", ""), timezone.localdate())
    context = _calendar_context(
        request,
        access=access,
        branch=branch,
        branches=branches,
        month=month,
        selected=date_of(request.GET.get("day", "")),
    )
    template = "sla/calendar.html"
    if wants_partial(request):
        template += "#body" if request.GET.get("day") else "#page"
    return render(request, template, context)


@require_POST
@page("sla.calendar.branch")
def calendar_day(request: HttpRequest) -> HttpResponse:
    """Set or clear a branch's exception for one day; htmx gets the re-rendered month back."""
    access = access_for(request.user)
    branches = list(branches_visible(access=access))
    branch = _branch_for(request, access, branches)
    if not access.can("sla.calendar.branch", branch.pk):
        raise Http404()
    form = BranchDayForm(request.POST)
    saved = ""
    if form.is_valid():
        day: dt.date = form.cleaned_data["date"]
        mode = form.cleaned_data["mode"]
        try:
            if mode == "clear":
                branch_day_clear(branch_id=branch.pk, date=day, access=access, by=user_of(request))
            else:
                branch_day_set(
                    branch_id=branch.pk,
                    date=day,
                    is_working=mode == "open",
                    periods=form.cleaned_data["hours"],
                    note=form.cleaned_data["note"],
                    access=access,
                    by=user_of(request),
                )
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.apply_error(exc)
        else:
            saved = _("%(date)s saved for %(branch)s.") % {"date": day.isoformat(), "branch": branch.name}
            if not wants_partial(request):
                messages.success(request, saved)
                query = urlencode({"branch": branch.code, "month": day.strftime("%Y-%m")})
                return redirect(f"{reverse('sla:calendar')}?{query}")
    selected = date_of(request.POST.get("date", "")) or timezone.localdate()
    context = _calendar_context(
        request,
        access=access,
        branch=branch,
        branches=branches,
        month=selected.replace(day=1),
        selected=None if saved else selected,
        form=None if saved else form,
        saved=saved,
    )
    if wants_partial(request):
        return render(request, "sla/calendar.html#body", context)
    return render(request, "sla/calendar.html", context, status=400)


# --------------------------------------------------------------------------- calendar years


def year_lines(year: int) -> str:
    """The year's official days as text lines, consecutive equal days joined into ranges."""
    lines: list[str] = []
    run: list[OfficialDay] = []

    def flush() -> None:
        if not run:
            return
        a, b = run[0], run[-1]
        when = a.date.isoformat() if a is b else f"{a.date.isoformat()}..{b.date.isoformat()}"
        lines.append(f"{when} {'on' if a.is_working else 'off'} {a.name}".rstrip())
        run.clear()

    for day in OfficialDay.objects.filter(date__year=year).order_by("date"):
        if run and (
            day.date - run[-1].date != dt.timedelta(days=1)
            or day.is_working != run[-1].is_working
            or day.name != run[-1].name
        ):
            flush()
        run.append(day)
    flush()
    return "\n".join(lines)


@page("sla.calendar.manage")
def calendar_years(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    edit = request.GET.get("edit", "")
    if edit.isdigit() and 2000 <= int(edit) <= 2100:
        return redirect("sla:year", year=int(edit))
    form = YearLoadForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            calendar_year_from_package(year=year, access=access, by=user_of(request))
        except DomainError as exc:
            form.apply_error(exc)
        else:
            messages.success(request, _("%(y)s loaded from the chinesecalendar package.") % {"y": year})
            _recompute_notice(request)
            return redirect("sla:years")
    counts = dict(
        OfficialDay.objects.annotate(y=ExtractYear("date"))
        .values("y")
        .annotate(n=Count("pk"))
        .values_list("y", "n")
    )
    years = list(CalendarYear.objects.select_related("updated_by").order_by("-year"))
    for cy in years:
        cy.day_count = counts.get(cy.year, 0)  # type: ignore[attr-defined]
    return render(
        request,
        "sla/years.html",
        {"years": years, "form": form, "next_year": timezone.localdate().year + 1},
        status=400 if form.errors else 200,
    )


@page("sla.calendar.manage")
def calendar_year_edit(request: HttpRequest, year: int) -> HttpResponse:
    access = access_for(request.user)
    if not 2000 <= year <= 2100:
        raise Http404()
    existing = CalendarYear.objects.filter(year=year).first()
    form = YearTextForm(
        request.POST or None, initial={"days": year_lines(year), "note": existing.note if existing else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            days = parse_year_text(year, form.cleaned_data["days"])
            calendar_year_set(
                year=year, days=days, access=access, by=user_of(request), note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            form.apply_error(exc)
        else:
            messages.success(
                request, _("The calendar of %(y)s was saved (%(n)s days).") % {"y": year, "n": len(days)}
            )
            _recompute_notice(request)
            return redirect("sla:years")
    return render(
        request,
        "sla/year_form.html",
        {"year": year, "existing": existing, "form": form},
        status=400 if form.errors else 200,
    )


def _recompute_notice(request: HttpRequest) -> None:
    """Say that open deadlines are being recomputed (a background task after the change)."""
    from aftersales.sla.models import OPEN_STATES, Clock

    count = Clock.objects.filter(stopped_at__isnull=True, state__in=OPEN_STATES).count()
    if count:
        messages.info(
            request,
            _("The deadlines of %(n)s open clocks are being recomputed in the background.") % {"n": count},
        )


# --------------------------------------------------------------------------- policies


def _policies() -> Any:
    return ClockPolicy.objects.select_related(
        "branch", "zone__branch", "product_line", "customer", "created_by"
    ).order_by("code", "scope_key", "-version")


@page("sla.view")
def policy_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    policies = list(_policies().filter(active=True))
    return render(
        request,
        "sla/policies.html",
        {"policies": policies, "can_manage": access.can("sla.policies.manage")},
    )


def _policy_page(
    request: HttpRequest,
    policy: ClockPolicy,
    *,
    form: PolicyForm | None = None,
    retire_form: RetireForm | None = None,
    status: int = 200,
) -> HttpResponse:
    access = access_for(request.user)
    can_manage = access.can("sla.policies.manage")
    history = list(_policies().filter(code=policy.code, scope_key=policy.scope_key))
    current = next((p for p in history if p.active), None)
    if can_manage and policy.active:
        form = form or PolicyForm(initial=PolicyForm.initial_for(policy))
        if policy.scope_key != "default":
            retire_form = retire_form or RetireForm()
    return render(
        request,
        "sla/policy.html",
        {
            "policy": policy,
            "history": history,
            "current": current,
            "form": form if can_manage and policy.active else None,
            "retire_form": retire_form,
            "can_manage": can_manage,
            "clocks_running": Clock.objects.filter(policy=policy, stopped_at__isnull=True)
            .exclude(state=ClockState.CANCELLED)
            .count(),
        },
        status=status,
    )


def _policy_or_404(pk: int) -> ClockPolicy:
    policy = _policies().filter(pk=pk).first()
    if policy is None:
        raise Http404()
    return policy


@page("sla.view")
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _policy_or_404(pk)
    if request.method != "POST":
        return _policy_page(request, policy)
    access = access_for(request.user)
    if not access.can("sla.policies.manage"):
        raise Http404()
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            new = policy_revise(
                policy_id=policy.pk,
                data=form.to_data(),
                access=access,
                by=user_of(request),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.apply_error(exc)
        else:
            messages.success(request, _("Version %(v)s is now in force.") % {"v": new.version})
            return redirect("sla:policy", pk=new.pk)
    return _policy_page(request, policy, form=form, status=400)


@require_POST
@page("sla.policies.manage")
def policy_retire(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    policy = _policy_or_404(pk)
    form = RetireForm(request.POST)
    if form.is_valid():
        try:
            policy_override_retire(
                policy_id=policy.pk, access=access, by=user_of(request), reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.apply_error(exc)
        else:
            messages.success(request, _("The override was retired; the default applies to new clocks."))
            return redirect("sla:policy", pk=policy.pk)
    return _policy_page(request, policy, retire_form=form, status=400)


@page("sla.policies.manage")
def policy_override_new(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    defaults = list(_policies().filter(active=True, scope_key="default"))
    code = request.GET.get("code", "")
    base = next((p for p in defaults if p.code == code), defaults[0] if defaults else None)
    initial = {"code": base.code, **PolicyForm.initial_for(base)} if base else {}
    form = OverrideForm(request.POST or None, policies=defaults, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            new = policy_override_create(
                code=cd["code"],
                data=form.to_data(),
                access=access,
                by=user_of(request),
                branch_id=cd["branch_id"],
                zone_id=cd["zone_id"],
                product_line_id=cd["product_line_id"],
                customer_id=form.customer_id,
                reason=cd["reason"],
            )
        except DomainError as exc:
            form.apply_error(exc)
        else:
            messages.success(request, _("Override saved (version %(v)s).") % {"v": new.version})
            return redirect("sla:policy", pk=new.pk)
    return render(request, "sla/override_form.html", {"form": form}, status=400 if form.errors else 200)


# --------------------------------------------------------------------------- clocks

STATE_FILTERS = ("open", "running", "paused", "breached", "met", "cancelled", "all")
DUE_FILTERS = ("overdue", "24h")


def _clock_filters(request: HttpRequest, branches: Sequence[Branch]) -> dict[str, Any]:
    g = request.GET
    state = g.get("state", "open")
    due = g.get("due", "")
    code = g.get("code", "")[:40]
    branch_code = g.get("branch", "")
    branch = next((b for b in branches if b.code == branch_code), None)
    return {
        "state": state if state in STATE_FILTERS else "open",
        "due": due if due in DUE_FILTERS else "",
        "code": code,
        "branch": branch.code if branch else "",
        "branch_id": branch.pk if branch else None,
    }


def _clocks_qs(access: Access, filters: dict[str, Any], *, before_id: int | None = None) -> Any:
    state = filters["state"]
    return clocks_search(
        access=access,
        state="" if state == "all" else state,
        code=filters["code"],
        branch_id=filters["branch_id"],
        overdue=filters["due"] == "overdue",
        due_within=dt.timedelta(hours=24) if filters["due"] == "24h" else None,
        before_id=before_id,
    )


def _clock_codes() -> list[ClockPolicy]:
    return list(ClockPolicy.objects.filter(active=True, scope_key="default").order_by("code"))


@page("sla.view")
def clock_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    branches = list(branches_visible(access=access))
    filters = _clock_filters(request, branches)
    page_ = keyset_page(_clocks_qs(access, filters, before_id=parse_before(request)), size=50)
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "page": page_,
        "filters": filters,
        "branches": branches,
        "codes": _clock_codes(),
        "states": [(s, label) for s, label in ClockState.choices],
        "query": query.urlencode(),
        "can_reports": access.can("sla.reports"),
        "can_manage_calendar": access.can("sla.calendar.manage"),
    }
    template = "sla/clocks.html#rows" if wants_partial(request) else "sla/clocks.html"
    return render(request, template, context)


def _clock_row(c: Clock) -> list[Any]:
    cd = countdown(c)
    return [
        c.subject_label,
        c.code,
        local_name(c.policy),
        c.branch.code,
        c.responsible.display_name if c.responsible else "",
        _local_dt(c.started_at, c.branch),
        _local_dt(c.due_at, c.branch),
        countdown_text(cd),
        c.get_state_display(),
        _local_dt(c.stopped_at, c.branch),
        f"v{c.policy.version}",
        _("yes") if c.provisional else "",
    ]


CLOCK_HEADERS = [
    "record",
    "clock",
    "name",
    "branch",
    "responsible",
    "started",
    "due",
    "countdown",
    "state",
    "stopped",
    "policy version",
    "provisional",
]


def _clock_headers() -> list[str]:
    labels = {
        "record": _("record"),
        "clock": _("clock"),
        "name": _("name"),
        "branch": _("branch"),
        "responsible": _("responsible"),
        "started": _("started"),
        "due": _("due"),
        "countdown": _("countdown"),
        "state": _("state"),
        "stopped": _("stopped"),
        "policy version": _("policy version"),
        "provisional": _("provisional"),
    }
    return [labels[h] for h in CLOCK_HEADERS]


@page("sla.view")
def clock_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    filters = _clock_filters(request, list(branches_visible(access=access)))
    qs = _clocks_qs(access, filters)[:100_000]
    return xlsx_response(
        filename="clocks.xlsx",
        sheet=_("Deadlines"),
        headers=_clock_headers(),
        rows=(_clock_row(c) for c in qs),
    )


# --------------------------------------------------------------------------- on-time report


def _report_filters(request: HttpRequest, branches: Sequence[Branch]) -> dict[str, Any]:
    g = request.GET
    today = timezone.localdate()
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    start = date_of(g.get("from", "")) or first
    end = date_of(g.get("to", "")) or last
    if end < start:
        start, end = end, start
    group = g.get("group", "code")
    branch = next((b for b in branches if b.code == g.get("branch", "")), None)
    return {
        "start": start,
        "end": end,
        "group": group if group in GROUPS else "code",
        "code": g.get("code", "")[:40],
        "branch": branch.code if branch else "",
        "branch_id": branch.pk if branch else None,
    }


def _report_rows(access: Access, f: dict[str, Any], codes: Sequence[ClockPolicy]) -> list[dict[str, Any]]:
    rows = on_time_report(
        access=access,
        start=f["start"],
        end=f["end"] + dt.timedelta(days=1),
        group=f["group"],
        code=f["code"],
        branch_id=f["branch_id"],
    )
    names = {p.code: local_name(p) for p in codes}
    out = []
    for r in rows:
        rate = r.rate
        out.append(
            {
                "key": r.key,
                "label": names.get(r.key, r.label),
                "met": r.met,
                "breached": r.breached,
                "total": r.total,
                "rate": rate,
                "rate_pct": round(rate * 100, 1) if rate is not None else None,
                "on_target": rate is not None and rate >= KPI_TARGET,
            }
        )
    return out


GROUP_LABELS = {
    "code": gettext_lazy("clock"),
    "branch": gettext_lazy("branch"),
    "responsible": gettext_lazy("responsible"),
    "month": gettext_lazy("month"),
}


@page("sla.reports")
def report(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    branches = list(branches_visible(access=access))
    f = _report_filters(request, branches)
    codes = _clock_codes()
    rows = _report_rows(access, f, codes if f["group"] == "code" else ())
    met = sum(r["met"] for r in rows)
    breached = sum(r["breached"] for r in rows)
    total_rate = met / (met + breached) if met + breached else None
    breached_qs = breached_clocks(
        access=access,
        start=f["start"],
        end=f["end"] + dt.timedelta(days=1),
        code=f["code"],
        branch_id=f["branch_id"],
    )
    breached_list = list(breached_qs[:200])
    now = timezone.now()
    for c in breached_list:
        c.late = (c.stopped_at or now) - c.due_at if c.due_at else None  # type: ignore[attr-defined]
    chart = {
        "labels": [r["label"] for r in rows],
        "rates": [r["rate_pct"] for r in rows],
        "met": [r["met"] for r in rows],
        "breached": [r["breached"] for r in rows],
        "target": round(KPI_TARGET * 100),
        "names": {
            "rate": _("on-time rate (%)"),
            "met": _("met"),
            "breached": _("breached"),
            "target": _("target"),
            "count": _("clocks"),
        },
    }
    query = request.GET.copy()
    return render(
        request,
        "sla/report.html",
        {
            "filters": f,
            "rows": rows,
            "totals": {
                "met": met,
                "breached": breached,
                "total": met + breached,
                "rate_pct": round(total_rate * 100, 1) if total_rate is not None else None,
                "on_target": total_rate is not None and total_rate >= KPI_TARGET,
            },
            "target_pct": round(KPI_TARGET * 100),
            "chart": chart,
            "breached": breached_list,
            "breached_count": breached_qs.count() if len(breached_list) == 200 else len(breached_list),
            "branches": branches,
            "codes": codes,
            "groups": [(g, GROUP_LABELS[g]) for g in GROUPS],
            "query": query.urlencode(),
        },
    )


@page("sla.reports")
def report_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    f = _report_filters(request, list(branches_visible(access=access)))
    rows = _report_rows(access, f, _clock_codes() if f["group"] == "code" else ())
    return xlsx_response(
        filename=f"on-time-{f['start']:%Y%m%d}-{f['end']:%Y%m%d}.xlsx",
        sheet=_("On-time rate"),
        headers=[str(GROUP_LABELS[f["group"]]), _("met"), _("breached"), _("total"), _("on-time rate (%)")],
        rows=([r["label"], r["met"], r["breached"], r["total"], r["rate_pct"]] for r in rows),
    )


@page("sla.reports")
def report_breached_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    f = _report_filters(request, list(branches_visible(access=access)))
    qs = breached_clocks(
        access=access,
        start=f["start"],
        end=f["end"] + dt.timedelta(days=1),
        code=f["code"],
        branch_id=f["branch_id"],
    )[:100_000]
    return xlsx_response(
        filename=f"breached-{f['start']:%Y%m%d}-{f['end']:%Y%m%d}.xlsx",
        sheet=_("Breached"),
        headers=_clock_headers(),
        rows=(_clock_row(c) for c in qs),
    )
