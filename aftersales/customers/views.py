from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import access_for
from aftersales.audit.selectors import events_for_subject
from aftersales.common.errors import InvalidInput
from aftersales.common.excel import xlsx_response
from aftersales.common.paging import keyset_page, parse_before
from aftersales.customers.forms import CustomerForm
from aftersales.customers.selectors import customer_get, customers_search
from aftersales.customers.services import customer_create, customer_set_active, customer_update
from aftersales.installed.imports_customers import CUSTOMERS, customer_export_row
from aftersales.org.selectors import branches_visible
from aftersales.web.decorators import page, user_of, wants_partial


def _filters(request: HttpRequest) -> dict[str, object]:
    branch = request.GET.get("branch", "")
    active = request.GET.get("active", "1")
    return {
        "q": request.GET.get("q", "").strip()[:100],
        "branch_id": int(branch) if branch.isdigit() else None,
        "zone_kind": request.GET.get("zone", "")
        if request.GET.get("zone", "") in {"urban", "suburban", "remote"}
        else "",
        "active": {"1": True, "0": False}.get(active),
    }


@page("customers.view")
def customer_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    filters = _filters(request)
    qs = customers_search(access=access, before_id=parse_before(request), **filters)  # type: ignore[arg-type]
    page_ = keyset_page(qs, size=50)
    context = {
        "page": page_,
        "filters": filters,
        "branches": branches_visible(access=access),
        "can_edit": access.can("customers.edit"),
        "can_export": access.can("customers.export"),
        "query": request.GET.urlencode(),
    }
    template = "customers/list.html#rows" if wants_partial(request) else "customers/list.html"
    return render(request, template, context)


@page("customers.export")
def customer_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    qs = customers_search(access=access, **_filters(request))  # type: ignore[arg-type]
    # the columns the import reads (installed/imports_customers.py), so an export can be re-imported
    headers = CUSTOMERS.export_headers()
    rows = (customer_export_row(c) for c in qs.iterator(chunk_size=2000))
    return xlsx_response(filename="customers.xlsx", sheet=_("Customers"), headers=headers, rows=rows)


@page("customers.view")
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    customer = customer_get(access=access, pk=pk)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "events": events_for_subject(subject=customer),
            "can_edit": access.can("customers.edit", customer.branch_id),
        },
    )


@page("customers.edit")
def customer_new(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    form = CustomerForm(request.POST or None, access=access)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_create(data=form.to_data(), access=access, by=user_of(request))  # type: ignore[arg-type]
        except InvalidInput as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Customer %(n)s registered.") % {"n": customer.number})
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request, "customers/form.html", {"form": form, "customer": None}, status=400 if form.errors else 200
    )


@page("customers.edit")
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    customer = customer_get(access=access, pk=pk)
    initial = {
        "name": customer.name,
        "kind": customer.kind,
        "branch_id": customer.branch_id,
        "zone_id": customer.zone_id,
        "dealer_id": customer.dealer_id,
        "contact_name": customer.contact_name,
        "phone": customer.phone,
        "email": customer.email,
        "address": customer.address,
        "notes": customer.notes,
        "latitude": customer.latitude,
        "longitude": customer.longitude,
    }
    form = CustomerForm(request.POST or None, access=access, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(
                customer_id=customer.pk,
                data=form.to_data(),
                access=access,
                by=user_of(request),
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/form.html",
        {"form": form, "customer": customer},
        status=400 if form.errors else 200,
    )


@require_POST
@page("customers.edit")
def customer_toggle_active(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    active = request.POST.get("active") == "1"
    customer = customer_set_active(
        customer_id=pk,
        active=active,
        access=access,
        by=user_of(request),
        reason=request.POST.get("reason", ""),
    )
    if wants_partial(request):
        return render(request, "customers/detail.html#status", {"customer": customer, "can_edit": True})
    return redirect("customers:detail", pk=pk)


def _apply_errors(form: CustomerForm, exc: InvalidInput) -> None:
    for field, msgs in exc.fields.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)
    if not exc.fields:
        form.add_error(None, exc.message)
