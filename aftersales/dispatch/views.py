"""The dispatch plan pages: propose from the board, watch it compute, look at it, decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import access_for
from aftersales.common.errors import DomainError
from aftersales.common.excel import xlsx_response
from aftersales.dispatch import drawing
from aftersales.dispatch.models import DispatchPlan
from aftersales.dispatch.selectors import plan_get, plan_progress
from aftersales.dispatch.services import (
    DECIDABLE,
    TIME_LIMIT_DEFAULT,
    plan_accept,
    plan_edit,
    plan_propose,
    plan_reject,
)
from aftersales.org.models import Branch
from aftersales.web.decorators import page, user_of, wants_partial


def _error(request: HttpRequest, exc: DomainError) -> None:
    details = "; ".join(m for msgs in (exc.fields or {}).values() for m in msgs if m)
    messages.error(
        request, f"{exc.message} {details}".strip() if details and details not in exc.message else exc.message
    )


def _plan_url(plan_id: int) -> str:
    return reverse("dispatch:plan", args=[plan_id])


@require_POST
@page("orders.dispatch")
def plan_new(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    code = request.POST.get("branch", "").strip()
    branch = Branch.objects.filter(code__iexact=code).first() if code else None
    if branch is None or not access.can("orders.dispatch", branch.pk):
        raise Http404()
    board = f"{reverse('calls:board')}?branch={branch.code}"
    raw_limit = request.POST.get("time_limit", "").strip() or str(TIME_LIMIT_DEFAULT)
    try:
        day = dt.date.fromisoformat(request.POST.get("day", "").strip())
        time_limit = int(raw_limit)
    except ValueError:
        messages.error(request, _("Give the day (YYYY-MM-DD) and the time limit in seconds."))
        return redirect(board)
    try:
        plan = plan_propose(
            branch_id=branch.pk, day=day, time_limit=time_limit, access=access, by=user_of(request)
        )
    except DomainError as exc:
        _error(request, exc)
        return redirect(board)
    return redirect(_plan_url(plan.pk))


def _context(plan: DispatchPlan) -> dict[str, Any]:
    proposal = plan.proposal or {}
    context: dict[str, Any] = {
        "plan": plan,
        "progress": plan_progress(plan),
        "decidable": plan.state in DECIDABLE,
        "busy": plan.busy,
    }
    if not proposal.get("routes") and not proposal.get("unassigned"):
        return context
    jobs = {j["id"]: j for j in proposal["problem"]["jobs"]}
    accepted = set(proposal.get("accepted", []))
    routes = proposal["routes"]
    choices = [(r["technician"], r["name"]) for r in routes if r["technician"] not in accepted]
    cards = []
    for i, route in enumerate(routes):
        visits = [
            {
                **v,
                "customer": jobs[v["job"]]["customer"],
                "line": jobs[v["job"]]["line"],
                "times": f"{drawing.hhmm(v['start'])}–{drawing.hhmm(v['end'])}",
                "arrive": drawing.hhmm(v["arrival"]),
            }
            for v in route["visits"]
        ]
        cards.append(
            {
                **route,
                "css": f"tech-{i % drawing.PALETTE}",
                "visits": visits,
                "accepted": route["technician"] in accepted,
                "hours": f"{drawing.hhmm(route['departure'])}–{drawing.hhmm(route['return_at'])}"
                if visits
                else "",
                "lunch_times": (
                    f"{drawing.hhmm(route['lunch']['start'])}–{drawing.hhmm(route['lunch']['end'])}"
                    if route["lunch"]
                    else ""
                ),
            }
        )
    unassigned = [
        {
            **u,
            "customer": jobs[u["job"]]["customer"],
            "line": jobs[u["job"]]["line"],
            "reason_label": drawing.REASONS.get(u["reason"], u["reason"]),
        }
        for u in proposal.get("unassigned", [])
    ]
    numbers = {int(j["id"]): j["number"] for j in jobs.values()}
    names = {r["technician"]: r["name"] for r in routes}
    results = [
        {**r, "number": numbers.get(r["order"], r["order"]), "name": names.get(r["technician"], "")}
        for r in proposal.get("results", [])
    ]
    context.update(
        {
            "cards": cards,
            "unassigned": unassigned,
            "choices": choices,
            "timeline": drawing.timeline(proposal),
            "map": drawing.places(proposal),
            "notes": proposal.get("notes", []),
            "results": results,
        }
    )
    return context


@page("orders.dispatch")
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = plan_get(access=access_for(request.user), plan_id=pk)
    template = "dispatch/plan.html#plan" if wants_partial(request) else "dispatch/plan.html"
    return render(request, template, _context(plan))


@page("orders.dispatch")
def plan_export(request: HttpRequest, pk: int) -> FileResponse:
    """The proposal as a table: one row per visit in route order, then the orders left out."""
    context = _context(plan_get(access=access_for(request.user), plan_id=pk))
    rows: list[list[Any]] = []
    for card in context.get("cards", []):
        for n, v in enumerate(card["visits"], 1):
            late = round(v["late"]) if v.get("late") else ""
            rows.append(
                [card["name"], n, v["number"], v["customer"], v["line"], v["arrive"], v["times"], late, ""]
            )
    for u in context.get("unassigned", []):
        rows.append(["", "", u["number"], u["customer"], u["line"], "", "", "", u["reason_label"]])
    return xlsx_response(
        filename=f"dispatch-plan-{pk}.xlsx",
        sheet=_("Dispatch plan"),
        headers=[
            _("technician"),
            "#",
            _("order no."),
            _("customer"),
            _("product line"),
            _("arrives"),
            _("on site"),
            _("late minutes"),
            _("Not planned"),
        ],
        rows=rows,
    )


@require_POST
@page("orders.dispatch")
def plan_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    plan_get(access=access, plan_id=pk)
    raw = request.POST.get("technician_id", "").strip()
    try:
        result = plan_accept(
            plan_id=pk,
            technician_ids=[int(raw)] if raw.isdigit() else None,
            access=access,
            by=user_of(request),
        )
    except DomainError as exc:
        _error(request, exc)
        return redirect(_plan_url(pk))
    messages.success(
        request,
        _("%(a)s orders assigned, %(u)s unchanged, %(r)s refused.")
        % {"a": len(result.assigned), "u": len(result.unchanged), "r": len(result.refused)},
    )
    return redirect(_plan_url(pk))


@require_POST
@page("orders.dispatch")
def plan_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    plan_get(access=access, plan_id=pk)
    order_raw = request.POST.get("order_id", "").strip()
    tech_raw = request.POST.get("technician_id", "").strip()
    if not order_raw.isdigit() or not (tech_raw.isdigit() or tech_raw == "drop"):
        messages.error(request, _("Choose a technician, or drop the order."))
        return redirect(_plan_url(pk))
    try:
        plan_edit(
            plan_id=pk,
            order_id=int(order_raw),
            technician_id=int(tech_raw) if tech_raw.isdigit() else None,
            access=access,
            by=user_of(request),
        )
    except DomainError as exc:
        _error(request, exc)
        return redirect(_plan_url(pk))
    messages.success(request, _("The plan was changed and checked again."))
    return redirect(_plan_url(pk))


@require_POST
@page("orders.dispatch")
def plan_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    plan = plan_get(access=access, plan_id=pk)
    try:
        plan_reject(plan_id=pk, reason=request.POST.get("reason", ""), access=access, by=user_of(request))
    except DomainError as exc:
        _error(request, exc)
        return redirect(_plan_url(pk))
    messages.success(request, _("Plan rejected."))
    return redirect(f"{reverse('calls:board')}?branch={plan.branch.code}")
