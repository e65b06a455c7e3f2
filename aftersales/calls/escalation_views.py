"""Hard-fault escalation buttons: raise (on-site page), answer (order page), result (on-site page)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.access.policy import access_for
from aftersales.calls.escalation import escalation_answer, escalation_raise, escalation_result
from aftersales.calls.models import FaultEscalation
from aftersales.calls.selectors import orders_visible
from aftersales.common.errors import DomainError
from aftersales.web.decorators import page, user_of


def _back(request: HttpRequest, order_id: int) -> HttpResponse:
    target = request.POST.get("next", "")
    if target == "onsite":
        return redirect("calls:onsite", pk=order_id)
    return redirect("calls:order", pk=order_id)


def _fail(request: HttpRequest, exc: DomainError) -> None:
    details = "; ".join(m for msgs in (exc.fields or {}).values() for m in msgs)
    messages.error(
        request, f"{exc.message} {details}".strip() if details and details not in exc.message else exc.message
    )


@page("calls.view")
@require_POST
def escalation_raise_view(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request.user)
    if not orders_visible(access=access).filter(pk=pk).exists():
        raise Http404()
    try:
        escalation_raise(
            order_id=pk, problem=request.POST.get("problem", ""), access=access, by=user_of(request)
        )
        messages.success(request, _("Hard fault reported to the supervisor."))
    except DomainError as exc:
        _fail(request, exc)
    return _back(request, pk)


def _visible_escalation(request: HttpRequest, escalation_id: int) -> FaultEscalation:
    access = access_for(request.user)
    escalation = FaultEscalation.objects.filter(
        pk=escalation_id, order__in=orders_visible(access=access)
    ).first()
    if escalation is None:
        raise Http404()
    return escalation


@page("calls.view")
@require_POST
def escalation_answer_view(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = _visible_escalation(request, escalation_id)
    try:
        escalation_answer(
            escalation_id=escalation.pk,
            solution=request.POST.get("solution", ""),
            involved=request.POST.get("involved", ""),
            access=access_for(request.user),
            by=user_of(request),
        )
        messages.success(request, _("Solution sent to the technician."))
    except DomainError as exc:
        _fail(request, exc)
    return _back(request, escalation.order_id)


@page("calls.view")
@require_POST
def escalation_result_view(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = _visible_escalation(request, escalation_id)
    worked = request.POST.get("worked") == "yes"
    try:
        escalation_result(
            escalation_id=escalation.pk,
            worked=worked,
            note=request.POST.get("note", ""),
            access=access_for(request.user),
            by=user_of(request),
        )
        messages.success(
            request,
            _("Recorded: the solution worked.")
            if worked
            else _("Recorded: sent on to the technical department."),
        )
    except DomainError as exc:
        _fail(request, exc)
    return _back(request, escalation.order_id)
