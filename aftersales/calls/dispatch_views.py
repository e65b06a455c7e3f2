"""The dispatch board (派工): orders waiting for a technician, the technicians' day, assign and book.

The rules are in :mod:`aftersales.calls.workflow`; this module only collects input and shows the
errors the services raise next to their fields.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import Access, access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.workflow import (
    ARRIVAL_CODES,
    OS,
    order_assign,
    order_book_appointment,
    technicians_for_orders,
)
from aftersales.common.errors import DomainError
from aftersales.dispatch.problem import default_plan_day
from aftersales.org.models import Branch, User
from aftersales.org.roles import Role
from aftersales.sla.models import Clock, ClockState
from aftersales.web.decorators import page, user_of, wants_partial

ACTIVE = (OS.ASSIGNED, OS.TRAVELLING, OS.ON_SITE)


@dataclass
class BoardOrder:
    order: ServiceOrder
    clock: Clock | None
    carried_over: bool = False
    choices: list[tuple[User, str | None]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""
    expanded: bool = False  # the assign/appointment controls are shown (else loaded on demand)


@dataclass
class TechRow:
    technician: User
    orders: list[BoardOrder]


def board_branches(access: Access) -> list[Branch]:
    visible = access.branches_for("orders.dispatch")
    qs = Branch.objects.filter(active=True).order_by("code")
    if visible != "all":
        qs = qs.filter(pk__in=sorted(visible))
    return list(qs)


def _branch(request: HttpRequest, branches: list[Branch]) -> Branch:
    code = (request.GET.get("branch") or request.POST.get("branch") or "").strip()
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


def branch_tz(branch: Branch) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(getattr(branch, "timezone", "") or "Asia/Shanghai")


def _arrival_clocks(order_ids: list[int]) -> dict[int, Clock]:
    """The running arrival deadline of each order (the earliest when two run side by side)."""
    clocks: dict[int, Clock] = {}
    qs = (
        Clock.objects.filter(
            subject_type="calls.serviceorder",
            subject_id__in=order_ids,
            code__in=ARRIVAL_CODES,
            stopped_at__isnull=True,
        )
        .exclude(state=ClockState.CANCELLED)
        .select_related("policy", "branch")
        .order_by("due_at")
    )
    for clock in qs:
        clocks.setdefault(int(clock.subject_id), clock)
    return clocks


def board_context(
    branch: Branch,
    *,
    errors: dict[int, dict[str, list[str]]] | None = None,
    message: str = "",
    expand: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """The board. Each order's assign and appointment controls (the eligible technicians, the
    costly part) are loaded when the supervisor opens them; orders with errors, or in ``expand``,
    come with them open."""
    tz = branch_tz(branch)
    now = timezone.now()
    today = timezone.localdate(now, tz)
    base = ServiceOrder.objects.filter(branch=branch).select_related(
        "customer", "zone", "unit__product_model__product_line", "technician", "fault_category", "branch"
    )
    waiting = list(base.filter(state=OS.OPEN).order_by("opened_at", "pk"))
    active = list(base.filter(state__in=ACTIVE).order_by("appointment_start", "assigned_at", "pk"))
    clocks = _arrival_clocks([o.pk for o in waiting + active])
    errors = errors or {}
    opened = set(expand) | set(errors)
    eligible = technicians_for_orders([o for o in waiting + active if o.pk in opened], today)

    def item(order: ServiceOrder) -> BoardOrder:
        return BoardOrder(
            order=order,
            clock=clocks.get(order.pk),
            carried_over=timezone.localdate(order.opened_at, tz) < today,
            choices=eligible.get(order.pk, []),
            errors=errors.get(order.pk, {}),
            message=message if order.pk in errors else "",
            expanded=order.pk in opened,
        )

    unassigned = [item(o) for o in waiting]
    unassigned.sort(key=lambda b: (not b.carried_over, b.order.opened_at, b.order.pk))
    technicians = list(
        User.objects.filter(
            role_assignments__role=Role.TECHNICIAN, role_assignments__branch=branch, is_active=True
        )
        .distinct()
        .order_by("name", "username")
    )
    rows = [TechRow(technician=t, orders=[]) for t in technicians]
    by_tech = {r.technician.pk: r for r in rows}
    for order in active:
        row = by_tech.get(order.technician_id or 0)
        if row is not None:
            row.orders.append(item(order))
    return {
        "branch": branch,
        "today": today,
        "plan_day": default_plan_day(branch, now=now),
        "unassigned": unassigned,
        "rows": rows,
    }


@page("orders.dispatch")
def board(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    branches = board_branches(access)
    branch = _branch(request, branches)
    raw = request.GET.get("open", "")
    expand = frozenset({int(raw)}) if raw.isdigit() else frozenset()
    context = {**board_context(branch, expand=expand), "branches": branches}
    template = "calls/board.html#board" if wants_partial(request) else "calls/board.html"
    return render(request, template, context)


@page("orders.dispatch")
def board_controls(request: HttpRequest, pk: int) -> HttpResponse:
    """The assign and appointment controls of one order, with its eligible technicians."""
    access = access_for(request.user)
    order = _order_for_dispatch(access, pk)
    order = ServiceOrder.objects.select_related(
        "customer", "zone", "unit__product_model__product_line", "technician", "fault_category", "branch"
    ).get(pk=order.pk)
    today = timezone.localdate(timezone.now(), branch_tz(order.branch))
    item = BoardOrder(
        order=order,
        clock=None,
        choices=technicians_for_orders([order], today).get(order.pk, []),
        expanded=True,
    )
    return render(request, "calls/_board_controls.html", {"b": item})


def _order_for_dispatch(access: Access, pk: int) -> ServiceOrder:
    order = ServiceOrder.objects.select_related("branch").filter(pk=pk).first()
    if order is None or not access.can("orders.dispatch", order.branch_id):
        raise Http404()
    return order


def _after_post(
    request: HttpRequest, order: ServiceOrder, *, ok: str = "", error: DomainError | None = None
) -> HttpResponse:
    access = access_for(request.user)
    if error is None and not wants_partial(request):
        messages.success(request, ok)
    if wants_partial(request) or error is not None:
        errors = {order.pk: error.fields or {"__all__": [error.message]}} if error is not None else {}
        context = {
            **board_context(order.branch, errors=errors, message=error.message if error else ""),
            "branches": board_branches(access),
            "notice": ok,
        }
        if wants_partial(request):
            return render(request, "calls/board.html#board", context)
        return render(request, "calls/board.html", context, status=400)
    return redirect(f"{reverse('calls:board')}?branch={order.branch.code}")


@require_POST
@page("orders.dispatch")
def board_assign(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    order = _order_for_dispatch(access, pk)
    raw = request.POST.get("technician_id", "")
    if not raw.isdigit():
        err = DomainError(_("Choose a technician."), fields={"technician_id": [_("Choose a technician.")]})
        return _after_post(request, order, error=err)
    try:
        done = order_assign(
            order_id=order.pk,
            technician_id=int(raw),
            access=access,
            by=user_of(request),
            reason=request.POST.get("reason", "").strip(),
        )
    except DomainError as exc:
        return _after_post(request, order, error=exc)
    who = done.technician.display_name if done.technician else ""
    return _after_post(request, order, ok=_("%(n)s assigned to %(who)s.") % {"n": done.number, "who": who})


def _local(raw: str, tz: zoneinfo.ZoneInfo) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(raw.strip()).replace(tzinfo=tz)
    except ValueError:
        return None


@require_POST
@page("orders.dispatch")
def board_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    order = _order_for_dispatch(access, pk)
    tz = branch_tz(order.branch)
    start = _local(request.POST.get("start", ""), tz)
    end = _local(request.POST.get("end", ""), tz)
    if start is None or end is None:
        fields = {}
        if start is None:
            fields["start"] = [_("Give a date and time.")]
        if end is None:
            fields["end"] = [_("Give a date and time.")]
        return _after_post(request, order, error=DomainError(_("Give the window."), fields=fields))
    try:
        order_book_appointment(
            order_id=order.pk,
            start=start,
            end=end,
            access=access,
            by=user_of(request),
            customer_choice=request.POST.get("customer_choice") == "on",
        )
    except DomainError as exc:
        return _after_post(request, order, error=exc)
    return _after_post(request, order, ok=_("Appointment booked for %(n)s.") % {"n": order.number})
