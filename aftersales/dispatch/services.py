"""Dispatch plans: propose (computed in the background), accept, edit, reject.

Accepted assignments go through the one dispatch service,
:func:`aftersales.calls.workflow.order_assign`: certification gating, events and notifications
are its own. The optimiser is :mod:`aftersales.routing`; a plan its checker refuses is never shown.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.calls.models import ServiceOrder
from aftersales.common.errors import DomainError, InvalidInput, NotFound
from aftersales.common.transitions import Step, TransitionTable, transition
from aftersales.dispatch.models import DispatchPlan
from aftersales.dispatch.problem import at_minutes, branch_tz, day_problem, problem_from_json
from aftersales.org.models import Branch, User
from aftersales.routing.checker import check_plan
from aftersales.routing.model import Plan, Problem
from aftersales.routing.solver import SOLVERS, PlanRejected, plan_from_sequences, solve

log = logging.getLogger(__name__)

PS = DispatchPlan.State
TIME_LIMIT_MIN, TIME_LIMIT_MAX, TIME_LIMIT_DEFAULT = 5, 60, 10
"""Seconds the solver may search (the form's and the API's bounds)."""
DAYS_AHEAD = 14
"""How far ahead a day may be planned."""
STALE_AFTER = dt.timedelta(minutes=10)
"""A plan still queued or running this long after its time limit is given up as failed."""

PLAN_TRANSITIONS: TransitionTable = {
    (PS.QUEUED, PS.RUNNING): Step(label="compute"),
    (PS.QUEUED, PS.FAILED): Step(label="fail", event_kind="plan_failed"),
    (PS.RUNNING, PS.READY): Step(label="ready", event_kind="plan_ready"),
    (PS.RUNNING, PS.FAILED): Step(label="fail", event_kind="plan_failed"),
    (PS.READY, PS.READY): Step(label="edit", event_kind="plan_edited"),
    (PS.PARTLY_ACCEPTED, PS.PARTLY_ACCEPTED): Step(label="accept or edit", event_kind="plan_accepted"),
    (PS.READY, PS.ACCEPTED): Step(label="accept", event_kind="plan_accepted"),
    (PS.READY, PS.PARTLY_ACCEPTED): Step(label="accept some", event_kind="plan_accepted"),
    (PS.PARTLY_ACCEPTED, PS.ACCEPTED): Step(label="accept the rest", event_kind="plan_accepted"),
    (PS.READY, PS.REJECTED): Step(label="reject", event_kind="plan_rejected", needs_reason=True),
    (PS.PARTLY_ACCEPTED, PS.REJECTED): Step(label="reject", event_kind="plan_rejected", needs_reason=True),
}
DECIDABLE = (PS.READY, PS.PARTLY_ACCEPTED)


def _locked(plan_id: int, access: Access | None = None) -> DispatchPlan:
    plan = DispatchPlan.objects.select_for_update().select_related("branch").filter(pk=plan_id).first()
    if plan is None or (access is not None and not access.can("orders.dispatch", plan.branch_id)):
        raise NotFound()
    return plan


def _not_in(plan: DispatchPlan, states: tuple[str, ...]) -> InvalidInput:
    allowed = ", ".join(str(PS(s).label) for s in states)
    return InvalidInput(
        _("state: the plan is %(s)s; allowed in: %(a)s") % {"s": plan.get_state_display(), "a": allowed},
        fields={"state": [_("Allowed in: %(a)s") % {"a": allowed}]},
    )


# --- propose and compute -------------------------------------------------------------------------


@transaction.atomic
def plan_propose(
    *,
    branch_id: int,
    day: dt.date,
    access: Access,
    by: User,
    time_limit: int = TIME_LIMIT_DEFAULT,
    solver: str = "ortools",
    now: dt.datetime | None = None,
) -> DispatchPlan:
    """Queue a plan for the branch's day; the task computes it after the commit."""
    now = now or timezone.now()
    branch = Branch.objects.filter(pk=branch_id, active=True).first()
    if branch is None or not access.can("orders.dispatch", branch.pk):
        raise NotFound()
    today = timezone.localdate(now, branch_tz(branch))
    errors: dict[str, list[str]] = {}
    if not TIME_LIMIT_MIN <= time_limit <= TIME_LIMIT_MAX:
        errors["time_limit"] = [
            _("Between %(a)s and %(b)s seconds.") % {"a": TIME_LIMIT_MIN, "b": TIME_LIMIT_MAX}
        ]
    if not today <= day <= today + dt.timedelta(days=DAYS_AHEAD):
        errors["day"] = [_("From %(a)s to %(b)s.") % {"a": today, "b": today + dt.timedelta(days=DAYS_AHEAD)}]
    if solver not in SOLVERS:
        errors["solver"] = [_("Allowed: %(v)s") % {"v": ", ".join(SOLVERS)}]
    if branch.latitude is None or branch.longitude is None:
        errors["branch"] = [_("The branch needs coordinates (latitude and longitude).")]
    InvalidInput.check(errors)
    for stale in DispatchPlan.objects.select_for_update().filter(
        branch=branch, day=day, state__in=(PS.QUEUED, PS.RUNNING)
    ):
        if stale.created_at + dt.timedelta(seconds=stale.time_limit) + STALE_AFTER < now:
            _fail(stale, _("Gave up: the computation did not finish in time."))
    if DispatchPlan.objects.filter(branch=branch, day=day, state__in=(PS.QUEUED, PS.RUNNING)).exists():
        raise _busy()
    try:
        with transaction.atomic():
            plan = DispatchPlan.objects.create(
                branch=branch,
                day=day,
                time_limit=time_limit,
                solver=solver,
                created_by=by,
                created_at=now,
                message=_("Waiting for a worker."),
            )
    except IntegrityError as exc:  # a second request won the race
        raise _busy() from exc
    event_record(
        kind="plan_proposed",
        subject=plan,
        actor=by,
        to_value=PS.QUEUED,
        data={"day": day.isoformat(), "time_limit": time_limit, "solver": solver},
    )
    from aftersales.dispatch.tasks import plan_compute_task

    transaction.on_commit(partial(plan_compute_task.enqueue, plan.pk))
    return plan


