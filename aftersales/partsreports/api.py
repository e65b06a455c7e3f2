"""``/api/v1/partsreports/…``: slow-moving flags, the replenishment list, the monthly parts analysis.

The same selectors and permissions as the pages: ``stock.view`` for the lists, ``stock.reports``
for the analysis; an outsider gets 404 for a warehouse or branch it may not see.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.common.errors import NotFound
from aftersales.partsreports.selectors import (
    Figures,
    analysis_branches,
    monthly_analysis,
    replenishment_list,
    slow_moving_report,
    warehouses_visible,
)

router = Router(tags=["parts reports"])


class FlagOut(Schema):
    part: str
    part_name: str
    warehouse: str
    branch: str
    flag: str
    since: dt.date
    basis_on: dt.date
    never_issued: bool
    computed_on: dt.date
    on_hand: int
    value: Decimal


class WarehouseTotalOut(Schema):
    warehouse: str
    yellow: int
    red: int
    yellow_value: Decimal
    red_value: Decimal
    value: Decimal


class FlagsOut(Schema):
    count: int
    value: Decimal
    totals: list[WarehouseTotalOut]
    flags: list[FlagOut]


class ReplenishOut(Schema):
    warehouse: str
    part: str
    part_name: str
    reorder_point: int
    on_hand: int
    reserved: int
    available: int
    shortfall: int
    out_of_stock: bool


class FiguresOut(Schema):
    key: str
    label: str
    quantity: int
    cost: Decimal
    free_cost: Decimal
    charged_cost: Decimal


class AnalysisOut(Schema):
    month: str
    total: FiguresOut
    by_branch: list[FiguresOut]
    by_product_line: list[FiguresOut]
    by_product_model: list[FiguresOut]
    top_parts: list[FiguresOut]
    causes: list[FiguresOut]
    by_service_type: list[FiguresOut]


def _warehouse_id(request: HttpRequest, warehouse: str) -> int | None:
    """A warehouse code the person sees, as an id; an unknown or foreign code is "not found"."""
    if not warehouse:
        return None
    found = warehouses_visible(access=access_for(request_user(request))).filter(code=warehouse).first()
    if found is None:
        raise NotFound()
    return found.pk


@router.get("/flags", response=FlagsOut)
def flags(request: HttpRequest, warehouse: str = "", flag: str = "", limit: int = 500) -> dict[str, Any]:
    access = access_for(request_user(request))
    if not access.can("stock.view"):
        raise NotFound()
    report = slow_moving_report(
        access=access,
        warehouse_id=_warehouse_id(request, warehouse),
        flag=flag,
        limit=min(max(limit, 1), 5000),
    )
    return {
        "count": report.count,
        "value": report.value,
        "totals": [
            {
                "warehouse": t.warehouse.code,
                "yellow": t.yellow,
                "red": t.red,
                "yellow_value": t.yellow_value,
                "red_value": t.red_value,
                "value": t.value,
            }
            for t in report.totals
        ],
        "flags": [
            {
                "part": r.flag.part.code,
                "part_name": r.flag.part.name,
                "warehouse": r.flag.warehouse.code,
                "branch": r.flag.branch.code,
                "flag": r.flag.flag,
                "since": r.flag.since,
                "basis_on": r.flag.basis_on,
                "never_issued": r.flag.never_issued,
                "computed_on": r.flag.computed_on,
                "on_hand": r.on_hand,
                "value": r.value,
            }
            for r in report.rows
        ],
    }


@router.get("/replenishment", response=list[ReplenishOut])
def replenishment(request: HttpRequest, warehouse: str = "") -> list[dict[str, Any]]:
    access = access_for(request_user(request))
    if not access.can("stock.view"):
        raise NotFound()
    return [
        {
            "warehouse": r.warehouse.code,
            "part": r.part_code,
            "part_name": r.part_name,
            "reorder_point": r.reorder_point,
            "on_hand": r.on_hand,
            "reserved": r.reserved,
            "available": r.available,
            "shortfall": r.shortfall,
            "out_of_stock": r.out_of_stock,
        }
        for r in replenishment_list(access=access, warehouse_id=_warehouse_id(request, warehouse))
    ]


def _figures(f: Figures) -> dict[str, Any]:
    return {
        "key": f.key,
        "label": f.label,
        "quantity": f.quantity,
        "cost": f.cost,
        "free_cost": f.free_cost,
        "charged_cost": f.charged_cost,
    }


@router.get("/analysis", response=AnalysisOut)
def analysis(
    request: HttpRequest, month: str = "", branch: str = "", product_line_id: int | None = None
) -> dict[str, Any]:
    access = access_for(request_user(request))
    if not access.can("stock.reports"):
        raise NotFound()
    try:
        first = dt.date.fromisoformat(f"{month}-01") if month else timezone.localdate().replace(day=1)
    except ValueError as exc:
        raise HttpError(422, "month: YYYY-MM") from exc
    branch_id = None
    if branch:
        found = analysis_branches(access=access).filter(code=branch).first()
        if found is None:
            raise NotFound()
        branch_id = found.pk
    a = monthly_analysis(access=access, month=first, branch_id=branch_id, product_line_id=product_line_id)
    return {
        "month": f"{a.month:%Y-%m}",
        "total": _figures(a.total),
        "by_branch": [_figures(f) for f in a.by_branch],
        "by_product_line": [_figures(f) for f in a.by_line],
        "by_product_model": [_figures(f) for f in a.by_model],
        "top_parts": [_figures(f) for f in a.top_parts],
        "causes": [_figures(f) for f in a.causes],
        "by_service_type": [_figures(f) for f in a.by_service_type],
    }
