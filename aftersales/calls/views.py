"""Pages of service calls: the intake screen, the call register (服表002) and the call page."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from aftersales.access.policy import Access, access_for
from aftersales.audit.selectors import events_for_subject
from aftersales.calls.forms import CallForm
from aftersales.calls.lookup import Selection, intake_lookup, intake_selection
from aftersales.calls.models import ServiceCall
from aftersales.calls.selectors import calls_register_page, calls_visible
from aftersales.calls.services import WRITTEN_CHANNELS, CallResult, call_register
from aftersales.common.errors import InvalidInput
from aftersales.common.excel import xlsx_response
from aftersales.common.paging import keyset_page, parse_before
from aftersales.common.pdf import render_pdf
from aftersales.org.selectors import branches_visible
from aftersales.sla.templatetags.sla import in_branch_time
from aftersales.triage.intake import panel_context, triage_from_post
from aftersales.triage.selectors import runs_for_call
from aftersales.triage.services import can_manage
from aftersales.web.decorators import page, user_of, wants_partial

DEFAULT_TZ = "Asia/Shanghai"


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _tz(request: HttpRequest) -> zoneinfo.ZoneInfo:
    """The person's branch time (calls are registered and listed by the branch's day)."""
    branch = getattr(request.user, "home_branch", None)
    return zoneinfo.ZoneInfo(getattr(branch, "timezone", "") or DEFAULT_TZ)


def _today(request: HttpRequest) -> dt.date:
    return timezone.localdate(timezone.now(), _tz(request))


def unit_url(unit_id: int) -> str:
    """The unit's page (the installed-base app names it ``installed:unit``)."""
    try:
        return reverse("installed:unit", args=[unit_id])
    except NoReverseMatch:
        return f"/installed/units/{unit_id}/"


# --------------------------------------------------------------------------- intake


def _initial(selection: Selection | None) -> dict[str, Any]:
    if selection is None:
        return {}
    customer = selection.customer
    unit = selection.unit.unit if selection.unit is not None else None
    site = unit.site if unit is not None else None
    return {
        "customer_id": customer.pk,
        "unit_id": unit.pk if unit is not None else None,
        "contact_name": customer.contact_name,
        "phone": customer.phone,
        "address": (site.address if site is not None and site.address else "") or customer.address,
        "zone_id": (site.zone_id if site is not None and site.zone_id else None) or customer.zone_id,
    }


def _success_message(result: CallResult) -> str:
    call = result.call
    if result.linked and result.order is not None:
        return _(
            "Call %(call)s registered and linked to open order %(order)s: "
            "give the customer order number %(order)s."
        ) % {"call": call.number, "order": result.order.number}
    if result.order is not None:
        return _("Call %(call)s registered; new service order %(order)s.") % {
            "call": call.number,
            "order": result.order.number,
        }
    if call.state == ServiceCall.State.RESOLVED:
        return _("Call %(call)s registered and resolved by phone.") % {"call": call.number}
    return _("Call %(call)s registered.") % {"call": call.number}


def _apply_errors(form: CallForm, exc: InvalidInput) -> None:
    for field, msgs in exc.fields.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)
    if not exc.fields:
        form.add_error(None, exc.message)