def _busy() -> InvalidInput:
    return InvalidInput(
        _("day: a plan for this branch and day is being computed; wait for it."),
        fields={"day": [_("A plan for this day is being computed.")]},
        code="plan_running",
    )


def _progress(plan_id: int, progress: int, message: str) -> None:
    """Shown to the pollers at once (outside any transaction)."""
    DispatchPlan.objects.filter(pk=plan_id).update(progress=progress, message=message[:500])


def _fail(plan: DispatchPlan, message: str) -> None:
    transition(plan, table=PLAN_TRANSITIONS, to=PS.FAILED, by=None, data={"message": message[:500]})
    plan.message = message[:500]
    plan.finished_at = timezone.now()
    plan.save(update_fields=["state", "message", "finished_at"])


def plan_compute(*, plan_id: int, now: dt.datetime | None = None) -> DispatchPlan:
    """The background task's work: build the day's problem, solve it in the time limit, check, store."""
    with transaction.atomic():
        plan = _locked(plan_id)
        if plan.state != PS.QUEUED:
            return plan
        transition(plan, table=PLAN_TRANSITIONS, to=PS.RUNNING, by=None)
        plan.started_at = timezone.now()
        plan.progress, plan.message = 10, _("Collecting the day's orders and technicians.")
        plan.save(update_fields=["state", "started_at", "progress", "message"])
    try:
        built = day_problem(branch=plan.branch, day=plan.day, now=now)
        _progress(
            plan_id,
            30,
            _("Searching routes for %(j)s orders and %(t)s technicians (up to %(s)s s).")
            % {"j": len(built.problem.jobs), "t": len(built.problem.technicians), "s": plan.time_limit},
        )
        result = solve(
            problem=built.problem, solver=plan.solver, time_limit=float(plan.time_limit), seed=plan.pk
        )
        # solve() has put the plan through the checker already (PlanRejected otherwise)
    except PlanRejected as exc:
        message = _("The checker refused the plan: %(v)s") % {
            "v": "; ".join(str(v) for v in exc.violations[:5])
        }
        return _finish_failed(plan_id, message)
    except DomainError as exc:
        return _finish_failed(plan_id, exc.message)
    except Exception as exc:  # the task must always end the plan
        log.exception("dispatch plan %s failed", plan_id)
        return _finish_failed(plan_id, _("The computation failed: %(e)s") % {"e": exc})
    with transaction.atomic():
        plan = _locked(plan_id)
        proposal = {"problem": built.data, "notes": built.notes, "accepted": [], "results": []}
        proposal.update(_routes_json(plan=plan, problem=built.problem, result=result, data=built.data))
        _store(plan, proposal=proposal, result=result)
        transition(
            plan,
            table=PLAN_TRANSITIONS,
            to=PS.READY,
            by=None,
            data={"jobs": plan.jobs_planned, "unassigned": plan.jobs_unassigned, "late_jobs": plan.late_jobs},
        )
        plan.progress, plan.message = 100, ""
        plan.finished_at = timezone.now()
        plan.save()
    return plan


