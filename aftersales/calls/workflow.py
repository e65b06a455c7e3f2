"""The service order's one workflow: dispatch, appointment, travel, arrival (on-site work and closing
follow in the next steps of the service flow). One transition table; guards run under the row lock.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.calls.models import ServiceOrder, ServiceReport
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.common.transitions import Step, TransitionTable, transition
from aftersales.notifications.services import notify
from aftersales.org.models import Certification, RoleAssignment, User
from aftersales.org.roles import Role
from aftersales.sla.models import Clock, ClockState
from aftersales.sla.services import clock_assign, clock_cancel, clock_replace, clock_start, clock_stop

OS = ServiceOrder.State
ARRIVAL_CODES = ("arrival_urban", "arrival_suburban", "arrival_same_day", "arrival_appointment")


def report_missing(report: ServiceReport | None) -> list[str]:
    """What a report still lacks before the order can be completed (field names)."""
    if report is None:
        return ["cause", "solution", "parts", "customer_opinion", "signature"]
    missing = []
    if not report.cause.strip():
        missing.append("cause")
    if not report.solution.strip():
        missing.append("solution")
    if not report.no_parts_used and not report.parts.exists():
        missing.append("parts")
    if not report.customer_opinion:
        missing.append("customer_opinion")
    if not report.signature or not report.signed_by.strip():
        missing.append("signature")
    return missing


MISSING_LABELS = {
    "cause": gettext_lazy("fault cause"),
    "solution": gettext_lazy("solution"),
    "parts": gettext_lazy("parts replaced (or “no parts replaced”)"),
    "customer_opinion": gettext_lazy("customer's opinion"),
    "signature": gettext_lazy("customer's signature"),
}


def _report_complete(order: ServiceOrder, *, by: object) -> str | None:
    report = ServiceReport.objects.filter(order=order).first()
    missing = report_missing(report)
    if missing:
        return _("The service report is incomplete: %(m)s.") % {
            "m": ", ".join(str(MISSING_LABELS[m]) for m in missing)
        }
    return None


def _settled(order: ServiceOrder, *, by: object) -> str | None:
    if order.settlement == "pending":
        return _("The money is not settled: record the payment, the invoice request, or an approved waiver.")
    return None


_ON_SITE_STEPS: TransitionTable = {
    (OS.ON_SITE, OS.COMPLETED): Step(label="work done", guards=(_report_complete,)),
    (OS.ON_SITE, OS.ASSIGNED): Step(label="not fixed: new appointment", needs_reason=True),
    (OS.ON_SITE, OS.TAKE_BACK): Step(label="not fixed: take back to the workshop", needs_reason=True),
    (OS.COMPLETED, OS.CLOSED): Step(label="close", guards=(_settled,)),
}


ORDER_TRANSITIONS: TransitionTable = {
    (OS.OPEN, OS.ASSIGNED): Step(label="assign", event_kind="assigned"),
    (OS.ASSIGNED, OS.ASSIGNED): Step(label="reassign", event_kind="assigned", needs_reason=True),
    (OS.ASSIGNED, OS.TRAVELLING): Step(label="leave for the site", roles=frozenset({Role.TECHNICIAN})),
    (OS.TRAVELLING, OS.ON_SITE): Step(label="arrive", roles=frozenset({Role.TECHNICIAN})),
    (OS.ASSIGNED, OS.ON_SITE): Step(label="arrive", roles=frozenset({Role.TECHNICIAN})),
    (OS.TRAVELLING, OS.ASSIGNED): Step(label="reassign", event_kind="assigned", needs_reason=True),
    (OS.OPEN, OS.CANCELLED): Step(label="cancel", needs_reason=True),
    (OS.ASSIGNED, OS.CANCELLED): Step(label="cancel", needs_reason=True),
    **_ON_SITE_STEPS,
}


def _locked(order_id: int) -> ServiceOrder:
    order = (
        ServiceOrder.objects.select_for_update(of=("self",))
        .select_related("unit__product_model", "branch", "customer")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound()
    return order


def technician_problem(order: ServiceOrder, technician: User, on: dt.date) -> str | None:
    """Why this person cannot take the order (None: they can): branch and certification.

    The same rule as the board's choices (:func:`technicians_for_orders`), so both always agree.
    """
    for user, problem in technicians_for_orders([order], on).get(order.pk, []):
        if user.pk == technician.pk:
            return problem
    if not technician.is_active:
        return _("%(who)s is not active.") % {"who": technician.display_name}
    return _("%(who)s is not a technician of %(branch)s.") % {
        "who": technician.display_name,
        "branch": order.branch.name,
    }


def technicians_for(order: ServiceOrder, on: dt.date) -> list[tuple[User, str | None]]:
    """The branch's technicians with the reason each cannot take the order (None: eligible)."""
    return technicians_for_orders([order], on).get(order.pk, [])


