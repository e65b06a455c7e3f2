"""Hard faults (疑难故障): reported from the site to the branch supervisor the same day, who sets a
solution with the chief engineer; if the first solution fails, the technical department (head
office) designs the fix. One transition table; every step is on the order's trail.

Who answers: level "supervisor" needs ``faults.answer`` in the order's branch; level "technical"
needs ``faults.engineer`` granted at head office.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import ALL, Access
from aftersales.audit.services import event_record
from aftersales.calls.models import FaultEscalation, ServiceOrder
from aftersales.calls.onsite import _on_site_worker
from aftersales.calls.selectors import orders_visible
from aftersales.calls.workflow import _locked
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.common.transitions import Step, TransitionTable, transition
from aftersales.notifications.services import notify
from aftersales.org.models import User
from aftersales.org.roles import Role

ES = FaultEscalation.State
LEVEL = FaultEscalation.Level

ESCALATION_TRANSITIONS: TransitionTable = {
    (ES.OPEN, ES.ANSWERED): Step(label="give a solution", event_kind="escalation_answered"),
    (ES.ANSWERED, ES.RESOLVED): Step(label="the solution worked", event_kind="escalation_resolved"),
    (ES.ANSWERED, ES.FAILED): Step(
        label="the solution failed", event_kind="escalation_failed", needs_reason=True
    ),
}
# States in which a hard fault may be raised: the technician is working on it.
RAISE_STATES = frozenset(
    {ServiceOrder.State.ASSIGNED, ServiceOrder.State.ON_SITE, ServiceOrder.State.TAKE_BACK}
)


def _record_on_order(order: ServiceOrder, escalation_id: int, **kwargs: Any) -> None:
    kwargs["subject"] = order
    kwargs["data"] = {**(kwargs.get("data") or {}), "escalation": escalation_id}
    event_record(**kwargs)


def may_answer(access: Access, escalation: FaultEscalation) -> bool:
    if escalation.level == LEVEL.TECHNICAL:
        return access.branches_for("faults.engineer") == ALL
    return access.can("faults.answer", escalation.branch_id)


def _people(role: str, branch_id: int = 0, head_office: bool = False) -> list[User]:
    qs = User.objects.filter(is_active=True, role_assignments__role=role)
    if head_office:
        qs = qs.filter(role_assignments__branch__is_head_office=True)
    else:
        qs = qs.filter(role_assignments__branch_id=branch_id)
    return list(qs.distinct())


def _tell(recipients: list[User], escalation: FaultEscalation, order: ServiceOrder, title: str) -> None:
    notify(
        recipients=recipients,
        kind="fault_escalated",
        title=title,
        body=escalation.problem[:500],
        url=reverse("calls:order", args=[order.pk]),
        subject_type="calls.serviceorder",
        subject_id=order.pk,
    )


def _create(
    *, order: ServiceOrder, level: str, problem: str, by: User, previous: FaultEscalation | None = None
) -> FaultEscalation:
    try:
        with transaction.atomic():
            escalation = FaultEscalation.objects.create(
                order=order,
                branch_id=order.branch_id,
                level=level,
                problem=problem,
                raised_by=by,
                raised_at=timezone.now(),
                previous=previous,
            )
    except IntegrityError:
        raise InvalidInput(
            _("This order already has a hard fault waiting for its solution."),
            fields={"problem": [_("one open escalation per order")]},
        ) from None
    event_record(
        kind="escalation_raised",
        subject=order,
        actor=by,
        to_value=escalation.get_level_display(),
        data={"escalation": escalation.pk, "level": level},
        reason=problem[:200],
    )
    return escalation


@transaction.atomic
def escalation_raise(*, order_id: int, problem: str, access: Access, by: User) -> FaultEscalation:
    """The technician (or supervisor) reports a hard fault; the branch's supervisors are told at once."""
    order = _locked(order_id)
    _on_site_worker(order, access, by)
    if not problem.strip():
        raise InvalidInput(
            _("problem: describe the fault and what was tried."), fields={"problem": [_("required")]}
        )
    if order.state not in RAISE_STATES:
        raise InvalidInput(
            _("A hard fault is reported while the order is being worked on; this order is %(state)s.")
            % {"state": order.get_state_display()}
        )
    escalation = _create(order=order, level=LEVEL.SUPERVISOR, problem=problem.strip(), by=by)
    recipients = _people(Role.SUPERVISOR, order.branch_id) or _people(Role.MANAGER, order.branch_id)
    title = _("Hard fault on %(n)s: a solution is needed today") % {"n": order.number}
    _tell(recipients, escalation, order, title)
    return escalation