def _finish_failed(plan_id: int, message: str) -> DispatchPlan:
    with transaction.atomic():
        plan = _locked(plan_id)
        if plan.state in (PS.QUEUED, PS.RUNNING):
            _fail(plan, message)
        return plan


def _store(plan: DispatchPlan, *, proposal: dict[str, Any], result: Plan) -> None:
    visits = [v for route in result.routes for v in route.visits]
    plan.proposal = proposal
    plan.jobs_planned = len(visits)
    plan.jobs_unassigned = len(result.unassigned)
    plan.late_jobs = sum(1 for v in visits if v.late > 1e-6)
    plan.late_minutes = round(sum(v.late for v in visits), 1)
    plan.travel_km = round(result.distance, 2)
    plan.travel_minutes = round(result.travel_time, 1)


def _routes_json(
    *, plan: DispatchPlan, problem: Problem, result: Plan, data: dict[str, Any]
) -> dict[str, Any]:
    jobs = {j["id"]: j for j in data["jobs"]}
    locked = {job_id for t in problem.technicians for job_id in t.locked}
    previous = {u["job"]: u for u in plan.proposal.get("unassigned", [])} if plan.proposal else {}

    def iso(minutes: float) -> str:
        return at_minutes(plan.branch, plan.day, minutes).isoformat()

    routes = []
    for route in result.routes:
        routes.append(
            {
                "technician": int(route.technician_id),
                "name": data["names"].get(route.technician_id, route.technician_id),
                "departure": route.departure,
                "return_at": route.return_at,
                "departure_at": iso(route.departure),
                "return_at_iso": iso(route.return_at),
                "travel_minutes": round(route.travel_time, 1),
                "km": round(route.distance, 2),
                "lunch": (
                    {
                        "start": route.lunch.start,
                        "end": route.lunch.end,
                        "after": route.lunch.after,
                        "start_at": iso(route.lunch.start),
                        "end_at": iso(route.lunch.end),
                    }
                    if route.lunch is not None
                    else None
                ),
                "visits": [
                    {
                        "job": v.job_id,
                        "order": int(v.job_id),
                        "number": jobs[v.job_id]["number"],
                        "arrival": v.arrival,
                        "start": v.start,
                        "end": v.end,
                        "late": round(v.late, 1),
                        "arrival_at": iso(v.arrival),
                        "start_at": iso(v.start),
                        "end_at": iso(v.end),
                        "locked": v.job_id in locked,
                    }
                    for v in route.visits
                ],
            }
        )
    unassigned = []
    for item in result.unassigned:
        kept = previous.get(item.job_id)
        reason, detail = (kept["reason"], kept["detail"]) if kept else (str(item.reason), item.detail)
        unassigned.append(
            {
                "job": item.job_id,
                "order": int(item.job_id),
                "number": jobs[item.job_id]["number"],
                "reason": reason,
                "detail": detail,
            }
        )
    return {"routes": routes, "unassigned": unassigned}


