"""The accountant's page (invoices to issue, issued and unpaid, payments of a day) and the margins
report (order cost against revenue). Rules are in :mod:`aftersales.charges.money`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import ALL, Access, access_for
from aftersales.calls.models import ServiceOrder
from aftersales.charges.economics import margins
from aftersales.charges.models import Invoice, PaymentMethod
from aftersales.charges.money import invoice_cancel, invoice_issue, invoice_pay
from aftersales.charges.selectors import (
    invoices_to_issue,
    invoices_unpaid,
    invoices_visible,
    is_late,
    payments_on,
)
from aftersales.common.errors import DomainError
from aftersales.common.excel import xlsx_response
from aftersales.org.models import Branch
from aftersales.sla.templatetags.sla import in_branch_time
from aftersales.web.decorators import page, user_of, wants_partial

LIMIT = 300


def _day(request: HttpRequest) -> dt.date:
    raw = request.GET.get("day", "") or request.POST.get("day", "")
    try:
        return dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _age(since: dt.datetime, now: dt.datetime) -> str:
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 60:
        return _("%(m)s min") % {"m": max(minutes, 0)}
    if minutes < 48 * 60:
        return _("%(h)s h") % {"h": minutes // 60}
    return _("%(d)s days") % {"d": minutes // (24 * 60)}


def _ledger(access: Access, day: dt.date) -> dict[str, Any]:
    now = timezone.now()
    to_issue = [
        {"invoice": inv, "age": _age(inv.requested_at, now), "late": is_late(inv, now)}
        for inv in invoices_to_issue(access=access)[:LIMIT]
    ]
    unpaid = list(invoices_unpaid(access=access)[:LIMIT])
    payments = list(payments_on(access=access, day=day)[: LIMIT * 3])
    received = sum((p.amount for p in payments if p.kind == "payment"), Decimal(0))
    refunded = sum((p.amount for p in payments if p.kind == "refund"), Decimal(0))
    return {
        "day": day,
        "to_issue": to_issue,
        "late_count": sum(1 for r in to_issue if r["late"]),
        "unpaid": unpaid,
        "unpaid_total": sum((i.amount - i.amount_paid for i in unpaid), Decimal(0)),
        "payments": payments,
        "received": received,
        "refunded": refunded,
        "methods": PaymentMethod.choices,
        "can_issue": access.can("invoices.issue"),
        "can_record": access.can("money.record"),
    }


def _render_ledger(
    request: HttpRequest, access: Access, day: dt.date, *, error: DomainError | None = None
) -> HttpResponse:
    context = {**_ledger(access, day), "error": error}
    template = "charges/accounts.html#ledger" if wants_partial(request) else "charges/accounts.html"
    return render(request, template, context, status=400 if error else 200)


@page("money.view")
def accounts(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    return _render_ledger(request, access, _day(request))


def _invoice(access: Access, pk: int) -> Invoice:
    invoice = invoices_visible(access=access).filter(pk=pk).first()
    if invoice is None:
        raise Http404()
    return invoice


@require_POST
@page("money.view")
def invoice_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    access = access_for(request.user)
    invoice = _invoice(access, pk)
    by, post = user_of(request), request.POST
    try:
        if action == "issue":
            invoice_issue(
                invoice_id=invoice.pk, tax_invoice_no=post.get("tax_invoice_no", ""), access=access, by=by
            )
            done = _("Invoice %(n)s issued.")
        elif action == "cancel":
            invoice_cancel(invoice_id=invoice.pk, reason=post.get("reason", ""), access=access, by=by)
            done = _("Invoice %(n)s cancelled.")
        elif action == "pay":
            invoice_pay(
                invoice_id=invoice.pk,
                amount=post.get("amount", ""),
                method=post.get("method", ""),
                note=post.get("note", ""),
                access=access,
                by=by,
            )
            done = _("Payment recorded on invoice %(n)s.")
        else:
            raise Http404()
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _render_ledger(request, access, _day(request), error=exc)
    messages.success(request, done % {"n": invoice.number})
    if wants_partial(request):
        return _render_ledger(request, access, _day(request))
    return redirect(f"{reverse('charges:accounts')}?{urlencode({'day': _day(request)})}")


def _local(value: dt.datetime | None, branch: Branch) -> dt.datetime | None:
    local = in_branch_time(value, branch) if value else None
    return local.replace(tzinfo=None) if local else None


@page("money.view")
def accounts_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    day = _day(request)
    table = request.GET.get("table", "to_issue")
    rows: list[list[Any]]
    if table == "unpaid":
        headers = [
            _("invoice request no."),
            _("invoice no. (tax system)"),
            _("order no."),
            _("branch"),
            _("customer"),
            _("invoice title"),
            _("issued"),
            _("amount"),
            _("paid"),
            _("outstanding"),
        ]
        rows = [
            [
                i.number,
                i.tax_invoice_no,
                i.order.number,
                i.branch.name,
                i.customer.name,
                i.title,
                _local(i.issued_at, i.branch),
                i.amount,
                i.amount_paid,
                i.amount - i.amount_paid,
            ]
            for i in invoices_unpaid(access=access)
        ]
        name = _("Issued, unpaid")
    elif table == "payments":
        headers = [
            _("receipt no."),
            _("kind"),
            _("order no."),
            _("branch"),
            _("invoice"),
            _("method"),
            _("received at"),
            _("recorded by"),
            _("approved by"),
            _("amount"),
            _("note"),
        ]
        rows = [
            [
                p.number,
                p.get_kind_display(),
                p.order.number,
                p.branch.name,
                p.invoice.number if p.invoice else "",
                p.get_method_display(),
                _local(p.received_at, p.branch),
                p.received_by.display_name,
                p.approved_by.display_name if p.approved_by else "",
                -p.amount if p.kind == "refund" else p.amount,
                p.note,
            ]
            for p in payments_on(access=access, day=day)
        ]
        name = _("Payments")
    else:
        table = "to_issue"
        headers = [
            _("invoice request no."),
            _("order no."),
            _("branch"),
            _("customer"),
            _("invoice title"),
            _("taxpayer ID"),
            _("requested"),
            _("requested by"),
            _("amount"),
        ]
        rows = [
            [
                i.number,
                i.order.number,
                i.branch.name,
                i.customer.name,
                i.title,
                i.tax_no,
                _local(i.requested_at, i.branch),
                i.requested_by.display_name,
                i.amount,
            ]
            for i in invoices_to_issue(access=access)
        ]
        name = _("Invoices to issue")
    return xlsx_response(
        filename=f"accounts-{table}-{day.isoformat()}.xlsx", sheet=name, headers=headers, rows=rows
    )


# --------------------------------------------------------------------------- margins


def _month(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{raw}-01") if raw else timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _margin_filters(request: HttpRequest, access: Access) -> dict[str, Any]:
    month = _month(request.GET.get("month", ""))
    following = (month + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    branches = Branch.objects.order_by("code")
    full = access.branches_for("money.view")
    if full != ALL:
        branches = branches.filter(pk__in=full)
    code = request.GET.get("branch", "")
    branch = next((b for b in branches if b.code == code), None)
    types = ServiceOrder._meta.get_field("service_type").choices or []
    service_type = request.GET.get("type", "")
    if service_type not in {str(v) for v, _label in types}:
        service_type = ""
    group = request.GET.get("group", "branch")
    if group not in ("branch", "service_type"):
        group = "branch"
    return {
        "month": month,
        "start": dt.datetime.combine(month, dt.time.min, tzinfo=tz),
        "end": dt.datetime.combine(following, dt.time.min, tzinfo=tz),
        "branches": list(branches),
        "branch": branch,
        "types": types,
        "service_type": service_type,
        "group": group,
        "query": urlencode(
            {
                "month": month.strftime("%Y-%m"),
                "branch": branch.code if branch else "",
                "type": service_type,
                "group": group,
            }
        ),
    }


def _margins(access: Access, f: dict[str, Any]) -> Any:
    return margins(
        access=access,
        start=f["start"],
        end=f["end"],
        branch_id=f["branch"].pk if f["branch"] else None,
        service_type=f["service_type"],
        group=f["group"],
    )


@page("money.view")
def margins_page(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    f = _margin_filters(request, access)
    m = _margins(access, f)
    chart = {
        "labels": [g.label for g in m.groups],
        "cost": [str(g.cost) for g in m.groups],
        "revenue": [str(g.revenue) for g in m.groups],
        "margin": [str(g.margin) for g in m.groups],
        "names": {"cost": _("cost"), "revenue": _("revenue"), "margin": _("margin")},
    }
    return render(
        request,
        "charges/margins.html",
        {"f": f, "m": m, "rows": m.rows[:LIMIT], "chart": chart, "limit": LIMIT},
    )


@page("money.view")
def margins_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    f = _margin_filters(request, access)
    m = _margins(access, f)
    types = dict(f["types"])
    headers = [
        _("order no."),
        _("branch"),
        _("service type"),
        _("work done"),
        _("parts at cost"),
        _("labour hours"),
        _("labour cost"),
        _("travel"),
        _("supplier charges"),
        _("cost"),
        _("paid on site"),
        _("refunded"),
        _("invoiced"),
        _("revenue"),
        _("margin"),
    ]
    rows = [
        [
            r.number,
            r.branch,
            str(types.get(r.service_type, r.service_type)),
            r.completed_at,
            r.parts_cost,
            r.labour_hours,
            r.labour_cost,
            r.travel_cost,
            r.supplier_cost,
            r.cost,
            r.paid,
            r.refunded,
            r.invoiced,
            r.revenue,
            r.margin,
        ]
        for r in m.rows
    ]
    return xlsx_response(
        filename=f"margins-{f['month'].strftime('%Y-%m')}.xlsx",
        sheet=_("Margins"),
        headers=headers,
        rows=rows,
    )
