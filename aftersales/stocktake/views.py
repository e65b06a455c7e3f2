"""Stocktake pages: the monthly status and list, the count sheet for a phone (htmx per line), the
review page, the printable count sheet (PDF) and the Excel export. Rules are in services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import Access, access_for
from aftersales.common.errors import DomainError
from aftersales.common.excel import xlsx_response
from aftersales.common.pdf import render_pdf
from aftersales.stock.models import Bin
from aftersales.stock.services import may_move
from aftersales.stocktake.models import Stocktake, StocktakeLine
from aftersales.stocktake.selectors import (
    stocktake_lines,
    stocktake_status,
    stocktakes_visible,
    warehouses_visible,
)
from aftersales.stocktake.services import (
    stocktake_approve,
    stocktake_cancel,
    stocktake_count,
    stocktake_may_approve,
    stocktake_plan,
    stocktake_post,
    stocktake_reject,
    stocktake_start,
    stocktake_submit,
    stocktake_summary,
)
from aftersales.web.decorators import page, user_of, wants_partial

S = Stocktake.State
LIMIT = 200


def _stocktake(access: Access, pk: int) -> Stocktake:
    stocktake = stocktakes_visible(access=access).filter(pk=pk).first()
    if stocktake is None:
        raise Http404()
    return stocktake


def _buttons(access: Access, stocktake: Stocktake, user_id: int) -> dict[str, bool]:
    keeper = may_move(access, stocktake.warehouse)
    counters = set(stocktake.lines.exclude(counted_by=None).values_list("counted_by_id", flat=True))
    supervisor = (
        stocktake_may_approve(access, stocktake)
        and user_id not in counters
        and user_id != stocktake.submitted_by_id
    )
    state = stocktake.state
    return {
        "start": keeper and state == S.DRAFT,
        "count": keeper and state == S.COUNTING,
        "submit": keeper and state == S.COUNTING,
        "approve": supervisor and state == S.REVIEW,
        "reject": supervisor and state == S.REVIEW,
        "post": (keeper or stocktake_may_approve(access, stocktake)) and state == S.APPROVED,
        "cancel": (keeper or stocktake_may_approve(access, stocktake))
        and state in (S.DRAFT, S.COUNTING, S.REVIEW, S.APPROVED),
    }


@page("stock.view")
def stocktake_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    stocktakes = stocktakes_visible(access=access).order_by("-planned_for", "-id")
    warehouse = request.GET.get("warehouse", "")
    if warehouse.isdigit():
        stocktakes = stocktakes.filter(warehouse_id=int(warehouse))
    status = stocktake_status(access=access)
    startable = [w for w in warehouses_visible(access=access) if may_move(access, w)]
    return render(
        request,
        "stocktake/list.html",
        {
            "status": status,
            "overdue": sum(1 for s in status if s.overdue),
            "stocktakes": list(stocktakes[:LIMIT]),
            "startable": startable,
            "zones": sorted(
                set(Bin.objects.filter(warehouse__in=startable, active=True).values_list("zone", flat=True))
            ),
            "warehouse": warehouse,
        },
    )


@require_POST
@page("stock.view")
def stocktake_new(request: HttpRequest) -> HttpResponse:
    access, by, post = access_for(request.user), user_of(request), request.POST
    try:
        warehouse_id = int(post.get("warehouse", ""))
    except ValueError:
        messages.error(request, _("warehouse: choose a warehouse."))
        return redirect("stocktake:list")
    planned = None
    if post.get("planned_for"):
        try:
            planned = dt.date.fromisoformat(post["planned_for"])
        except ValueError:
            messages.error(request, _("planned for: a date such as 2026-03-31."))
            return redirect("stocktake:list")
    try:
        stocktake = stocktake_plan(
            warehouse_id=warehouse_id, planned_for=planned, zone=post.get("zone", ""), access=access, by=by
        )
        if post.get("start"):
            stocktake_start(stocktake_id=stocktake.pk, access=access, by=by)
            return redirect("stocktake:count", pk=stocktake.pk)
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
        return redirect("stocktake:list")
    return redirect("stocktake:detail", pk=stocktake.pk)


@page("stock.view")
def stocktake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    stocktake = _stocktake(access, pk)
    show = stocktake.state not in (S.DRAFT, S.COUNTING)  # blind count: no system quantity while counting
    lines = stocktake_lines(stocktake) if show else []
    return render(
        request,
        "stocktake/detail.html",
        {
            "stocktake": stocktake,
            "summary": stocktake_summary(stocktake),
            "lines": lines,
            "differences": [lv for lv in lines if lv.line.difference],
            "show_quantities": show,
            "total_value": sum((lv.value for lv in lines), start=0),
            "buttons": _buttons(access, stocktake, user_of(request).pk),
        },
    )


@require_POST
@page("stock.view")
def stocktake_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    access, by, post = access_for(request.user), user_of(request), request.POST
    stocktake = _stocktake(access, pk)
    kw: dict[str, Any] = {"stocktake_id": stocktake.pk, "access": access, "by": by}
    try:
        if action == "start":
            stocktake_start(**kw)
            done = _("%(n)s: snapshot taken, counting.")
        elif action == "submit":
            stocktake_submit(**kw)
            done = _("%(n)s: submitted for review.")
        elif action == "approve":
            stocktake_approve(note=post.get("note", ""), **kw)
            done = _("%(n)s: approved.")
        elif action == "reject":
            stocktake_reject(reason=post.get("reason", ""), **kw)
            done = _("%(n)s: sent back for a recount.")
        elif action == "post":
            stocktake_post(**kw)
            done = _("%(n)s: adjustments posted.")
        elif action == "cancel":
            stocktake_cancel(reason=post.get("reason", ""), **kw)
            done = _("%(n)s: cancelled.")
        else:
            raise Http404()
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
        return redirect("stocktake:detail", pk=stocktake.pk)
    messages.success(request, done % {"n": stocktake.number})
    if action == "start":
        return redirect("stocktake:count", pk=stocktake.pk)
    return redirect("stocktake:detail", pk=stocktake.pk)


@page("stock.view")
def count_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    stocktake = _stocktake(access, pk)
    lines = list(stocktake.lines.select_related("part", "bin").order_by("bin__code", "part__code"))
    return render(
        request,
        "stocktake/count.html",
        {
            "stocktake": stocktake,
            "lines": lines,
            "counted": sum(1 for ln in lines if ln.counted_quantity is not None),
            "can_count": _buttons(access, stocktake, user_of(request).pk)["count"],
        },
    )


@require_POST
@page("stock.view")
def count_line(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    access = access_for(request.user)
    stocktake = _stocktake(access, pk)
    line = StocktakeLine.objects.filter(pk=line_id, stocktake=stocktake).first()
    if line is None:
        raise Http404()
    error = None
    try:
        line = stocktake_count(
            line_id=line.pk,
            counted=request.POST.get("counted", ""),
            note=request.POST.get("note", ""),
            access=access,
            by=user_of(request),
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        error = exc
    if wants_partial(request):
        line = StocktakeLine.objects.select_related("part", "bin").get(pk=line.pk)
        return render(
            request,
            "stocktake/count.html#line",
            {"line": line, "stocktake": stocktake, "can_count": True, "error": error, "saved": error is None},
            status=400 if error else 200,
        )
    if error is not None:
        messages.error(request, error.message)
    return redirect(f"{reverse('stocktake:count', args=[stocktake.pk])}#line-{line.pk}")


@page("stock.view")
def sheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """盘点表: the blind count sheet to print (no system quantity), signature lines at the end."""
    stocktake = _stocktake(access_for(request.user), pk)
    lines = list(stocktake.lines.select_related("part", "bin").order_by("bin__code", "part__code"))
    pdf = render_pdf(
        "pdf/stocktake_sheet.html",
        {
            "stocktake": stocktake,
            "lines": lines,
            "bins": sorted({ln.bin.code for ln in lines}),
            "printed_at": timezone.localtime(timezone.now(), stocktake.branch.tzinfo),
            "started_at": timezone.localtime(stocktake.started_at, stocktake.branch.tzinfo)
            if stocktake.started_at
            else None,
            "blank_rows": range(5),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{stocktake.number}.pdf"'
    return response


@page("stock.view")
def lines_export(request: HttpRequest, pk: int) -> FileResponse:
    stocktake = _stocktake(access_for(request.user), pk)
    blind = stocktake.state in (S.DRAFT, S.COUNTING)
    rows = []
    for lv in stocktake_lines(stocktake):
        ln = lv.line
        rows.append(
            [
                stocktake.number,
                stocktake.warehouse.code,
                ln.bin.code,
                ln.part.code,
                ln.part.name,
                ln.part.unit,
                "" if blind else ln.snapshot_quantity,
                "" if blind else lv.moved,
                "" if blind else ln.expected_quantity,
                ln.counted_quantity,
                "" if blind else ln.difference,
                "" if blind else lv.unit_cost,
                "" if blind else lv.value,
                ln.counted_by.display_name if ln.counted_by else "",
                ln.counted_at,
                ln.note,
            ]
        )
    return xlsx_response(
        filename=f"{stocktake.number}.xlsx",
        sheet=stocktake.number,
        headers=[
            _("stocktake no."),
            _("warehouse"),
            _("bin"),
            _("part number"),
            _("name"),
            _("unit"),
            _("system quantity at the snapshot"),
            _("moves during the count"),
            _("expected at the count"),
            _("counted"),
            _("difference"),
            _("unit cost"),
            _("value at cost"),
            _("counted by"),
            _("counted at"),
            _("note"),
        ],
        rows=rows,
    )
