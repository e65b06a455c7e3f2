"""Stock pages: levels by warehouse (with Excel export), a part's stock card, the move forms and
write-off decisions. Thin: the rules are in :mod:`aftersales.stock.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.catalog.models import Part
from aftersales.common.errors import DomainError, InvalidInput
from aftersales.common.excel import xlsx_response
from aftersales.stock.forms import (
    DecideForm,
    IssueForm,
    LoanForm,
    LoanReturnForm,
    ReceiveForm,
    TransferForm,
    WriteOffForm,
)
from aftersales.stock.selectors import (
    levels_visible,
    loans_visible,
    lots_visible,
    moves_visible,
    warehouses_visible,
    writeoffs_visible,
)
from aftersales.stock.services import (
    MoveResult,
    may_move,
    stock_issue,
    stock_loan_out,
    stock_loan_return,
    stock_receive,
    stock_transfer,
    writeoff_decide,
    writeoff_may_decide,
    writeoff_request,
)
from aftersales.web.decorators import page, user_of

LIMIT = 300


def _filters(request: HttpRequest) -> dict[str, Any]:
    raw = request.GET.get("warehouse", "")
    return {
        "warehouse": int(raw) if raw.isdigit() else None,
        "q": request.GET.get("q", "").strip()[:60],
        "below": request.GET.get("below") == "1",
        "in_stock": request.GET.get("in_stock") == "1",
    }


def _levels(request: HttpRequest) -> Any:
    f = _filters(request)
    return f, levels_visible(
        access=access_for(request.user),
        warehouse_id=f["warehouse"],
        q=f["q"],
        below_reorder=f["below"],
        in_stock=f["in_stock"],
    )


@page("stock.view")
def levels(request: HttpRequest) -> HttpResponse:
    f, rows = _levels(request)
    access = access_for(request.user)
    return render(
        request,
        "stock/levels.html",
        {
            "f": f,
            "rows": rows[:LIMIT],
            "limit": LIMIT,
            "warehouses": warehouses_visible(access=access).filter(active=True),
            "query": request.GET.urlencode(),
            "can_move": access.can("stock.move"),
        },
    )


@page("stock.view")
def levels_export(request: HttpRequest) -> FileResponse:
    _f, rows = _levels(request)
    return xlsx_response(
        filename="stock.xlsx",
        sheet=_("Parts stock"),
        headers=[
            _("warehouse"),
            _("part number"),
            _("name"),
            _("on hand"),
            _("reserved"),
            _("available"),
            _("reorder point"),
            _("last received"),
            _("last issued"),
        ],
        rows=(
            [
                lv.warehouse.code,
                lv.part.code,
                lv.part.name,
                lv.on_hand,
                lv.reserved,
                lv.available,
                lv.part.reorder_point,
                lv.last_received_at,
                lv.last_issued_at,
            ]
            for lv in rows.iterator(chunk_size=2000)
        ),
    )


@page("stock.view")
def part_card(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    part = get_object_or_404(Part, pk=pk)
    part_levels = levels_visible(access=access).filter(part=part)
    if not part_levels.exists() and not access.can("stock.move"):
        raise Http404()
    return render(
        request,
        "stock/part.html",
        {
            "part": part,
            "levels": part_levels,
            "lots": lots_visible(access=access, part=part),
            "moves": moves_visible(access=access, part_id=part.pk)[:100],
        },
    )


FORMS = {
    "receive": ReceiveForm,
    "issue": IssueForm,
    "transfer": TransferForm,
    "writeoff": WriteOffForm,
    "loan": LoanForm,
}
TITLES = {
    "receive": _("Receive parts"),
    "issue": _("Issue parts"),
    "transfer": _("Transfer parts"),
    "writeoff": _("Request a write-off"),
    "loan": _("Lend finished goods"),
}


def _order_id(number: str) -> int | None:
    if not number.strip():
        return None
    order_id = ServiceOrder.objects.filter(number=number.strip()).values_list("pk", flat=True).first()
    if order_id is None:
        raise InvalidInput(_("order: no such order."), fields={"order": [_("not found")]})
    return order_id


def _run(kind: str, d: dict[str, Any], request: HttpRequest) -> MoveResult | int:
    access, by = access_for(request.user), user_of(request)
    common = {"part_id": d["part"].pk, "access": access, "by": by}
    if kind == "receive":
        return stock_receive(
            warehouse_id=d["warehouse"].pk,
            quantity_passed=d["quantity"],
            quantity_rejected=d.get("rejected") or 0,
            unit_cost=d["unit_cost"],
            bin_id=d["bin"].pk,
            reference=d.get("reference", ""),
            **common,
        )
    if kind == "issue":
        return stock_issue(
            warehouse_id=d["warehouse"].pk,
            quantity=d["quantity"],
            order_id=_order_id(d.get("order") or ""),
            reason=d["reason"],
            **common,
        )
    if kind == "transfer":
        return stock_transfer(
            from_warehouse_id=d["warehouse"].pk,
            to_warehouse_id=d["to_warehouse"].pk,
            quantity=d["quantity"],
            reason=d["reason"],
            **common,
        )
    if kind == "loan":
        loan = stock_loan_out(
            warehouse_id=d["warehouse"].pk,
            quantity=d["quantity"],
            borrower=d["borrower"],
            reason=d["reason"],
            order_id=_order_id(d.get("order") or ""),
            due_on=d.get("due_on"),
            **common,
        )
        return -loan.pk
    writeoff = writeoff_request(
        warehouse_id=d["warehouse"].pk,
        quantity=d["quantity"],
        reason=d["reason"],
        disposition=d["disposition"],
        **common,
    )
    return writeoff.pk


@page("stock.move")
def move_form(request: HttpRequest, kind: str) -> HttpResponse:
    form_class = FORMS.get(kind)
    if form_class is None:
        raise Http404()
    access = access_for(request.user)
    result: MoveResult | None = None
    if request.method == "POST":
        form = form_class(request.POST, access=access)
        if form.is_valid():
            try:
                outcome = _run(kind, form.cleaned_data, request)
            except InvalidInput as exc:
                for name, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                if isinstance(outcome, int) and outcome < 0:
                    messages.success(request, _("Lent; the loan is on the register until it comes back."))
                    return redirect("stock:loans")
                if isinstance(outcome, int):
                    messages.success(request, _("Write-off requested; it waits for approval."))
                    return redirect("stock:writeoffs")
                result = outcome
                messages.success(request, _("Done."))
                form = form_class(access=access, initial={"warehouse": form.cleaned_data["warehouse"]})
    else:
        form = form_class(
            access=access, initial={k: v for k, v in request.GET.items() if k in ("part", "warehouse")}
        )
    return render(
        request, "stock/move.html", {"form": form, "kind": kind, "title": TITLES[kind], "result": result}
    )


@page("stock.view")
def writeoffs(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    state = request.GET.get("state", "requested")
    rows = list(writeoffs_visible(access=access, state=state if state != "all" else "")[:LIMIT])
    for w in rows:
        may = (
            w.state == "requested" and w.requested_by_id != access.user_id and writeoff_may_decide(access, w)
        )
        setattr(w, "may_decide", may)  # noqa: B010
    return render(request, "stock/writeoffs.html", {"rows": rows, "state": state, "form": DecideForm()})


@require_POST
@page("stock.view")
def writeoff_decision(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    if not writeoffs_visible(access=access).filter(pk=pk).exists():
        raise Http404()
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            writeoff_decide(
                writeoff_id=pk,
                approve=form.cleaned_data["approve"],
                note=form.cleaned_data["note"],
                access=access,
                by=user_of(request),
            )
            messages.success(request, _("Decision recorded."))
        except InvalidInput as exc:
            messages.error(request, exc.message)
        except Exception as exc:
            from aftersales.common.errors import DomainError

            if not isinstance(exc, DomainError) or exc.status == 404:
                raise
            messages.error(request, exc.message)
    return redirect("stock:writeoffs")


def _loans(request: HttpRequest) -> tuple[str, Any]:
    state = request.GET.get("state", "out")
    rows = loans_visible(access=access_for(request.user), state=state if state != "all" else "")
    return state, rows.select_related("order", "lent_by", "returned_by").order_by("-lent_at", "-pk")


@page("stock.view")
def loans(request: HttpRequest) -> HttpResponse:
    """The loan register (成品借用登记): what is lent out, to whom, until when, and what came back."""
    access = access_for(request.user)
    state, rows = _loans(request)
    rows = list(rows[:LIMIT])
    for loan in rows:
        setattr(loan, "may_return", loan.state == "out" and may_move(access, loan.warehouse))  # noqa: B010
    return render(
        request,
        "stock/loans.html",
        {
            "rows": rows,
            "state": state,
            "form": LoanReturnForm(),
            "can_lend": access.can("stock.move"),
            "today": timezone.localdate(),
        },
    )


@page("stock.view")
def loans_export(request: HttpRequest) -> FileResponse:
    _state, rows = _loans(request)
    return xlsx_response(
        filename="loans.xlsx",
        sheet=_("Loan register"),
        headers=[
            _("loan no."),
            _("part number"),
            _("name"),
            _("warehouse"),
            _("quantity"),
            _("unit cost"),
            _("borrower"),
            _("order no."),
            _("reason"),
            _("lent"),
            _("due back"),
            _("state"),
            _("returned"),
            _("QA note"),
        ],
        rows=(
            [
                loan.number,
                loan.part.code,
                loan.part.name,
                loan.warehouse.code,
                loan.quantity,
                loan.unit_cost,
                loan.borrower,
                loan.order.number if loan.order else "",
                loan.reason,
                loan.lent_at,
                loan.due_on,
                loan.get_state_display(),
                loan.returned_at,
                loan.qa_note,
            ]
            for loan in rows.iterator(chunk_size=2000)
        ),
    )


@require_POST
@page("stock.view")
def loan_return(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    if not loans_visible(access=access).filter(pk=pk).exists():
        raise Http404()
    form = LoanReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether the goods passed the QA check."))
        return redirect("stock:loans")
    try:
        loan = stock_loan_return(
            loan_id=pk,
            qa_passed=form.cleaned_data["qa_passed"],
            qa_note=form.cleaned_data["qa_note"],
            access=access,
            by=user_of(request),
        )
    except DomainError as exc:
        if exc.status == 404:
            raise Http404() from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s: %(s)s.") % {"n": loan.number, "s": loan.get_state_display()})
    return redirect("stock:loans")