def technicians_for_orders(
    orders: list[ServiceOrder], on: dt.date
) -> dict[int, list[tuple[User, str | None]]]:
    """The same for many orders in a constant number of queries (the dispatch board).

    Gives the same answers as :func:`technician_problem`, which guards the assignment itself.
    """
    branch_ids = {o.branch_id for o in orders}
    techs: dict[int, list[User]] = {b: [] for b in branch_ids}
    for ra in (
        RoleAssignment.objects.filter(role=Role.TECHNICIAN, branch_id__in=branch_ids, user__is_active=True)
        .select_related("user")
        .order_by("user__name", "user__username")
    ):
        if all(u.pk != ra.user_id for u in techs[ra.branch_id]):
            techs[ra.branch_id].append(ra.user)
    everyone = {u.pk for users in techs.values() for u in users}
    certified = set(
        Certification.objects.filter(user_id__in=everyone, certified_on__lte=on)
        .exclude(expires_on__lt=on)
        .values_list("user_id", "product_line_id")
    )
    out: dict[int, list[tuple[User, str | None]]] = {}
    for order in orders:
        line = order.unit.product_model.product_line if order.unit is not None else None
        choices: list[tuple[User, str | None]] = []
        for user in techs.get(order.branch_id, []):
            problem = None
            if line is not None and (user.pk, line.pk) not in certified:
                problem = _("%(who)s is not certified for %(line)s.") % {
                    "who": user.display_name,
                    "line": line.name,
                }
            choices.append((user, problem))
        out[order.pk] = choices
    return out


def _open_clocks(order: ServiceOrder) -> list[Clock]:
    return list(
        Clock.objects.filter(
            subject_type="calls.serviceorder", subject_id=order.pk, stopped_at__isnull=True
        ).exclude(state=ClockState.CANCELLED)
    )


@transaction.atomic
def order_assign(
    *,
    order_id: int,
    technician_id: int,
    access: Access,
    by: User,
    reason: str = "",
    at: dt.datetime | None = None,
) -> ServiceOrder:
    """Assign (or reassign, with a reason) a technician of the branch certified for the product line."""
    at = at or timezone.now()
    order = _locked(order_id)
    if not access.can("orders.dispatch", order.branch_id):
        raise NotFound()
    technician = User.objects.filter(pk=technician_id).first()
    if technician is None:
        raise InvalidInput(
            _("technician_id: unknown person."), fields={"technician_id": [_("Unknown person.")]}
        )
    if technician.pk == order.technician_id:
        return order
    problem = technician_problem(order, technician, timezone.localdate(at))
    if problem:
        raise InvalidInput(f"technician_id: {problem}", fields={"technician_id": [problem]})
    before = order.technician
    transition(
        order,
        table=ORDER_TRANSITIONS,
        to=OS.ASSIGNED,
        by=by,
        roles=access.roles,
        reason=reason,
        data={"technician": technician.display_name, "from": before.display_name if before else None},
    )
    order.technician = technician
    order.assigned_at = at
    order.save(update_fields=["state", "technician", "assigned_at", "updated_at"])
    for clock in _open_clocks(order):
        clock_assign(subject=order, code=clock.code, responsible=technician, by=by)
    notify(
        recipients=[technician],
        kind="order_assigned",
        title=_("New order %(n)s: %(c)s") % {"n": order.number, "c": order.customer.name},
        body=order.fault_description[:500],
        subject_type="calls.serviceorder",
        subject_id=order.pk,
    )
    return order