# --- decide --------------------------------------------------------------------------------------


@dataclass
class AcceptResult:
    plan: DispatchPlan
    assigned: list[int]
    unchanged: list[int]
    refused: dict[int, str]


@transaction.atomic
def plan_accept(
    *,
    plan_id: int,
    access: Access,
    by: User,
    technician_ids: list[int] | None = None,
    at: dt.datetime | None = None,
) -> AcceptResult:
    """Assign the proposed orders of these technicians (all when None) through ``order_assign``.

    Orders already with their proposed technician are left alone; a refusal of one order is
    reported and the others still go.
    """
    from aftersales.calls.workflow import order_assign

    at = at or timezone.now()
    plan = _locked(plan_id, access)
    if plan.state not in DECIDABLE:
        raise _not_in(plan, DECIDABLE)
    routes = {r["technician"]: r for r in plan.proposal.get("routes", [])}
    accepted = set(plan.proposal.get("accepted", []))
    wanted = [t for t, r in routes.items() if r["visits"]] if technician_ids is None else list(technician_ids)
    unknown = [t for t in wanted if t not in routes]
    if unknown:
        raise InvalidInput(
            _("technician_ids: not in this plan: %(t)s") % {"t": ", ".join(map(str, unknown))},
            fields={"technician_ids": [_("Allowed: %(v)s") % {"v": ", ".join(map(str, sorted(routes)))}]},
        )
    result = AcceptResult(plan=plan, assigned=[], unchanged=[], refused={})
    current = dict(
        ServiceOrder.objects.filter(
            pk__in=[v["order"] for t in wanted for v in routes[t]["visits"]]
        ).values_list("pk", "technician_id")
    )
    reason = _("dispatch plan #%(id)s") % {"id": plan.pk}
    outcomes = list(plan.proposal.get("results", []))
    for tech_id in wanted:
        if tech_id in accepted:
            continue
        for visit in routes[tech_id]["visits"]:
            order_id = visit["order"]
            if visit["locked"] or current.get(order_id) == tech_id:
                result.unchanged.append(order_id)
                outcomes.append({"order": order_id, "technician": tech_id, "outcome": "unchanged"})
                continue
            try:
                with transaction.atomic():
                    order_assign(
                        order_id=order_id, technician_id=tech_id, access=access, by=by, reason=reason, at=at
                    )
            except DomainError as exc:
                result.refused[order_id] = exc.message
                outcomes.append(
                    {"order": order_id, "technician": tech_id, "outcome": "refused", "message": exc.message}
                )
                continue
            result.assigned.append(order_id)
            outcomes.append({"order": order_id, "technician": tech_id, "outcome": "assigned"})
        accepted.add(tech_id)
    everyone = {t for t, r in routes.items() if r["visits"]}
    to = PS.ACCEPTED if everyone <= accepted else PS.PARTLY_ACCEPTED
    transition(
        plan,
        table=PLAN_TRANSITIONS,
        to=to,
        by=by,
        roles=access.roles,
        data={
            "technicians": sorted(set(wanted)),
            "assigned": result.assigned,
            "refused": {str(k): v for k, v in result.refused.items()},
        },
    )
    plan.proposal = {**plan.proposal, "accepted": sorted(accepted), "results": outcomes}
    plan.decided_by, plan.decided_at = by, at
    plan.save(update_fields=["state", "proposal", "decided_by", "decided_at"])
    return result