@page("calls.register")
def call_new(request: HttpRequest) -> HttpResponse:
    """The intake screen: look up, choose the unit or customer, describe the fault, submit."""
    access = access_for(request.user)
    today = _today(request)
    source = request.POST if request.method == "POST" else request.GET
    customer_id = _int(source.get("customer_id") or source.get("customer"))
    unit_id = _int(source.get("unit_id") or source.get("unit"))
    selection = intake_selection(access=access, customer_id=customer_id, unit_id=unit_id, day=today)
    form = CallForm(
        request.POST or None,
        initial=_initial(selection),
        branch_id=selection.customer.branch_id if selection is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the call and the triage walk it carried, or neither
                result = call_register(data=form.to_data(), access=access, by=user_of(request))
                triage_from_post(
                    call_id=result.call.pk, data=request.POST, access=access, by=user_of(request)
                )
        except InvalidInput as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _success_message(result))
            return redirect("calls:detail", pk=result.call.pk)
    q = request.GET.get("q", "").strip()[:100] if request.method == "GET" else ""
    units, customers = intake_lookup(access=access, q=q, day=today) if q else ([], [])
    context = {
        "form": form,
        "selection": selection,
        "today": today,
        "q": q,
        "units": units,
        "customers": customers,
        "unit_url": unit_url(selection.unit.unit.pk) if selection and selection.unit else "",
        "can_new_customer": access.can("customers.edit"),
        "triage": panel_context(
            access=access,
            source=source,
            default_line_id=selection.unit.unit.product_model.product_line_id
            if selection and selection.unit
            else None,
        ),
    }
    form.mark_errors()
    if request.method == "GET" and wants_partial(request):
        return render(request, "calls/new.html#selection", {**context, "picked": True})
    return render(request, "calls/new.html", context, status=400 if form.errors else 200)


@page("calls.register")
def call_lookup(request: HttpRequest) -> HttpResponse:
    """The look-up box's results (htmx); without htmx, the intake screen showing them."""
    q = request.GET.get("q", "").strip()[:100]
    if not wants_partial(request):
        return redirect(f"{reverse('calls:new')}?{urlencode({'q': q})}")
    access = access_for(request.user)
    units, customers = intake_lookup(access=access, q=q, day=_today(request))
    context = {
        "q": q,
        "units": units,
        "customers": customers,
        "can_new_customer": access.can("customers.edit"),
    }
    return render(request, "calls/new.html#results", context)


# --------------------------------------------------------------------------- register


def _filters(request: HttpRequest) -> dict[str, Any]:
    """``day`` absent: today (branch time); ``day=`` empty: every day; else the day chosen."""
    raw = request.GET.get("day")
    day: dt.date | None
    if raw is None:
        day = _today(request)
    elif not raw.strip():
        day = None
    else:
        try:
            day = dt.date.fromisoformat(raw.strip())
        except ValueError:
            day = _today(request)
    return {
        "day": day,
        "branch_id": _int(request.GET.get("branch", "")),
        "q": request.GET.get("q", "").strip()[:100],
    }


def _register_qs(access: Access, filters: dict[str, Any], before_id: int | None = None) -> Any:
    return calls_register_page(access=access, before_id=before_id, **filters).select_related(
        "zone", "fault_category"
    )


@page("calls.view")
def call_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    filters = _filters(request)
    with timezone.override(_tz(request)):  # "the day" is the branch's day
        page_ = keyset_page(_register_qs(access, filters, parse_before(request)), size=50)
    query = request.GET.copy()
    query.pop("before", None)
    if "day" not in query:
        query["day"] = filters["day"].isoformat() if filters["day"] else ""
    context = {
        "page": page_,
        "filters": filters,
        "branches": branches_visible(access=access) if access.is_staff_member else [],
        "can_register": access.can("calls.register"),
        "can_dispatch": bool(access.branches_for("orders.dispatch")),
        "can_edit_tree": can_manage(access),
        "query": query.urlencode(),
    }
    template = "calls/list.html#rows" if wants_partial(request) else "calls/list.html"
    return render(request, template, context)