@transaction.atomic
def order_book_appointment(
    *,
    order_id: int,
    start: dt.datetime,
    end: dt.datetime,
    access: Access,
    by: User,
    customer_choice: bool = True,
    at: dt.datetime | None = None,
) -> ServiceOrder:
    """Agree a visit window: the arrival deadline becomes the window's end (S15).

    When the customer chose the time, the arrival limit clock is replaced, so a later visit the
    customer asked for is not counted late against the 6/7-hour limit.
    """
    at = at or timezone.now()
    order = _locked(order_id)
    if not access.can("orders.dispatch", order.branch_id):
        raise NotFound()
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(
            _("start: give times with their time zone."), fields={"start": [_("Time zone missing.")]}
        )
    if end <= start:
        raise InvalidInput(
            _("end: the window must end after it starts."), fields={"end": [_("After the start.")]}
        )
    if end <= at:
        raise InvalidInput(_("end: the window is already over."), fields={"end": [_("In the future.")]})
    if order.state not in (OS.OPEN, OS.ASSIGNED):
        raise InvalidInput(
            _("state: an appointment is booked before the technician leaves."),
            fields={
                "state": [
                    _("Allowed in: %(s)s") % {"s": ", ".join([str(OS.OPEN.label), str(OS.ASSIGNED.label)])}
                ]
            },
        )
    clocks = {c.code: c for c in _open_clocks(order) if c.code in ARRIVAL_CODES}
    reason = _("appointment agreed") + (" " + _("(customer's choice)") if customer_choice else "")
    if "arrival_appointment" in clocks:  # a new window replaces the old one
        clock_replace(
            subject=order,
            code="arrival_appointment",
            new_code="arrival_appointment",
            by=by,
            at=at,
            window_end=end,
            reason=reason,
        )
    else:
        clock_start(
            subject=order,
            code="arrival_appointment",
            by=by,
            at=at,
            branch=order.branch,
            responsible=order.technician,
            window_end=end,
            customer_id=order.customer_id,
        )
    if customer_choice:
        # The customer's own (later) time: the arrival limit no longer applies, it is not late.
        for code in clocks:
            if code != "arrival_appointment":
                clock_cancel(subject=order, code=code, by=by, reason=reason)
    # Agreed by us: the window is the deadline and the limit clock keeps running beside it.
    order.appointment_start, order.appointment_end = start, end
    order.appointment_by_customer = customer_choice
    order.save(
        update_fields=["appointment_start", "appointment_end", "appointment_by_customer", "updated_at"]
    )
    event_record(
        kind="appointment_booked",
        subject=order,
        actor=by,
        to_value=f"{start.isoformat()}/{end.isoformat()}",
        data={"customer_choice": customer_choice},
    )
    return order


def _technician_of(order: ServiceOrder, access: Access, by: User) -> None:
    if order.technician_id != by.pk:
        raise PermissionDenied(_("Only the assigned technician records travel and arrival."))


@transaction.atomic
def order_start_travel(
    *, order_id: int, access: Access, by: User, at: dt.datetime | None = None
) -> ServiceOrder:
    at = at or timezone.now()
    order = _locked(order_id)
    if not access.can("calls.view", order.branch_id) and order.technician_id != by.pk:
        raise NotFound()
    _technician_of(order, access, by)
    transition(
        order,
        table=ORDER_TRANSITIONS,
        to=OS.TRAVELLING,
        by=by,
        roles=access.roles,
        data={"at": at.isoformat()},
    )
    order.travel_started_at = at
    order.save(update_fields=["state", "travel_started_at", "updated_at"])
    return order


@transaction.atomic
def order_arrive(*, order_id: int, access: Access, by: User, at: dt.datetime | None = None) -> ServiceOrder:
    """The technician is on site: the arrival clock stops (met or late)."""
    at = at or timezone.now()
    order = _locked(order_id)
    if order.technician_id != by.pk and not access.can("calls.view", order.branch_id):
        raise NotFound()
    _technician_of(order, access, by)
    transition(
        order, table=ORDER_TRANSITIONS, to=OS.ON_SITE, by=by, roles=access.roles, data={"at": at.isoformat()}
    )
    order.arrived_at = at
    order.save(update_fields=["state", "arrived_at", "updated_at"])
    for clock in _open_clocks(order):
        if clock.code in ARRIVAL_CODES:
            clock_stop(subject=order, code=clock.code, by=by, at=at)
    return order
