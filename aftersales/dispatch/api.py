"""``/api/v1/dispatch/plans``: propose a plan (202, computed in the background), poll, decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.common.errors import NotFound
from aftersales.dispatch.models import DispatchPlan
from aftersales.dispatch.selectors import plan_get, plan_progress
from aftersales.dispatch.services import TIME_LIMIT_DEFAULT, plan_accept, plan_edit, plan_propose, plan_reject
from aftersales.org.models import Branch

router = Router(tags=["dispatch plans"])


class ProposeIn(Schema):
    branch: str
    """The branch's code (or id)."""
    day: dt.date
    time_limit: int = TIME_LIMIT_DEFAULT


class PlanOut(Schema):
    id: int
    branch: str
    day: dt.date
    state: str
    progress: int
    message: str
    time_limit: int
    solver: str
    jobs_planned: int
    jobs_unassigned: int
    late_jobs: int
    late_minutes: float
    travel_km: float
    travel_minutes: float
    created_at: dt.datetime
    decided_at: dt.datetime | None
    routes: list[dict[str, Any]]
    unassigned: list[dict[str, Any]]
    accepted: list[int]
    results: list[dict[str, Any]]


class AcceptIn(Schema):
    technician_ids: list[int] | None = None


class AcceptOut(Schema):
    plan: PlanOut
    assigned: list[int]
    unchanged: list[int]
    refused: dict[str, str]


class EditIn(Schema):
    order_id: int
    technician_id: int | None = None
    """None drops the order from the plan."""


class RejectIn(Schema):
    reason: str


def _out(plan: DispatchPlan) -> dict[str, Any]:
    proposal = plan.proposal or {}
    return {
        "id": plan.pk,
        "branch": plan.branch.code,
        "day": plan.day,
        "state": plan.state,
        "progress": plan_progress(plan),
        "message": plan.message,
        "time_limit": plan.time_limit,
        "solver": plan.solver,
        "jobs_planned": plan.jobs_planned,
        "jobs_unassigned": plan.jobs_unassigned,
        "late_jobs": plan.late_jobs,
        "late_minutes": plan.late_minutes,
        "travel_km": plan.travel_km,
        "travel_minutes": plan.travel_minutes,
        "created_at": plan.created_at,
        "decided_at": plan.decided_at,
        "routes": proposal.get("routes", []),
        "unassigned": proposal.get("unassigned", []),
        "accepted": proposal.get("accepted", []),
        "results": proposal.get("results", []),
    }


def _visible(request: HttpRequest, plan_id: int) -> DispatchPlan:
    return plan_get(access=access_for(request.user), plan_id=plan_id)


@router.post("/plans", response={202: PlanOut})
def plans_propose(request: HttpRequest, payload: ProposeIn) -> Any:
    """Queue a plan; poll ``GET /plans/{id}`` until the state is ready (or failed)."""
    ref = payload.branch.strip()
    branch = Branch.objects.filter(code__iexact=ref).first() or (
        Branch.objects.filter(pk=int(ref)).first() if ref.isdigit() else None
    )
    if branch is None:
        raise NotFound()
    plan = plan_propose(
        branch_id=branch.pk,
        day=payload.day,
        time_limit=payload.time_limit,
        access=access_for(request.user),
        by=request_user(request),
    )
    return Status(202, _out(_visible(request, plan.pk)))


@router.get("/plans/{plan_id}", response=PlanOut)
def plans_get(request: HttpRequest, plan_id: int) -> Any:
    return _out(_visible(request, plan_id))


@router.post("/plans/{plan_id}/accept", response=AcceptOut)
def plans_accept(request: HttpRequest, plan_id: int, payload: AcceptIn) -> Any:
    """Assign the proposed orders (of ``technician_ids``, or all) through the dispatch service."""
    _visible(request, plan_id)
    result = plan_accept(
        plan_id=plan_id,
        technician_ids=payload.technician_ids,
        access=access_for(request.user),
        by=request_user(request),
    )
    return {
        "plan": _out(_visible(request, plan_id)),
        "assigned": result.assigned,
        "unchanged": result.unchanged,
        "refused": {str(k): v for k, v in result.refused.items()},
    }


@router.post("/plans/{plan_id}/edit", response=PlanOut)
def plans_edit(request: HttpRequest, plan_id: int, payload: EditIn) -> Any:
    """Move an order to another technician (re-checked), or drop it with ``technician_id: null``."""
    _visible(request, plan_id)
    plan_edit(
        plan_id=plan_id,
        order_id=payload.order_id,
        technician_id=payload.technician_id,
        access=access_for(request.user),
        by=request_user(request),
    )
    return _out(_visible(request, plan_id))


@router.post("/plans/{plan_id}/reject", response=PlanOut)
def plans_reject(request: HttpRequest, plan_id: int, payload: RejectIn) -> Any:
    _visible(request, plan_id)
    plan_reject(
        plan_id=plan_id, reason=payload.reason, access=access_for(request.user), by=request_user(request)
    )
    return _out(_visible(request, plan_id))