@page("calls.view")
def call_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    filters = _filters(request)
    headers = [
        _("call no."),
        _("received"),
        _("branch"),
        _("channel"),
        _("category"),
        _("customer"),
        _("contact"),
        _("address"),
        _("phone"),
        _("serial no."),
        _("model"),
        _("fault"),
        _("warranty"),
        _("service type"),
        _("order no."),
        _("linked"),
        _("repeat repair"),
        _("assigned to"),
        _("state"),
    ]

    def row(c: ServiceCall) -> list[Any]:
        local = in_branch_time(c.received_at, c.branch)
        return [
            c.number,
            local.replace(tzinfo=None) if local is not None else None,
            c.branch.name,
            c.get_channel_display(),
            c.get_category_display(),
            c.customer.name,
            c.contact_name,
            c.address,
            c.phone,
            c.unit.serial if c.unit else "",
            c.unit.product_model.code if c.unit else "",
            c.fault_description,
            c.get_warranty_state_display(),
            c.get_service_type_display(),
            c.order.number if c.order else "",
            _("yes") if c.state == ServiceCall.State.LINKED else "",
            _("yes") if c.is_repeat else "",
            c.order.technician.display_name if c.order and c.order.technician else "",
            c.get_state_display(),
        ]

    with timezone.override(_tz(request)):
        rows = [row(c) for c in _register_qs(access, filters).iterator(chunk_size=2000)]
    day = filters["day"].isoformat() if filters["day"] else "all"
    return xlsx_response(filename=f"calls-{day}.xlsx", sheet=_("Call register"), headers=headers, rows=rows)


def _closed(c: ServiceCall) -> str:
    """The register's "closed" column: when the order closed, or how the call ended without one."""
    if c.state == ServiceCall.State.RESOLVED:
        return _("resolved by phone")
    if c.state == ServiceCall.State.CANCELLED:
        return c.get_state_display()
    if c.order is not None and c.order.closed_at is not None:
        local = in_branch_time(c.order.closed_at, c.order.branch)
        return local.strftime("%Y-%m-%d %H:%M") if local is not None else ""
    return ""


@page("calls.view")
def call_register_pdf(request: HttpRequest) -> HttpResponse:
    """服表002 for one day: the day's calls of each branch the person may see, a page per branch."""
    access = access_for(request.user)
    filters = _filters(request)
    if filters["day"] is None:
        filters["day"] = _today(request)
    with timezone.override(_tz(request)):
        calls = list(_register_qs(access, filters).select_related("order__branch"))
    calls.sort(key=lambda c: (c.branch.code, c.received_at, c.pk))
    sections: list[dict[str, Any]] = []
    for c in calls:
        if not sections or sections[-1]["branch"].pk != c.branch_id:
            sections.append({"branch": c.branch, "rows": []})
        local = in_branch_time(c.received_at, c.branch)
        sections[-1]["rows"].append(
            {
                "call": c,
                "time": local.strftime("%H:%M") if local is not None else "",
                "closed": _closed(c),
            }
        )
    branch = None
    if filters["branch_id"]:
        branch = next((b for b in branches_visible(access=access) if b.pk == filters["branch_id"]), None)
    if not sections:
        sections.append({"branch": branch, "rows": []})
    pdf = render_pdf(
        "pdf/call_register.html",
        {
            "day": filters["day"],
            "sections": sections,
            "branch": branch,
            "printed_at": timezone.localtime(timezone.now(), _tz(request)),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    suffix = f"-{branch.code}" if branch is not None else ""
    response["Content-Disposition"] = (
        f'inline; filename="call-register-{filters["day"].isoformat()}{suffix}.pdf"'
    )
    return response


# --------------------------------------------------------------------------- call page


@page("calls.view")
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    call = (
        calls_visible(access=access)
        .select_related("zone", "fault_category", "registered_by")
        .filter(pk=pk)
        .first()
    )
    if call is None:
        raise Http404()
    return render(
        request,
        "calls/detail.html",
        {
            "call": call,
            "order": call.order,
            "unit_url": unit_url(call.unit_id) if call.unit_id else "",
            "events": events_for_subject(subject=call),
            "can_register": access.can("calls.register", call.branch_id),
            "reply_clock": call.channel in WRITTEN_CHANNELS,
            "triage_runs": runs_for_call(call_id=call.pk) if access.is_staff_member else [],
        },
    )
