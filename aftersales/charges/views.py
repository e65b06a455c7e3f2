"""Quote pages (报价) and the accountant's list of invoices to issue and payments received."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import Access, access_for
from aftersales.audit.selectors import events_for_subject
from aftersales.calls.selectors import orders_visible
from aftersales.charges.forms import TotalForm
from aftersales.charges.models import Quote
from aftersales.charges.services import (
    QUOTE_TRANSITIONS,
    charge_basis,
    discount_pct,
    may_on_order,
    quote_answer,
    quote_build,
    quote_decide,
    quote_send,
    quote_set_total,
    quote_submit,
)
from aftersales.common.errors import DomainError
from aftersales.common.transitions import allowed_steps
from aftersales.rules.services import rule_decimal
from aftersales.web.decorators import page, user_of

Q_ = Quote.State


def _quote(access: Access, pk: int) -> Quote:
    quote = Quote.objects.select_related("order", "branch", "approved_by").filter(pk=pk).first()
    if quote is None or not may_on_order(
        access, "quotes.view", branch_id=quote.branch_id, technician_id=quote.order.technician_id
    ):
        raise Http404()
    if not orders_visible(access=access).filter(pk=quote.order_id).exists():
        raise Http404()
    return quote


@require_POST
@page("quotes.edit")
def quote_new(request: HttpRequest, order_id: int) -> HttpResponse:
    access = access_for(request.user)
    if not orders_visible(access=access).filter(pk=order_id).exists():
        raise Http404()
    quote = quote_build(order_id=order_id, access=access, by=user_of(request))
    messages.success(request, _("Quote %(n)s made from the price list.") % {"n": quote.number})
    return redirect("charges:quote", pk=quote.pk)


def _buttons(access: Access, quote: Quote) -> list[dict[str, Any]]:
    """The steps of the quote's table this person may take (the executive decides; editors send)."""
    can_edit = may_on_order(
        access, "quotes.edit", branch_id=quote.branch_id, technician_id=quote.order.technician_id
    )
    keys = []
    for to, step in allowed_steps(QUOTE_TRANSITIONS, state=quote.state, roles=access.roles):
        if quote.state == Q_.PENDING_APPROVAL and step.roles:
            keys.append("approve" if to == Q_.READY else "refuse")
        elif not can_edit:
            continue
        elif to in (Q_.READY, Q_.PENDING_APPROVAL) and quote.state == Q_.DRAFT:
            keys.append("submit")
        elif to == Q_.SENT:
            keys.append("send")
        elif to == Q_.ACCEPTED:
            keys.append("accept")
        elif to == Q_.REJECTED:
            keys.append("reject")
    labels = {
        "submit": _("Submit"),
        "approve": _("Approve"),
        "refuse": _("Refuse"),
        "send": _("Send to the customer"),
        "accept": _("Customer accepts"),
        "reject": _("Customer rejects"),
    }
    needs_text = {"refuse", "reject", "approve"}
    return [{"key": k, "label": labels[k], "text": k in needs_text} for k in dict.fromkeys(keys)]


def _quote_page(
    request: HttpRequest,
    access: Access,
    quote: Quote,
    *,
    form: TotalForm | None = None,
    error: DomainError | None = None,
) -> HttpResponse:
    threshold, _rule = rule_decimal("quote_approval_discount_pct")
    editable = may_on_order(
        access, "quotes.edit", branch_id=quote.branch_id, technician_id=quote.order.technician_id
    ) and quote.state in (Q_.DRAFT, Q_.READY)
    context = {
        "quote": quote,
        "order": quote.order,
        "lines": list(quote.lines.select_related("part")),
        "basis": charge_basis(quote.order),
        "discount": discount_pct(quote).quantize(Decimal("0.01")),
        "threshold": threshold,
        "form": form or TotalForm(initial={"total": quote.total}),
        "editable": editable,
        "buttons": _buttons(access, quote),
        "error": error,
        "events": events_for_subject(subject=quote),
    }
    return render(
        request, "charges/quote.html", context, status=400 if error or (form and form.errors) else 200
    )


@page("quotes.view")
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    quote = _quote(access, pk)
    if request.method == "POST":
        form = TotalForm(request.POST)
        if form.is_valid():
            try:
                quote_set_total(
                    quote_id=quote.pk,
                    total=form.cleaned_data["total"],
                    reason=form.cleaned_data["reason"],
                    access=access,
                    by=user_of(request),
                )
            except DomainError as exc:
                for name, msgs in exc.fields.items():
                    for m in msgs:
                        form.add_error(name if name in form.fields else None, m)
                return _quote_page(request, access, quote, form=form, error=exc)
            messages.success(request, _("Quoted total set."))
            return redirect("charges:quote", pk=quote.pk)
        return _quote_page(request, access, quote, form=form)
    return _quote_page(request, access, quote)


@require_POST
@page("quotes.view")
def quote_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    access = access_for(request.user)
    quote = _quote(access, pk)
    by = user_of(request)
    text = request.POST.get("text", "")
    steps: dict[str, Any] = {
        "submit": lambda: quote_submit(quote_id=quote.pk, access=access, by=by),
        "approve": lambda: quote_decide(quote_id=quote.pk, approve=True, comment=text, access=access, by=by),
        "refuse": lambda: quote_decide(quote_id=quote.pk, approve=False, comment=text, access=access, by=by),
        "send": lambda: quote_send(quote_id=quote.pk, access=access, by=by),
        "accept": lambda: quote_answer(quote_id=quote.pk, accepted=True, access=access, by=by),
        "reject": lambda: quote_answer(quote_id=quote.pk, accepted=False, reason=text, access=access, by=by),
    }
    if action not in steps:
        raise Http404()
    try:
        done = steps[action]()
    except DomainError as exc:
        quote.refresh_from_db()
        return _quote_page(request, access, quote, error=exc)
    messages.success(request, _("Quote %(n)s: %(s)s.") % {"n": done.number, "s": done.get_state_display()})
    return redirect("charges:quote", pk=quote.pk)
