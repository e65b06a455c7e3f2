"""``/api/v1/orders/{id}/escalations`` and ``/api/v1/escalations/{id}/…``: hard faults through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.calls.escalation import escalation_answer, escalation_raise, escalation_result
from aftersales.calls.models import FaultEscalation
from aftersales.calls.selectors import orders_visible
from aftersales.common.errors import NotFound

router = Router(tags=["hard faults"])


class EscalationOut(Schema):
    id: int
    order_id: int
    level: str
    state: str
    previous_id: int | None
    problem: str
    raised_by: str
    raised_at: dt.datetime
    solution: str
    involved: str
    answered_at: dt.datetime | None
    result_note: str
    result_at: dt.datetime | None


class RaiseIn(Schema):
    problem: str


class AnswerIn(Schema):
    solution: str
    involved: str


class ResultIn(Schema):
    worked: bool
    note: str = ""


def _out(e: FaultEscalation) -> dict[str, Any]:
    return {
        "id": e.pk,
        "order_id": e.order_id,
        "level": e.level,
        "state": e.state,
        "previous_id": e.previous_id,
        "problem": e.problem,
        "raised_by": e.raised_by.username,
        "raised_at": e.raised_at,
        "solution": e.solution,
        "involved": e.involved,
        "answered_at": e.answered_at,
        "result_note": e.result_note,
        "result_at": e.result_at,
    }


def _visible(request: HttpRequest) -> Any:
    return FaultEscalation.objects.filter(
        order__in=orders_visible(access=access_for(request.user))
    ).select_related("raised_by")


def _order_visible(request: HttpRequest, order_id: int) -> None:
    if not orders_visible(access=access_for(request.user)).filter(pk=order_id).exists():
        raise NotFound()


@router.get("/orders/{order_id}/escalations", response=list[EscalationOut])
def escalations_list(request: HttpRequest, order_id: int) -> Any:
    _order_visible(request, order_id)
    return [_out(e) for e in _visible(request).filter(order_id=order_id).order_by("pk")]


@router.post("/orders/{order_id}/escalations", response={201: EscalationOut})
def escalations_raise(request: HttpRequest, order_id: int, payload: RaiseIn) -> Any:
    """Report a hard fault: the branch's supervisors are notified at once."""
    _order_visible(request, order_id)
    e = escalation_raise(
        order_id=order_id, problem=payload.problem, access=access_for(request.user), by=request_user(request)
    )
    return Status(201, _out(_visible(request).get(pk=e.pk)))


def _escalation_id(request: HttpRequest, escalation_id: int) -> int:
    if not _visible(request).filter(pk=escalation_id).exists():
        raise NotFound()
    return escalation_id


@router.post("/escalations/{escalation_id}/answer", response=EscalationOut)
def escalations_answer(request: HttpRequest, escalation_id: int, payload: AnswerIn) -> Any:
    escalation_answer(
        escalation_id=_escalation_id(request, escalation_id),
        solution=payload.solution,
        involved=payload.involved,
        access=access_for(request.user),
        by=request_user(request),
    )
    return _out(_visible(request).get(pk=escalation_id))


@router.post("/escalations/{escalation_id}/result", response=EscalationOut)
def escalations_result(request: HttpRequest, escalation_id: int, payload: ResultIn) -> Any:
    """Say whether the solution worked; a failure goes on to the technical department."""
    escalation_result(
        escalation_id=_escalation_id(request, escalation_id),
        worked=payload.worked,
        note=payload.note,
        access=access_for(request.user),
        by=request_user(request),
    )
    return _out(_visible(request).get(pk=escalation_id))
