"""Pages of the installed base: units (服务凭证), contracts, sites."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import access_for
from aftersales.audit.selectors import events_for_subject
from aftersales.catalog.models import ProductLine
from aftersales.common.errors import InvalidInput, InvalidTransition, NotFound
from aftersales.common.excel import xlsx_response
from aftersales.common.paging import keyset_page, parse_before
from aftersales.common.transitions import allowed_steps
from aftersales.customers.selectors import customer_get
from aftersales.installed.forms import ContractForm, SiteForm, UnitForm, apply_errors
from aftersales.installed.imports import ImportResult, Sheet, all_sheets, import_rows, read_rows, sheet_for
from aftersales.installed.imports_contracts import contract_export_row
from aftersales.installed.imports_parts import part_export_row, parts_for_export
from aftersales.installed.imports_units import unit_export_row
from aftersales.installed.models import ServiceContract, Unit
from aftersales.installed.pdf import service_record_pdf
from aftersales.installed.selectors import (
    contract_get,
    contracts_search,
    unit_get,
    unit_history,
    units_search,
)
from aftersales.installed.services import (
    CONTRACT_TRANSITIONS,
    contract_create,
    contract_transition,
    site_create,
    unit_create,
    unit_update,
    warranty_status,
)
from aftersales.org.selectors import branches_visible
from aftersales.web.decorators import page, user_of, wants_partial


def _int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


def _unit_filters(request: HttpRequest) -> dict[str, object]:
    warranty = request.GET.get("warranty", "")
    return {
        "q": request.GET.get("q", "").strip()[:100],
        "branch_id": _int(request.GET.get("branch", "")),
        "customer_id": _int(request.GET.get("customer", "")),
        "product_line_id": _int(request.GET.get("line", "")),
        "warranty": warranty if warranty in {"in", "out"} else "",
    }


@page("installed.view")
def unit_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    filters = _unit_filters(request)
    today = timezone.localdate()
    qs = units_search(access=access, today=today, before_id=parse_before(request), **filters)  # type: ignore[arg-type]
    page_ = keyset_page(qs, size=50)
    context = {
        "page": page_,
        "filters": filters,
        "today": today,
        "branches": branches_visible(access=access) if access.is_staff_member else [],
        "lines": ProductLine.objects.filter(active=True),
        "can_edit": access.can("installed.edit"),
        "can_import": access.can("installed.import"),
        "can_export": access.is_staff_member,
        "query": request.GET.urlencode(),
    }
    template = "installed/units.html#rows" if wants_partial(request) else "installed/units.html"
    return render(request, template, context)


@page("installed.view")
def unit_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    today = timezone.localdate()
    qs = units_search(access=access, today=today, **_unit_filters(request))  # type: ignore[arg-type]
    headers = sheet_for("units").export_headers()
    rows = (unit_export_row(u) for u in qs.iterator(chunk_size=2000))
    return xlsx_response(filename="units.xlsx", sheet=_("Units"), headers=headers, rows=rows)


@page("installed.view")
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    unit = unit_get(access=access, pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "installed/unit.html",
        {
            "unit": unit,
            "today": today,
            "status": warranty_status(unit, today),
            "events": unit_history(unit=unit),
            "can_edit": access.can("installed.edit", unit.branch_id),
            "can_contracts": access.can("contracts.view"),
        },
    )


def _unit_initial(unit: Unit) -> dict[str, object]:
    return {
        "serial": unit.serial,
        "product_model_id": unit.product_model_id,
        "customer_id": unit.customer_id,
        "sold_on": unit.sold_on,
        "installed_on": unit.installed_on,
        "site_id": unit.site_id,
        "dealer_id": unit.dealer_id,
        "contract_id": unit.contract_id,
        "software_version": unit.software_version,
        "notes": unit.notes,
    }


@page("installed.edit")
def unit_new(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    initial = {"customer_id": _int(request.GET.get("customer", ""))}
    form = UnitForm(request.POST or None, access=access, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = unit_create(data=form.to_data(), access=access, by=user_of(request))
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Unit %(s)s registered.") % {"s": unit.serial})
            return redirect("installed:unit", pk=unit.pk)
    return render(
        request, "installed/unit_form.html", {"form": form, "unit": None}, status=400 if form.errors else 200
    )


@page("installed.edit")
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    unit = unit_get(access=access, pk=pk)
    if not access.can("installed.edit", unit.branch_id):
        raise NotFound()
    form = UnitForm(request.POST or None, access=access, initial=_unit_initial(unit))
    if request.method == "POST" and form.is_valid():
        try:
            unit_update(
                unit_id=unit.pk,
                data=form.to_data(),
                access=access,
                by=user_of(request),
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("installed:unit", pk=unit.pk)
    return render(
        request, "installed/unit_form.html", {"form": form, "unit": unit}, status=400 if form.errors else 200
    )


# --------------------------------------------------------------------------- contracts


def _contract_filters(request: HttpRequest) -> dict[str, object]:
    return {"q": request.GET.get("q", "").strip()[:100], "state": request.GET.get("state", "")}


@page("contracts.view")
def contract_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    filters = _contract_filters(request)
    qs = contracts_search(access=access, before_id=parse_before(request), **filters)  # type: ignore[arg-type]
    context = {
        "page": keyset_page(qs, size=50),
        "filters": filters,
        "states": ServiceContract.State.choices,
        "today": timezone.localdate(),
        "can_edit": access.can("contracts.edit"),
        "can_export": access.is_staff_member,
        "can_import": access.can("contracts.edit"),
        "query": request.GET.urlencode(),
    }
    template = "installed/contracts.html#rows" if wants_partial(request) else "installed/contracts.html"
    return render(request, template, context)


@page("contracts.view")
def contract_export(request: HttpRequest) -> FileResponse:
    access = access_for(request.user)
    qs = contracts_search(access=access, **_contract_filters(request))  # type: ignore[arg-type]
    qs = qs.prefetch_related(
        Prefetch("units", queryset=Unit.objects.only("serial", "contract_id").order_by("serial"))
    )
    rows = (contract_export_row(c) for c in qs.iterator(chunk_size=1000))
    return xlsx_response(
        filename="contracts.xlsx",
        sheet=_("Maintenance contracts"),
        headers=sheet_for("contracts").export_headers(),
        rows=rows,
    )


def _contract_context(request: HttpRequest, contract: ServiceContract) -> dict[str, object]:
    access = access_for(request.user)
    can_edit = access.can("contracts.edit", contract.branch_id)
    steps = allowed_steps(CONTRACT_TRANSITIONS, state=contract.state) if can_edit else []
    return {
        "contract": contract,
        "steps": [(to, step, ServiceContract.State(to).label) for to, step in steps],
        "units": contract.units.select_related("product_model").order_by("serial")[:200],
        "events": events_for_subject(subject=contract),
        "can_edit": can_edit,
        "today": timezone.localdate(),
    }


@page("contracts.view")
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = contract_get(access=access_for(request.user), pk=pk)
    return render(request, "installed/contract.html", _contract_context(request, contract))


@page("contracts.edit")
def contract_new(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    form = ContractForm(
        request.POST or None, access=access, initial={"customer_id": _int(request.GET.get("customer", ""))}
    )
    if request.method == "POST" and form.is_valid():
        try:
            contract = contract_create(data=form.to_data(), access=access, by=user_of(request))
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Contract %(n)s drafted.") % {"n": contract.number})
            return redirect("installed:contract", pk=contract.pk)
    return render(request, "installed/contract_form.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@page("contracts.edit")
def contract_state(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    contract = contract_get(access=access, pk=pk)
    try:
        contract = contract_transition(
            contract_id=contract.pk,
            to=request.POST.get("to", ""),
            access=access,
            by=user_of(request),
            reason=request.POST.get("reason", "").strip()[:200],
        )
    except (InvalidTransition, InvalidInput) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Contract %(n)s: %(s)s.") % {"n": contract.number, "s": contract.get_state_display()}
        )
    return redirect("installed:contract", pk=contract.pk)


# --------------------------------------------------------------------------- sites


@page("installed.edit")
def site_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    access = access_for(request.user)
    customer = customer_get(access=access, pk=customer_id)
    form = SiteForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            site_create(customer_id=customer.pk, access=access, by=user_of(request), **cd)
        except InvalidInput as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Site %(s)s added.") % {"s": cd["name"]})
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "installed/site_form.html",
        {"form": form, "customer": customer},
        status=400 if form.errors else 200,
    )


@page("installed.view")
def unit_record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_get(access=access_for(request.user), pk=pk)
    response = HttpResponse(service_record_pdf(unit=unit), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="service-record-{unit.pk}.pdf"'
    return response


# --------------------------------------------------------------------------- import

IMPORT_DONE_URL = {
    "customers": "customers:list",
    "units": "installed:units",
    "contracts": "installed:contracts",
    "parts": "stock:levels",
}


def _import_sheet(request: HttpRequest, kind: str) -> Sheet:
    """The sheet of ``kind`` if the person may import it; otherwise the page does not exist for them."""
    sheet = sheet_for(kind)
    if not sheet.may_import(access_for(request.user)):
        raise NotFound()
    return sheet


@page("installed.view")
def data_import(request: HttpRequest, kind: str = "units") -> HttpResponse:
    """One page for customers, units, contracts and parts: upload, all or nothing, a row-by-row report."""
    access = access_for(request.user)
    sheet = _import_sheet(request, kind)
    result: ImportResult | None = None
    file_error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            file_error = _("Choose a file.")
        else:
            try:
                rows = read_rows(upload, upload.name or "", sheet)
            except InvalidInput as exc:
                file_error = exc.message
            else:
                result = import_rows(sheet=sheet, rows=rows, access=access, by=user_of(request))
                if result.ok:
                    messages.success(
                        request,
                        _("%(kind)s imported: %(c)d new, %(u)d updated, %(n)d unchanged.")
                        % {
                            "kind": sheet.title,
                            "c": result.created,
                            "u": result.updated,
                            "n": result.unchanged,
                        },
                    )
                    return redirect(IMPORT_DONE_URL[sheet.kind])
    status = 400 if file_error or (result is not None and not result.ok) else 200
    kinds = [s for s in all_sheets().values() if s.may_import(access)]
    return render(
        request,
        "installed/import.html",
        {"sheet": sheet, "kinds": kinds, "result": result, "file_error": file_error},
        status=status,
    )


@page("installed.view")
def data_import_template(request: HttpRequest, kind: str = "units") -> FileResponse:
    sheet = _import_sheet(request, kind)
    return xlsx_response(
        filename=f"{sheet.kind}-import-template.xlsx",
        sheet=str(sheet.title),
        headers=sheet.headers(),
        rows=[sheet.example] if sheet.example else [],
    )


@page("stock.view")
def parts_export(request: HttpRequest) -> FileResponse:
    """The parts master in the import's columns, for everybody who sees parts stock (the part card
    shows the same figures); only head office imports it again."""
    rows = (part_export_row(p) for p in parts_for_export().iterator(chunk_size=2000))
    return xlsx_response(
        filename="parts.xlsx",
        sheet=_("Parts master"),
        headers=sheet_for("parts").export_headers(),
        rows=rows,
    )
