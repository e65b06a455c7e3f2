"""The order page (工单), the technician's on-site page and the service report PDF (售后服务报告单).

Input is collected here; every rule is in :mod:`aftersales.calls.workflow`,
:mod:`aftersales.calls.onsite` and :mod:`aftersales.charges.services`.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import Access, access_for
from aftersales.audit.selectors import events_for_subject
from aftersales.calls.models import OldPartDisposal, Opinion, PhotoKind, ServiceOrder, ServiceReport
from aftersales.calls.onsite import (
    SETTLEMENTS,
    PartUse,
    ReportData,
    extra_work_authorise,
    order_close,
    order_complete,
    order_not_fixed,
    order_settle,
    report_save,
    report_sign,
)
from aftersales.calls.photos import PHOTO_STATES
from aftersales.calls.selectors import orders_visible
from aftersales.calls.workflow import (
    MISSING_LABELS,
    ORDER_TRANSITIONS,
    OS,
    order_arrive,
    order_start_travel,
    report_missing,
)
from aftersales.catalog.models import FaultCategory, Part
from aftersales.common.errors import DomainError
from aftersales.common.pdf import render_pdf
from aftersales.common.transitions import allowed_steps
from aftersales.org.roles import Role
from aftersales.sla.templatetags.sla import local_name
from aftersales.web.decorators import page, user_of

SIGNATURE_PATH = re.compile(r"^[MLml0-9 .,\-]{1,200000}$")


def _order(access: Access, pk: int) -> ServiceOrder:
    order = (
        orders_visible(access=access)
        .select_related("zone", "fault_category", "unit__product_model", "unit__contract")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise Http404()
    return order


def _report(order: ServiceOrder) -> ServiceReport | None:
    return ServiceReport.objects.filter(order=order).select_related("fault_category").first()


def missing_words(report: ServiceReport | None) -> list[str]:
    return [str(MISSING_LABELS[m]) for m in report_missing(report)]


def _can_close(access: Access, order: ServiceOrder) -> bool:
    return access.can("orders.dispatch", order.branch_id) or access.has_role(Role.AGENT, order.branch_id)


def order_actions(access: Access, order: ServiceOrder, user_id: int) -> list[dict[str, str]]:
    """The buttons this person may press, from the transition table (one per page they lead to)."""
    dispatcher = access.can("orders.dispatch", order.branch_id)
    worker = order.technician_id == user_id or dispatcher
    board = f"{reverse('calls:board')}?branch={order.branch.code}"
    onsite = reverse("calls:onsite", args=[order.pk])
    actions: list[dict[str, str]] = []
    seen: set[str] = set()
    for to, step in allowed_steps(ORDER_TRANSITIONS, state=order.state, roles=access.roles):
        action: dict[str, str] | None = None
        if step.label in ("assign", "reassign") and dispatcher:
            action = {"key": "board", "label": _("Assign on the board"), "url": board, "method": "get"}
        elif (to in (OS.TRAVELLING, OS.ON_SITE) and order.technician_id == user_id) or (
            order.state == OS.ON_SITE and worker
        ):
            action = {"key": "onsite", "label": _("Open the on-site page"), "url": onsite, "method": "get"}
        elif to == OS.CLOSED and _can_close(access, order):
            url = reverse("calls:order_close", args=[order.pk])
            action = {"key": "close", "label": _("Close the order"), "url": url, "method": "post"}
        if action is not None and action["key"] not in seen:
            seen.add(action["key"])
            actions.append(action)
    return actions


@page("calls.view")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    order = _order(access, pk)
    return _order_page(request, access, order)


def _order_page(
    request: HttpRequest,
    access: Access,
    order: ServiceOrder,
    *,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    report = _report(order)
    user = user_of(request)
    from aftersales.charges.services import may_on_order  # charges imports calls

    quotes = (
        list(order.quotes.all())
        if may_on_order(access, "quotes.view", branch_id=order.branch_id, technician_id=order.technician_id)
        else []
    )
    can_settle = order.is_open and (access.can("calls.view", order.branch_id) and access.is_staff_member)
    context = {
        "order": order,
        "report": report,
        "parts": list(report.parts.select_related("part")) if report else [],
        "missing": missing_words(report) if order.state in (OS.ON_SITE, OS.COMPLETED) else [],
        "call": order.calls.order_by("pk").first(),
        "events": events_for_subject(subject=order),
        "actions": order_actions(access, order, user.pk),
        "quotes": quotes,
        "can_quote": order.is_open
        and may_on_order(access, "quotes.edit", branch_id=order.branch_id, technician_id=order.technician_id),
        "can_settle": can_settle and order.state in (OS.ON_SITE, OS.COMPLETED),
        "can_waive": access.has_role(Role.MANAGER, order.branch_id)
        or access.has_role(Role.EXECUTIVE)
        or access.is_superuser,
        "settlements": [(v, label) for v, label in _settlement_choices() if v in SETTLEMENTS],
        "errors": errors or {},
        "is_staff": access.is_staff_member,
        "posted": request.POST if request.method == "POST" else {},
        **_money_block(access, order),
    }
    return render(request, "calls/order.html", context, status=status)


def _money_block(access: Access, order: ServiceOrder) -> dict[str, Any]:
    from aftersales.charges.selectors import order_money_block  # charges imports calls

    return order_money_block(access=access, order=order)


def _settlement_choices() -> list[tuple[str, str]]:
    field = ServiceOrder._meta.get_field("settlement")
    return [(str(v), str(label)) for v, label in field.choices or []]


def _fail(request: HttpRequest, access: Access, order: ServiceOrder, exc: DomainError) -> HttpResponse:
    fields = exc.fields or {}
    errors = {**fields, "form": [exc.message]}
    return _order_page(request, access, order, errors=errors, status=400)


@require_POST
@page("calls.view")
def order_settle_view(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    order = _order(access, pk)
    try:
        order_settle(
            order_id=order.pk,
            settlement=request.POST.get("settlement", ""),
            reason=request.POST.get("reason", ""),
            amount=request.POST.get("amount", "").strip() or None,
            method=request.POST.get("method", ""),
            access=access,
            by=user_of(request),
        )
    except DomainError as exc:
        return _fail(request, access, order, exc)
    messages.success(request, _("Settlement recorded."))
    return redirect("calls:order", pk=order.pk)


@require_POST
@page("calls.view")
def order_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    order = _order(access, pk)
    try:
        order_close(order_id=order.pk, access=access, by=user_of(request))
    except DomainError as exc:
        return _fail(request, access, order, exc)
    messages.success(request, _("Order %(n)s closed.") % {"n": order.number})
    return redirect("calls:order", pk=order.pk)


# --------------------------------------------------------------------------- on site


def _worker_order(request: HttpRequest, pk: int) -> tuple[Access, ServiceOrder]:
    access = access_for(request.user)
    order = _order(access, pk)
    if order.technician_id != user_of(request).pk and not access.can("orders.dispatch", order.branch_id):
        raise Http404()
    return access, order


def _parts_rows(source: Any) -> list[dict[str, str]]:
    ids = source.getlist("part_id")
    qtys = source.getlist("quantity")
    olds = source.getlist("old_part")
    rows = []
    for i, raw in enumerate(ids):
        if not raw.strip():
            continue
        rows.append(
            {
                "part_id": raw.strip(),
                "quantity": (qtys[i] if i < len(qtys) else "1").strip() or "1",
                "old_part": olds[i] if i < len(olds) else OldPartDisposal.RETURN_TO_SERVICE,
            }
        )
    return rows


def _int_or(raw: str, default: int = -1) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.lstrip("-").isdigit() else default


def _report_data(post: Any) -> ReportData:
    fault = post.get("fault_category_id", "")
    parts = [
        PartUse(part_id=_int_or(r["part_id"]), quantity=_int_or(r["quantity"], 0), old_part=r["old_part"])
        for r in _parts_rows(post)
    ]
    return ReportData(
        fault_category_id=int(fault) if fault.isdigit() else None,
        diagnosis=post.get("diagnosis", ""),
        cause=post.get("cause", ""),
        solution=post.get("solution", ""),
        labour_minutes=_int_or(post.get("labour_minutes", "0") or "0"),
        no_parts_used=post.get("no_parts_used") == "on",
        parts=parts,
        extra_work=post.get("extra_work", ""),
    )


def _parts_with_van_stock(order: ServiceOrder) -> list[tuple[str, str]]:
    """The parts to choose from on the report; where the technician has a van, what it holds."""
    from aftersales.calls.stock_use import van_available

    held = van_available(order)
    label = _("van: %(n)s")
    return [
        (
            str(p.pk),
            f"{p.code} {p.name}" + (f" · {label % {'n': held.get(p.pk, 0)}}" if held is not None else ""),
        )
        for p in Part.objects.filter(active=True).order_by("code")
    ]


def _onsite_page(
    request: HttpRequest,
    access: Access,
    order: ServiceOrder,
    *,
    errors: dict[str, list[str]] | None = None,
    posted: Any = None,
    status: int = 200,
) -> HttpResponse:
    report = _report(order)
    if posted is not None and posted.get("action") == "report":
        values = {
            k: posted.get(k, "") for k in ("diagnosis", "cause", "solution", "labour_minutes", "extra_work")
        }
        values["fault_category_id"] = posted.get("fault_category_id", "")
        values["no_parts_used"] = posted.get("no_parts_used") == "on"
        rows = _parts_rows(posted)
    elif report is not None:
        values = {
            "diagnosis": report.diagnosis,
            "cause": report.cause,
            "solution": report.solution,
            "labour_minutes": str(report.labour_minutes),
            "extra_work": report.extra_work,
            "fault_category_id": str(report.fault_category_id or ""),
            "no_parts_used": report.no_parts_used,
        }
        rows = [
            {"part_id": str(p.part_id), "quantity": str(p.quantity), "old_part": p.old_part}
            for p in report.parts.all()
        ]
    else:
        values = {"fault_category_id": str(order.fault_category_id or ""), "labour_minutes": "0"}
        rows = []
    sign_values = {
        "opinion": (posted.get("opinion", "") if posted is not None else "")
        or (report.customer_opinion if report else ""),
        "signed_by": (posted.get("signed_by", "") if posted is not None else "")
        or (report.signed_by if report else "")
        or order.calls.order_by("pk").values_list("contact_name", flat=True).first()
        or "",
        "comment": posted.get("comment", "")
        if posted is not None
        else (report.customer_comment if report else ""),
    }
    context = {
        "order": order,
        "report": report,
        "values": values,
        "rows": rows,
        "sign": sign_values,
        "signed": report is not None and report.signed_at is not None,
        "faults": [(str(f.pk), local_name(f)) for f in FaultCategory.objects.filter(active=True)],
        "parts_master": _parts_with_van_stock(order),
        "disposals": OldPartDisposal.choices,
        "opinions": Opinion.choices,
        "missing": missing_words(report),
        "errors": errors or {},
        "is_technician": order.technician_id == user_of(request).pk,
        "photo_states": PHOTO_STATES,
        "photo_kinds": PhotoKind.choices,
    }
    return render(request, "calls/onsite.html", context, status=status)


@page("calls.view")
def onsite(request: HttpRequest, pk: int) -> HttpResponse:
    access, order = _worker_order(request, pk)
    if request.method != "POST":
        return _onsite_page(request, access, order)
    action = request.POST.get("action", "")
    by = user_of(request)
    post = request.POST
    try:
        if action == "travel":
            order_start_travel(order_id=order.pk, access=access, by=by)
            done = _("On your way.")
        elif action == "arrive":
            order_arrive(order_id=order.pk, access=access, by=by)
            done = _("Arrival recorded.")
        elif action == "report":
            report_save(order_id=order.pk, data=_report_data(post), access=access, by=by)
            done = _("Report saved.")
        elif action == "authorise":
            extra_work_authorise(order_id=order.pk, access=access, by=by)
            done = _("The customer authorised the extra work.")
        elif action == "sign":
            signature = post.get("signature", "").strip()
            if signature and not SIGNATURE_PATH.match(signature):
                signature = ""
            report_sign(
                order_id=order.pk,
                signed_by=post.get("signed_by", ""),
                signature=signature,
                opinion=post.get("opinion", ""),
                comment=post.get("comment", ""),
                access=access,
                by=by,
            )
            done = _("Signed by the customer.")
        elif action == "complete":
            order_complete(order_id=order.pk, access=access, by=by)
            done = _("Work done: report to the service centre before you leave.")
        elif action == "not_fixed":
            order_not_fixed(
                order_id=order.pk,
                next_step=post.get("next_step", ""),
                reason=post.get("reason", ""),
                access=access,
                by=by,
            )
            done = _("Recorded as not fixed.")
        else:
            raise Http404()
    except DomainError as exc:
        order.refresh_from_db()
        errors = {**(exc.fields or {}), "form": [exc.message], "action": [action]}
        return _onsite_page(request, access, order, errors=errors, posted=post, status=400)
    messages.success(request, done)
    return redirect("calls:onsite", pk=order.pk)


# --------------------------------------------------------------------------- PDF


@page("calls.view")
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    order = _order(access, pk)
    report = _report(order)
    if report is None:
        raise Http404()
    signature = report.signature if SIGNATURE_PATH.match(report.signature or "") else ""
    pdf = render_pdf(
        "calls/report_pdf.html",
        {
            "order": order,
            "report": report,
            "parts": list(report.parts.select_related("part")),
            "call": order.calls.order_by("pk").first(),
            "signature": signature,
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.number}-report.pdf"'
    return response