def _locked_escalation(escalation_id: int, access: Access) -> tuple[FaultEscalation, ServiceOrder]:
    row = FaultEscalation.objects.filter(pk=escalation_id).values_list("order_id", flat=True).first()
    if row is None:
        raise NotFound()
    order = _locked(row)  # the order first, then the escalation: one lock order everywhere
    escalation = FaultEscalation.objects.select_for_update().get(pk=escalation_id)
    return escalation, order


@transaction.atomic
def escalation_answer(
    *, escalation_id: int, solution: str, involved: str, access: Access, by: User
) -> FaultEscalation:
    """The supervisor (with the chief engineer) or the technical department sets the solution."""
    escalation, order = _locked_escalation(escalation_id, access)
    if not may_answer(access, escalation):
        if orders_visible(access=access).filter(pk=order.pk).exists():
            raise PermissionDenied(
                _(
                    "Only the branch's supervisor answers a hard fault; after a failed solution, the technical department."
                )
            )
        raise NotFound()
    errors: dict[str, list[str]] = {}
    if not solution.strip():
        errors["solution"] = [_("required: the solution to try")]
    if not involved.strip():
        errors["involved"] = [_("required: who set the solution (e.g. the chief engineer)")]
    if len(involved) > 200:
        errors["involved"] = [_("at most 200 characters")]
    InvalidInput.check(errors)
    transition(
        escalation,
        table=ESCALATION_TRANSITIONS,
        to=ES.ANSWERED,
        by=by,
        roles=access.roles,
        data={"involved": involved.strip()},
        record=partial(_record_on_order, order, escalation.pk),
    )
    escalation.solution = solution.strip()
    escalation.involved = involved.strip()
    escalation.answered_by = by
    escalation.answered_at = timezone.now()
    escalation.save(update_fields=["state", "solution", "involved", "answered_by", "answered_at"])
    if order.technician_id:
        title = _("Solution for the hard fault on %(n)s") % {"n": order.number}
        technician = User.objects.get(pk=order.technician_id)
        _tell([technician], escalation, order, title)
    return escalation


@transaction.atomic
def escalation_result(
    *, escalation_id: int, worked: bool, note: str = "", access: Access, by: User
) -> FaultEscalation:
    """The technician says whether the solution worked. A failed supervisor-level solution goes to
    the technical department; a failed technical solution is raised again there."""
    escalation, order = _locked_escalation(escalation_id, access)
    _on_site_worker(order, access, by)
    to = ES.RESOLVED if worked else ES.FAILED
    transition(
        escalation,
        table=ESCALATION_TRANSITIONS,
        to=to,
        by=by,
        roles=access.roles,
        reason=note,
        record=partial(_record_on_order, order, escalation.pk),
    )
    escalation.result_note = note.strip()
    escalation.result_by = by
    escalation.result_at = timezone.now()
    escalation.save(update_fields=["state", "result_note", "result_by", "result_at"])
    if not worked:
        problem = _("%(problem)s\n\nTried: %(solution)s\nResult: %(note)s") % {
            "problem": escalation.problem,
            "solution": escalation.solution,
            "note": escalation.result_note,
        }
        follow = _create(order=order, level=LEVEL.TECHNICAL, problem=problem, by=by, previous=escalation)
        engineers = _people(Role.QUALITY_MANAGER, head_office=True) or _people(Role.MANAGER, head_office=True)
        title = _(
            "Hard fault on %(n)s: the first solution failed, the technical department designs the fix"
        ) % {"n": order.number}
        _tell(engineers, follow, order, title)
    return escalation


def escalations_waiting(*, access: Access) -> Any:
    """Escalations waiting for an answer that this person may give (supervisor's and engineers' home)."""
    qs = FaultEscalation.objects.filter(state=ES.OPEN).select_related("order", "raised_by", "branch")
    branches = access.branches_for("faults.answer")
    supervisor_level = qs.filter(level=LEVEL.SUPERVISOR)
    if branches != ALL:
        supervisor_level = supervisor_level.filter(branch_id__in=sorted(branches))
    if access.branches_for("faults.engineer") == ALL:
        return (supervisor_level | qs.filter(level=LEVEL.TECHNICAL)).order_by("raised_at")
    return supervisor_level.order_by("raised_at")