@transaction.atomic
def plan_edit(
    *, plan_id: int, order_id: int, technician_id: int | None, access: Access, by: User
) -> DispatchPlan:
    """Move an order to another technician's route (at its best place) or drop it (None); re-checked."""
    plan = _locked(plan_id, access)
    if plan.state not in DECIDABLE:
        raise _not_in(plan, DECIDABLE)
    data = plan.proposal["problem"]
    problem = problem_from_json(data)
    job_id = str(order_id)
    jobs = {j["id"]: j for j in data["jobs"]}
    if job_id not in jobs:
        raise InvalidInput(_("order_id: not in this plan."), fields={"order_id": [_("Not in this plan.")]})
    sequences = {r["technician"]: [v["job"] for v in r["visits"]] for r in plan.proposal["routes"]}
    accepted = set(plan.proposal.get("accepted", []))
    source = next((t for t, seq in sequences.items() if job_id in seq), None)
    locked = {j for t in problem.technicians for j in t.locked}
    if job_id in locked:
        raise InvalidInput(
            _("order_id: the order is under way and stays with its technician."),
            fields={"order_id": [_("Under way: it stays with its technician.")]},
        )
    if source in accepted or (technician_id is not None and technician_id in accepted):
        raise InvalidInput(
            _("technician_id: that technician's route is accepted already."),
            fields={"technician_id": [_("Accepted already.")]},
        )
    if technician_id is not None and technician_id not in sequences:
        raise InvalidInput(
            _("technician_id: not a technician of this plan."),
            fields={"technician_id": [_("Allowed: %(v)s") % {"v": ", ".join(map(str, sorted(sequences)))}]},
        )
    if source is not None:
        sequences[source].remove(job_id)
    previous = {u["job"]: u for u in plan.proposal.get("unassigned", [])}
    result: Plan | None
    if technician_id is None:
        result = _timed(problem, sequences)
        if result is None:
            message = _("The plan does not hold without this order.")
            raise InvalidInput(f"order_id: {message}", fields={"order_id": [message]})
        previous[job_id] = {"job": job_id, "reason": "dropped", "detail": _("dropped by the supervisor")}
    else:
        tech = problem.technician(str(technician_id))
        name = data["names"].get(tech.id, tech.id)
        if not tech.can_do(problem.job(job_id)):
            message = _("%(who)s is not certified for %(line)s.") % {
                "who": name,
                "line": jobs[job_id]["line"],
            }
            raise InvalidInput(f"technician_id: {message}", fields={"technician_id": [message]})
        result = None
        seq = sequences[technician_id]
        for position in range(len(tech.locked), len(seq) + 1):
            timed = _timed(problem, {**sequences, technician_id: [*seq[:position], job_id, *seq[position:]]})
            if timed is not None and (result is None or _cost(timed) < _cost(result)):
                result = timed
        if result is None:
            message = _("The order does not fit into %(who)s's day (shift, appointment or lunch).") % {
                "who": name
            }
            raise InvalidInput(f"technician_id: {message}", fields={"technician_id": [message]})
        previous.pop(job_id, None)
    plan.proposal = {**plan.proposal, "unassigned": list(previous.values())}
    plan.proposal.update(_routes_json(plan=plan, problem=problem, result=result, data=data))
    _store(plan, proposal=plan.proposal, result=result)
    transition(
        plan,
        table=PLAN_TRANSITIONS,
        to=plan.state,
        by=by,
        roles=access.roles,
        data={"order": order_id, "from": source, "to": technician_id},
    )
    plan.save()
    return plan


def _timed(problem: Problem, sequences: dict[int, list[str]]) -> Plan | None:
    """The routes timed and checked; None when the checker finds anything wrong."""
    timed = plan_from_sequences(problem=problem, sequences={str(t): s for t, s in sequences.items()})
    return None if check_plan(problem=problem, plan=timed) else timed


def _cost(plan: Plan) -> tuple[float, float]:
    return sum(v.late for r in plan.routes for v in r.visits), plan.travel_time


@transaction.atomic
def plan_reject(*, plan_id: int, reason: str, access: Access, by: User) -> DispatchPlan:
    plan = _locked(plan_id, access)
    if plan.state not in DECIDABLE:
        raise _not_in(plan, DECIDABLE)
    transition(plan, table=PLAN_TRANSITIONS, to=PS.REJECTED, by=by, roles=access.roles, reason=reason)
    plan.decided_by, plan.decided_at, plan.decision_reason = by, timezone.now(), reason.strip()
    plan.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    return plan
