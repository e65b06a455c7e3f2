"""Pages: slow-moving parts by warehouse, the replenishment list, the monthly parts analysis."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import access_for
from aftersales.catalog.models import ProductLine
from aftersales.common.excel import xlsx_response
from aftersales.partsreports.models import SlowMovingFlag
from aftersales.partsreports.selectors import (
    Analysis,
    analysis_branches,
    monthly_analysis,
    replenishment_list,
    slow_moving_report,
    warehouses_visible,
)
from aftersales.web.decorators import page

LIMIT = 500


def _int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


def _warehouse_filters(request: HttpRequest, *, stocking: bool = False) -> dict[str, Any]:
    access = access_for(request.user)
    warehouses = warehouses_visible(access=access)
    if stocking:
        warehouses = warehouses.filter(kind__in=("head_office", "branch"), active=True)
    choices = list(warehouses)
    wanted = _int(request.GET.get("warehouse", ""))
    warehouse = next((w for w in choices if w.pk == wanted), None)
    flag = request.GET.get("flag", "")
    if flag not in SlowMovingFlag.Flag.values:
        flag = ""
    return {
        "warehouses": choices,
        "warehouse": warehouse,
        "flag": flag,
        "flags": SlowMovingFlag.Flag.choices,
        "query": urlencode({"warehouse": warehouse.pk if warehouse else "", "flag": flag}),
        "can_analyse": access.can("stock.reports"),
    }


# --- slow-moving --------------------------------------------------------------------------------


def _slow(request: HttpRequest, f: dict[str, Any], limit: int | None) -> Any:
    return slow_moving_report(
        access=access_for(request.user),
        warehouse_id=f["warehouse"].pk if f["warehouse"] else None,
        flag=f["flag"],
        limit=limit,
    )


@page("stock.view")
def slow_moving_page(request: HttpRequest) -> HttpResponse:
    f = _warehouse_filters(request)
    report = _slow(request, f, LIMIT)
    return render(
        request,
        "partsreports/slow_moving.html",
        {"f": f, "r": report, "limit": LIMIT, "can_analyse": f["can_analyse"]},
    )


@page("stock.view")
def slow_moving_export(request: HttpRequest) -> FileResponse:
    f = _warehouse_filters(request)
    report = _slow(request, f, None)
    flags = dict(SlowMovingFlag.Flag.choices)
    rows = [
        [
            r.flag.warehouse.code,
            r.flag.warehouse.name,
            r.flag.part.code,
            r.flag.part.name,
            str(flags[r.flag.flag]),
            r.flag.since,
            r.flag.basis_on,
            _("never issued") if r.flag.never_issued else _("last issued"),
            r.on_hand,
            r.value,
        ]
        for r in report.rows
    ]
    rows += [
        [t.warehouse.code, t.warehouse.name, "", _("total"), "", None, None, "", t.yellow + t.red, t.value]
        for t in report.totals
    ]
    return xlsx_response(
        filename=f"slow-moving-{timezone.localdate():%Y-%m-%d}.xlsx",
        sheet=_("Slow-moving parts"),
        headers=[
            _("warehouse"),
            _("warehouse name"),
            _("part number"),
            _("name"),
            _("flag"),
            _("flagged since"),
            _("counted from"),
            _("basis"),
            _("on hand"),
            _("value at cost"),
        ],
        rows=rows,
    )


# --- replenishment ------------------------------------------------------------------------------


def _replenishment(request: HttpRequest, f: dict[str, Any]) -> list[Any]:
    return replenishment_list(
        access=access_for(request.user), warehouse_id=f["warehouse"].pk if f["warehouse"] else None
    )


@page("stock.view")
def replenishment_page(request: HttpRequest) -> HttpResponse:
    f = _warehouse_filters(request, stocking=True)
    rows = _replenishment(request, f)
    return render(
        request,
        "partsreports/replenishment.html",
        {
            "f": f,
            "rows": rows[:LIMIT],
            "count": len(rows),
            "out_count": sum(1 for r in rows if r.out_of_stock),
            "limit": LIMIT,
            "can_analyse": f["can_analyse"],
        },
    )


@page("stock.view")
def replenishment_export(request: HttpRequest) -> FileResponse:
    f = _warehouse_filters(request, stocking=True)
    rows = [
        [
            r.warehouse.code,
            r.part_code,
            r.part_name,
            r.reorder_point,
            r.on_hand,
            r.reserved,
            r.available,
            r.shortfall,
            _("out of stock") if r.out_of_stock else _("below reorder point"),
        ]
        for r in _replenishment(request, f)
    ]
    return xlsx_response(
        filename=f"replenishment-{timezone.localdate():%Y-%m-%d}.xlsx",
        sheet=_("Replenishment"),
        headers=[
            _("warehouse"),
            _("part number"),
            _("name"),
            _("reorder point"),
            _("on hand"),
            _("reserved"),
            _("available"),
            _("shortfall"),
            _("status"),
        ],
        rows=rows,
    )


# --- monthly analysis ---------------------------------------------------------------------------


def _month(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{raw}-01") if raw else timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _analysis_filters(request: HttpRequest) -> dict[str, Any]:
    access = access_for(request.user)
    branches = list(analysis_branches(access=access))
    code = request.GET.get("branch", "")
    branch = next((b for b in branches if b.code == code), None)
    lines = list(ProductLine.objects.order_by("code"))
    line_id = _int(request.GET.get("line", ""))
    line = next((pl for pl in lines if pl.pk == line_id), None)
    month = _month(request.GET.get("month", ""))
    return {
        "month": month,
        "branches": branches,
        "branch": branch,
        "lines": lines,
        "line": line,
        "query": urlencode(
            {
                "month": f"{month:%Y-%m}",
                "branch": branch.code if branch else "",
                "line": line.pk if line else "",
            }
        ),
    }


def _analysis(request: HttpRequest, f: dict[str, Any]) -> Analysis:
    return monthly_analysis(
        access=access_for(request.user),
        month=f["month"],
        branch_id=f["branch"].pk if f["branch"] else None,
        product_line_id=f["line"].pk if f["line"] else None,
    )


def _chart(a: Analysis) -> dict[str, Any]:
    return {
        "names": {"free": _("free / contract"), "charged": _("charged"), "quantity": _("quantity")},
        "branches": {
            "labels": [g.label for g in a.by_branch],
            "free": [str(g.free_cost) for g in a.by_branch],
            "charged": [str(g.charged_cost) for g in a.by_branch],
        },
        "top": {
            "labels": [g.label for g in reversed(a.top_parts)],
            "quantity": [g.quantity for g in reversed(a.top_parts)],
        },
        "causes": [{"name": g.label, "value": str(g.cost)} for g in a.causes],
    }


@page("stock.reports")
def analysis_page(request: HttpRequest) -> HttpResponse:
    f = _analysis_filters(request)
    a = _analysis(request, f)
    return render(request, "partsreports/analysis.html", {"f": f, "a": a, "chart": _chart(a)})


@page("stock.reports")
def analysis_export(request: HttpRequest) -> FileResponse:
    f = _analysis_filters(request)
    a = _analysis(request, f)
    sections = [
        (_("branch"), a.by_branch),
        (_("product line"), a.by_line),
        (_("product model"), a.by_model),
        (_("top 10 parts"), a.top_parts),
        (_("fault category"), a.causes),
        (_("service type"), a.by_service_type),
        (_("total"), [a.total]),
    ]
    rows = [
        [title, g.label, g.quantity, g.cost, g.free_cost, g.charged_cost]
        for title, groups in sections
        for g in groups
    ]
    return xlsx_response(
        filename=f"parts-analysis-{f['month']:%Y-%m}.xlsx",
        sheet=_("Parts analysis"),
        headers=[_("by"), _("group"), _("quantity"), _("cost"), _("free / contract"), _("charged")],
        rows=rows,
    )
