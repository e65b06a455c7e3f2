"""Pages of parts requests (补件): list, apply, the request with its steps, close-out, shipping lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.access.policy import ALL, access_for
from aftersales.audit.selectors import events_for_subject
from aftersales.catalog.models import Part
from aftersales.common.errors import DomainError, NotFound
from aftersales.common.excel import xlsx_response
from aftersales.common.paging import keyset_page, parse_before
from aftersales.common.pdf import render_pdf
from aftersales.customers.models import Customer
from aftersales.org.selectors import branches_visible
from aftersales.stock.models import Warehouse
from aftersales.supply import services as sv
from aftersales.supply.models import Cause, CloseOut, Fulfilment, PartsRequest, SupplyOrder
from aftersales.supply.selectors import ready_to_ship, requests_search, requests_visible, shipments_of_day
from aftersales.web.decorators import page, user_of, wants_partial

RS = PartsRequest.State


def _int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


def _filters(request: HttpRequest) -> dict[str, Any]:
    state = request.GET.get("state", "")
    return {
        "state": state if state in RS.values else "",
        "overdue": request.GET.get("overdue") == "1",
        "branch_id": _int(request.GET.get("branch", "")),
        "q": request.GET.get("q", "").strip()[:100],
    }


@page("supply.view")
def request_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    filters = _filters(request)
    qs = requests_search(access=access, before_id=parse_before(request), **filters)
    context = {
        "page": keyset_page(qs, size=50),
        "filters": filters,
        "states": RS.choices,
        "branches": branches_visible(access=access) if access.is_staff_member else [],
        "can_apply": access.can("supply.apply"),
        "is_staff": access.is_staff_member,
        "query": request.GET.urlencode(),
        "today": timezone.localdate(),
    }
    template = "supply/list.html#rows" if wants_partial(request) else "supply/list.html"
    return render(request, template, context)


@page("supply.view")
def request_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    qs = requests_search(access=access, **_filters(request)).prefetch_related("lines__part")
    headers = [
        _("request no."),
        _("branch"),
        _("customer"),
        _("channel"),
        _("state"),
        _("cause"),
        _("charged"),
        _("amount"),
        _("promised delivery date"),
        _("parts"),
        _("applied"),
        _("shipped"),
        _("overdue"),
    ]
    rows = (
        [
            r.number,
            r.branch.code,
            r.customer.name,
            r.get_channel_display(),
            r.get_state_display(),
            r.get_cause_display(),
            r.charged,
            r.amount,
            r.promised_on,
            "; ".join(f"{ln.part.code}×{ln.quantity}" for ln in r.lines.all()),
            r.requested_at,
            r.shipped_at,
            bool(r.overdue_at and r.is_open),
        ]
        for r in qs.iterator(chunk_size=500)
    )
    return xlsx_response(
        filename="parts-requests.xlsx", sheet=_("Parts requests"), headers=headers, rows=rows
    )


@page("supply.apply")
def request_new(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    customers: Any = []
    if access.is_staff_member:
        branches = access.branches_for("supply.apply")
        customers = Customer.objects.filter(active=True).order_by("name")
        if branches != ALL:
            customers = customers.filter(branch_id__in=sorted(branches))
        customers = customers[:500]
    elif access.dealer_id is not None:
        customers = Customer.objects.filter(active=True, dealer_id=access.dealer_id).order_by("name")[:500]
    parts = Part.objects.filter(active=True).order_by("code")[:1000]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        lines = []
        for i in range(3):
            part_id, qty = _int(request.POST.get(f"part_{i}", "")), request.POST.get(f"qty_{i}", "").strip()
            if part_id:
                lines.append(sv.LineData(part_id=part_id, quantity=int(qty) if qty.isdigit() else 0))
        data = sv.RequestData(
            customer_id=_int(request.POST.get("customer_id", "")),
            lines=lines,
            contact_name=request.POST.get("contact_name", ""),
            phone=request.POST.get("phone", ""),
            address=request.POST.get("address", ""),
            description=request.POST.get("description", ""),
        )
        try:
            req = sv.request_apply(data=data, access=access, by=user_of(request))
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            errors = exc.fields or {"form": [exc.message]}
        else:
            messages.success(request, _("Parts request %(n)s sent.") % {"n": req.number})
            return redirect("supply:detail", pk=req.pk)
    return render(
        request,
        "supply/new.html",
        {
            "customers": customers,
            "parts": parts,
            "errors": errors,
            "posted": request.POST,
            "rows": range(3),
            "is_staff": access.is_staff_member,
        },
    )


def _get(request: HttpRequest, pk: int) -> PartsRequest:
    req = (
        requests_visible(access=access_for(request.user))
        .select_related("requested_by", "confirmed_by", "lead_approved_by", "quality_approved_by")
        .filter(pk=pk)
        .first()
    )
    if req is None:
        raise NotFound()
    return req


@page("supply.view")
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    req = _get(request, pk)
    b = req.branch_id
    staff = access.is_staff_member
    lines = list(req.lines.select_related("part", "warehouse", "supply_order", "loan"))
    latest = sv.latest_promise(branch=req.branch, confirmed_at=timezone.now(), customer_id=req.customer_id)
    can = {
        "confirm": staff and req.state == RS.APPLIED and access.can("supply.apply", b),
        "approve": req.state in (RS.CONFIRMED, RS.LEAD_APPROVED) and access.can("supply.approve", b),
        "fulfil": req.state == RS.APPROVED and access.can("supply.fulfil", b),
        "check": req.state == RS.APPROVED and access.can("supply.check", b) and all(ln.ready for ln in lines),
        "ship": req.state == RS.READY and access.can("supply.ship", b),
        "cancel": req.state in (RS.APPLIED, RS.CONFIRMED)
        and (
            (staff and access.can("supply.apply", b))
            or (req.state == RS.APPLIED and req.requested_by_id == access.user_id)
        ),
    }
    return render(
        request,
        "supply/detail.html",
        {
            "req": req,
            "lines": lines,
            "checks": req.checks.select_related("checked_by")[:10] if staff else [],
            "events": events_for_subject(subject=req) if staff else [],
            "can": can,
            "is_staff": staff,
            "causes": Cause.choices,
            "methods": Fulfilment.choices,
            "warehouses": Warehouse.objects.filter(branch_id=b, active=True).order_by("code")
            if can["fulfil"]
            else [],
            "latest_promise": latest,
            "default_amount": sv.default_amount(req),
            "today": timezone.localdate(),
        },
    )


def _bool(request: HttpRequest, name: str) -> bool:
    return request.POST.get(name) in ("1", "on", "true")


def _money(raw: str) -> Decimal | str | None:
    return raw.strip() or None


ACTIONS: dict[str, Callable[..., Any]] = {
    "confirm": lambda r, pk, **kw: sv.request_confirm(
        request_id=pk,
        promised_on=dt.date.fromisoformat(r.POST.get("promised_on") or "1900-01-01"),
        confirmed_with=r.POST.get("confirmed_with", ""),
        cause=r.POST.get("cause", ""),
        amount=_money(r.POST.get("amount", "")),
        amount_reason=r.POST.get("amount_reason", ""),
        **kw,
    ),
    "approve": lambda r, pk, **kw: sv.request_approve(
        request_id=pk, approve=True, note=r.POST.get("note", ""), **kw
    ),
    "reject": lambda r, pk, **kw: sv.request_approve(
        request_id=pk, approve=False, note=r.POST.get("note", ""), **kw
    ),
    "cancel": lambda r, pk, **kw: sv.request_cancel(request_id=pk, reason=r.POST.get("note", ""), **kw),
    "fulfil": lambda r, pk, **kw: sv.request_fulfil(
        request_id=pk,
        line_id=_int(r.POST.get("line_id", "")) or 0,
        method=r.POST.get("method", ""),
        warehouse_id=_int(r.POST.get("warehouse_id", "")),
        **kw,
    ),
    "receive": lambda r, pk, **kw: sv.supply_order_receive(
        order_id=SupplyOrder.objects.filter(pk=_int(r.POST.get("order_id", "")) or 0, request_id=pk)
        .values_list("pk", flat=True)
        .first()
        or 0,
        qa_passed=r.POST.get("qa_passed", "1") == "1",
        qa_note=r.POST.get("qa_note", ""),
        **kw,
    ),
    "check": lambda r, pk, **kw: sv.request_check(
        request_id=pk,
        packaging_ok=_bool(r, "packaging_ok"),
        labels_ok=_bool(r, "labels_ok"),
        stamp_ok=_bool(r, "stamp_ok"),
        note=r.POST.get("note", ""),
        **kw,
    ),
    "ship": lambda r, pk, **kw: sv.request_ship(
        request_id=pk, carrier=r.POST.get("carrier", ""), loaded_by=r.POST.get("loaded_by", ""), **kw
    ),
}
DONE = {
    "confirm": gettext_lazy("Confirmed with the customer."),
    "approve": gettext_lazy("Approved."),
    "reject": gettext_lazy("Rejected."),
    "cancel": gettext_lazy("Cancelled."),
    "fulfil": gettext_lazy("Fulfilment recorded."),
    "receive": gettext_lazy("Received."),
    "check": gettext_lazy("Receiving check recorded."),
    "ship": gettext_lazy("Loaded on the day's shipping list."),
}


@require_POST
@page("supply.view")
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _get(request, pk)
    handler = ACTIONS.get(action)
    if handler is None:
        raise NotFound()
    try:
        handler(request, pk, access=access_for(request.user), by=user_of(request))
    except (ValueError, DomainError) as exc:
        if isinstance(exc, NotFound):
            raise
        message = exc.message if isinstance(exc, DomainError) else _("promised_on: give a date (YYYY-MM-DD).")
        messages.error(request, message)
    else:
        req = PartsRequest.objects.only("state", "check_problem").get(pk=pk)
        if action == "check" and req.check_problem:
            messages.warning(
                request, _("Receiving check failed: %(w)s. Shipping is blocked.") % {"w": req.check_problem}
            )
        else:
            messages.success(request, str(DONE[action]))
    return redirect("supply:detail", pk=pk)


@page("supply.view")
def request_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    req = _get(request, pk)
    pdf = render_pdf(
        "pdf/supply_request.html",
        {"req": req, "lines": req.lines.select_related("part"), "printed_at": timezone.localtime()},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{req.number}.pdf"'
    return response


@page("supply.view")
def closeout_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    if not access.is_staff_member:
        raise NotFound()
    visible = requests_visible(access=access)
    branches = access.branches_for("supply.view")
    closeouts = CloseOut.objects.select_related("branch").prefetch_related("lines__request__customer")
    if branches != ALL:
        closeouts = closeouts.filter(branch_id__in=sorted(branches))
    return render(
        request,
        "supply/closeout.html",
        {
            "overdue": visible.filter(overdue_at__isnull=False, state__in=sv.OPEN_STATES).order_by(
                "promised_on"
            ),
            "closeouts": closeouts[:6],
            "today": timezone.localdate(),
        },
    )


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


@page("supply.view")
def shipping_day(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    if not access.is_staff_member:
        raise NotFound()
    day = _day(request)
    branch_id = _int(request.GET.get("branch", ""))
    return render(
        request,
        "supply/shipping.html",
        {
            "day": day,
            "shipments": shipments_of_day(access=access, day=day, branch_id=branch_id),
            "ready": ready_to_ship(access=access, branch_id=branch_id),
            "can_ship": access.can("supply.ship"),
            "branch_id": branch_id or "",
            "prev": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
        },
    )


@page("supply.view")
def shipping_pdf(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    if not access.is_staff_member:
        raise NotFound()
    day = _day(request)
    shipments = shipments_of_day(access=access, day=day, branch_id=_int(request.GET.get("branch", "")))
    pdf = render_pdf(
        "pdf/supply_shipping.html", {"day": day, "shipments": shipments, "printed_at": timezone.localtime()}
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="shipping-{day.isoformat()}.pdf"'
    return response
