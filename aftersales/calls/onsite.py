"""On-site work and closing: the service report, the customer's signature, completion, not fixed
(new appointment or take-back), settlement and closing. Guards run in the order's transition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.audit.services import event_record
from aftersales.calls.models import OldPartDisposal, Opinion, ReportPart, ServiceOrder, ServiceReport
from aftersales.calls.stock_use import order_parts_consume, order_parts_release, order_parts_reserve
from aftersales.calls.workflow import ORDER_TRANSITIONS, OS, _locked, _open_clocks, _report_complete
from aftersales.catalog.models import FaultCategory, Part
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.common.transitions import transition
from aftersales.org.models import User
from aftersales.org.roles import Role
from aftersales.sla.services import clock_start, clock_stop

RESOLUTION_CODES = ("resolution", "resolution_same_day")


@dataclass(frozen=True, kw_only=True)
class PartUse:
    part_id: int
    quantity: int = 1
    old_part: str = OldPartDisposal.RETURN_TO_SERVICE


@dataclass(frozen=True, kw_only=True)
class ReportData:
    fault_category_id: int | None = None
    diagnosis: str = ""
    cause: str = ""
    solution: str = ""
    labour_minutes: int = 0
    no_parts_used: bool = False
    parts: list[PartUse] = field(default_factory=list)
    extra_work: str = ""


def _on_site_worker(order: ServiceOrder, access: Access, by: User) -> None:
    if order.technician_id == by.pk:
        return
    if access.can("orders.dispatch", order.branch_id):
        return
    if access.can("calls.view", order.branch_id):
        raise PermissionDenied(_("Only the assigned technician or a supervisor writes the report."))
    raise NotFound()


@transaction.atomic
def report_save(*, order_id: int, data: ReportData, access: Access, by: User) -> ServiceReport:
    order = _locked(order_id)
    _on_site_worker(order, access, by)
    if order.state != OS.ON_SITE:
        raise InvalidInput(
            _("state: the report is written on site (the order is “%(s)s”).")
            % {"s": order.get_state_display()},
            fields={"state": [_("Arrive first.")]},
        )
    errors: dict[str, list[str]] = {}
    fault = None
    if data.fault_category_id is not None:
        fault = FaultCategory.objects.filter(pk=data.fault_category_id, active=True).first()
        if fault is None:
            errors["fault_category_id"] = [_("Unknown fault category.")]
    if not 0 <= data.labour_minutes <= 24 * 60:
        errors["labour_minutes"] = [_("From 0 to 1440 minutes.")]
    if data.no_parts_used and data.parts:
        errors["parts"] = [_("Either list the parts or tick “no parts replaced”, not both.")]
    parts = {p.pk: p for p in Part.objects.filter(pk__in=[u.part_id for u in data.parts], active=True)}
    for i, use in enumerate(data.parts, start=1):
        if use.part_id not in parts:
            errors[f"parts.{i}.part_id"] = [_("Line %(i)s: unknown part.") % {"i": i}]
        if not 1 <= use.quantity <= 999:
            errors[f"parts.{i}.quantity"] = [_("Line %(i)s: quantity from 1 to 999.") % {"i": i}]
        if use.old_part not in OldPartDisposal.values:
            errors[f"parts.{i}.old_part"] = [_("Allowed: %(v)s") % {"v": ", ".join(OldPartDisposal.values)}]
    InvalidInput.check(errors)
    report, _created = ServiceReport.objects.get_or_create(order=order)
    if report.signed_at is not None:
        raise InvalidInput(
            _("signature: the customer has signed; the report can no longer change."),
            fields={"signature": [_("Signed reports are final.")]},
        )
    report.fault_category = fault
    report.diagnosis, report.cause, report.solution = (
        data.diagnosis.strip(),
        data.cause.strip(),
        data.solution.strip(),
    )
    report.labour_minutes, report.no_parts_used = data.labour_minutes, data.no_parts_used
    if data.extra_work.strip() != report.extra_work:
        report.extra_work, report.extra_work_authorised_at = data.extra_work.strip(), None
    report.save()
    report.parts.all().delete()
    ReportPart.objects.bulk_create(
        [
            ReportPart(report=report, part=parts[u.part_id], quantity=u.quantity, old_part=u.old_part)
            for u in data.parts
        ]
    )
    order_parts_reserve(order=order, parts=[(u.part_id, u.quantity) for u in data.parts], by=by)
    if fault is not None and order.fault_category_id != fault.pk:
        order.fault_category = fault
        order.save(update_fields=["fault_category", "updated_at"])
    event_record(
        kind="report_saved",
        subject=order,
        actor=by,
        data={
            "cause": report.cause[:200],
            "solution": report.solution[:200],
            "labour_minutes": report.labour_minutes,
            "parts": [[parts[u.part_id].code, u.quantity] for u in data.parts],
        },
    )
    return report


@transaction.atomic
def extra_work_authorise(
    *, order_id: int, access: Access, by: User, at: dt.datetime | None = None
) -> ServiceReport:
    """The customer agreed to the extra work found (before it is done)."""
    order = _locked(order_id)
    _on_site_worker(order, access, by)
    report = ServiceReport.objects.filter(order=order).first()
    if report is None or not report.extra_work:
        raise InvalidInput(
            _("extra_work: describe the extra work first."), fields={"extra_work": [_("Required.")]}
        )
    report.extra_work_authorised_at = at or timezone.now()
    report.save(update_fields=["extra_work_authorised_at", "updated_at"])
    event_record(kind="extra_work_authorised", subject=order, actor=by, to_value=report.extra_work[:200])
    return report


@transaction.atomic
def report_sign(
    *,
    order_id: int,
    signed_by: str,
    signature: str,
    opinion: str,
    access: Access,
    by: User,
    comment: str = "",
    at: dt.datetime | None = None,
) -> ServiceReport:
    """The customer gives their opinion and signs on the screen."""
    order = _locked(order_id)
    _on_site_worker(order, access, by)
    report = ServiceReport.objects.filter(order=order).first()
    errors: dict[str, list[str]] = {}
    if report is None:
        errors["report"] = [_("Write the report before the customer signs.")]
    if opinion not in Opinion.values:
        errors["opinion"] = [_("Allowed: %(v)s") % {"v": ", ".join(Opinion.values)}]
    if not signed_by.strip():
        errors["signed_by"] = [_("Write the name of the person who signs.")]
    if len(signature.strip()) < 20 or len(signature) > 200_000:
        errors["signature"] = [_("Ask the customer to sign in the box.")]
    if report is not None and report.extra_work and report.extra_work_authorised_at is None:
        errors["extra_work"] = [_("The customer has not authorised the extra work.")]
    InvalidInput.check(errors)
    assert report is not None
    report.customer_opinion, report.customer_comment = opinion, comment.strip()
    report.signed_by, report.signature, report.signed_at = (
        signed_by.strip()[:100],
        signature,
        at or timezone.now(),
    )
    report.save()
    event_record(
        kind="report_signed", subject=order, actor=by, to_value=report.signed_by, data={"opinion": opinion}
    )
    return report


@transaction.atomic
def order_complete(*, order_id: int, access: Access, by: User, at: dt.datetime | None = None) -> ServiceOrder:
    """Work done: only with a complete, signed report; the resolution clock stops."""
    at = at or timezone.now()
    order = _locked(order_id)
    _on_site_worker(order, access, by)
    transition(
        order,
        table=ORDER_TRANSITIONS,
        to=OS.COMPLETED,
        by=by,
        roles=access.roles,
        data={"at": at.isoformat()},
    )
    order.completed_at = at
    order.save(update_fields=["state", "completed_at", "updated_at"])
    order_parts_consume(order=order, by=by)
    for clock in _open_clocks(order):
        if clock.code in RESOLUTION_CODES:
            clock_stop(subject=order, code=clock.code, by=by, at=at)
    if order.unit is not None:
        report = order.report
        event_record(
            kind="serviced",
            subject=order.unit,
            actor=by,
            to_value=order.number,
            data={
                "order": order.number,
                "cause": report.cause[:200],
                "solution": report.solution[:200],
                "parts": list(report.parts.values_list("part__code", "quantity")),
            },
        )
    return order


@transaction.atomic
def order_not_fixed(
    *, order_id: int, next_step: str, reason: str, access: Access, by: User, at: dt.datetime | None = None
) -> ServiceOrder:
    """Not fixed on site: a new appointment (back to assigned) or take-back to the workshop."""
    order = _locked(order_id)
    _on_site_worker(order, access, by)
    target = {"appointment": OS.ASSIGNED, "take_back": OS.TAKE_BACK}.get(next_step)
    if target is None:
        raise InvalidInput(
            _("next_step: allowed: appointment, take_back"),
            fields={"next_step": [_("appointment or take_back")]},
        )
    transition(order, table=ORDER_TRANSITIONS, to=target, by=by, roles=access.roles, reason=reason)
    order.save(update_fields=["state", "updated_at"])
    order_parts_release(order=order, by=by, reason=reason)
    return order


SETTLEMENTS = ("none_due", "paid", "invoiced", "waived")


def order_settle(
    *,
    order_id: int,
    settlement: str,
    access: Access,
    by: User,
    reason: str = "",
    amount: Decimal | str | None = None,
    method: str = "",
    at: dt.datetime | None = None,
) -> ServiceOrder:
    """Record how the money was settled, with its payment or invoice request; a waiver needs a
    branch manager or an executive. The rules live in :func:`aftersales.charges.money.order_settle`
    (charges imports calls, so the import is here)."""
    from aftersales.charges.money import order_settle as settle

    return settle(
        order_id=order_id,
        settlement=settlement,
        access=access,
        by=by,
        reason=reason,
        amount=amount,
        method=method,
        at=at,
    )


@transaction.atomic
def order_close(*, order_id: int, access: Access, by: User, at: dt.datetime | None = None) -> ServiceOrder:
    """Close: only when the work is done, the report complete and the money settled.

    The follow-up clock starts (3 working days): the survey/follow-up capability picks it up.
    """
    at = at or timezone.now()
    order = _locked(order_id)
    if not access.can("orders.dispatch", order.branch_id) and not access.has_role(
        Role.AGENT, order.branch_id
    ):
        raise NotFound()
    problem = _report_complete(order, by=by)
    if problem:
        raise InvalidInput(problem, fields={"report": [problem]})
    transition(order, table=ORDER_TRANSITIONS, to=OS.CLOSED, by=by, roles=access.roles)
    order.closed_at = at
    order.save(update_fields=["state", "closed_at", "updated_at"])
    for call in order.calls.all():
        event_record(
            kind="state_changed", subject=call, actor=by, to_value="closed", data={"order": order.number}
        )
    clock_start(
        subject=order, code="follow_up", by=by, at=at, branch=order.branch, customer_id=order.customer_id
    )
    return order
