"""Clocks on records: compute deadlines, start, pause, resume, stop, replace; the trail on the record.

A clock's deadline is always a function of (its policy version, its branch's calendar, when it
started, its pauses, an agreed window if any). It is recomputed from those inputs on every change,
so a pause, a resume or a calendar correction can never leave a stale due time behind, and a
policy revised while the clock runs does not touch it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.models import Event
from aftersales.audit.services import event_build, event_record, subject_type_of
from aftersales.common.dates import add_months
from aftersales.common.errors import InvalidInput, NotFound
from aftersales.common.transitions import Step, TransitionTable, transition
from aftersales.org.models import Branch, User, Zone
from aftersales.sla import engine
from aftersales.sla.calendar import BranchCalendar, calendar_for, calendar_revision
from aftersales.sla.models import (
    OPEN_STATES,
    Clock,
    ClockKind,
    ClockPause,
    ClockPolicy,
    ClockState,
    DurationUnit,
)
from aftersales.sla.policies import policy_for

S = ClockState

CLOCK_TRANSITIONS: TransitionTable = {
    (S.RUNNING, S.PAUSED): Step(label="pause", event_kind="clock_paused"),
    (S.PAUSED, S.RUNNING): Step(label="resume", event_kind="clock_resumed"),
    (S.RUNNING, S.MET): Step(label="stop on time", event_kind="clock_met"),
    (S.PAUSED, S.MET): Step(label="stop on time", event_kind="clock_met"),
    (S.RUNNING, S.BREACHED): Step(label="breach", event_kind="clock_breached"),
    (S.PAUSED, S.BREACHED): Step(label="breach", event_kind="clock_breached"),
    (S.BREACHED, S.BREACHED): Step(label="stop late", event_kind="clock_stopped_late"),
    (S.RUNNING, S.CANCELLED): Step(label="replace", event_kind="clock_cancelled"),
    (S.PAUSED, S.CANCELLED): Step(label="replace", event_kind="clock_cancelled"),
    (S.BREACHED, S.CANCELLED): Step(label="replace", event_kind="clock_cancelled"),
}


# --------------------------------------------------------------------------- computing


@dataclass(frozen=True)
class DueResult:
    """A computed deadline, every instant in the branch's time zone."""

    code: str
    branch: Branch
    policy: ClockPolicy
    kind: str
    start: dt.datetime
    effective_start: dt.datetime
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    limit_at: dt.datetime | None
    allowance: dt.timedelta
    paused: dt.timedelta
    remaining: dt.timedelta
    paused_since: dt.datetime | None
    provisional: bool

    def as_dict(self) -> dict[str, Any]:
        iso = _iso
        return {
            "clock": self.code,
            "branch": self.branch.code,
            "policy_version": self.policy.version,
            "policy_scope": self.policy.scope_key,
            "kind": self.kind,
            "start": iso(self.start),
            "effective_start": iso(self.effective_start),
            "due_at": iso(self.due_at),
            "warn_at": iso(self.warn_at),
            "limit_at": iso(self.limit_at),
            "allowance_seconds": int(self.allowance.total_seconds()),
            "paused_seconds": int(self.paused.total_seconds()),
            "remaining_seconds": int(self.remaining.total_seconds()),
            "paused_since": iso(self.paused_since),
            "provisional": self.provisional,
        }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


Pause = tuple[dt.datetime, dt.datetime | None]


def _amount_duration(policy: ClockPolicy, amount: Decimal, cal: engine.BusinessCalendar) -> dt.timedelta:
    unit = policy.unit
    value = float(amount)
    if unit == DurationUnit.MINUTES:
        return dt.timedelta(minutes=value)
    if unit == DurationUnit.HOURS:
        return dt.timedelta(hours=value)
    if unit == DurationUnit.DAYS:
        return dt.timedelta(days=value)
    if unit == DurationUnit.WORKING_DAYS:
        return engine.standard_day(cal) * value
    raise ValueError(unit)


def compute_due(
    *,
    policy: ClockPolicy,
    bc: BranchCalendar,
    branch: Branch,
    start: dt.datetime,
    pauses: Sequence[Pause] = (),
    window_end: dt.datetime | None = None,
    amount: Decimal | None = None,
) -> DueResult:
    """The deadline of a clock under ``policy`` started at ``start`` with these pauses.

    ``amount`` replaces the policy's amount for one clock that was extended within its hard limit.
    """
    cal = bc.calendar
    tz = cal.tz
    start_local = start.astimezone(tz)
    unit = policy.unit
    limit_at: dt.datetime | None = None
    try:
        if unit == DurationUnit.MONTHS_BEFORE:
            due_day = add_months(start_local.date(), -int(policy.amount))
            due = dt.datetime.combine(due_day, start_local.timetz()).astimezone(tz)
            return DueResult(
                code=policy.code,
                branch=branch,
                policy=policy,
                kind=policy.kind,
                start=start_local,
                effective_start=start_local,
                due_at=due,
                warn_at=due,
                limit_at=None,
                allowance=dt.timedelta(0),
                paused=dt.timedelta(0),
                remaining=dt.timedelta(0),
                paused_since=None,
                provisional=False,
            )
        spec: engine.ClockSpec
        kind = policy.kind
        warn = float(policy.warn_ratio)
        if unit == DurationUnit.END_OF_DAY:
            spec = engine.ClockSpec(
                kind="working",
                duration=None,
                end_of_day=True,
                start_rule=policy.start_rule,  # type: ignore[arg-type]
                warn_ratio=warn,
            )
        elif unit == DurationUnit.WINDOW:
            if window_end is None:
                raise InvalidInput(
                    _("window_end: this clock runs to the end of an agreed window; give its end."),
                    fields={"window_end": [_("Give the end of the agreed window.")]},
                )
            if window_end <= start:
                raise InvalidInput(
                    _("window_end: the window must end after the clock starts."),
                    fields={"window_end": [_("Must be after the start.")]},
                )
            if kind == ClockKind.WORKING:
                duration = engine.working_between(cal, start, window_end)
            else:
                duration = window_end - start
            spec = engine.ClockSpec(kind=kind, duration=duration, start_rule="immediate", warn_ratio=warn)  # type: ignore[arg-type]
        elif unit == DurationUnit.DAY_OF_NEXT_MONTH:
            first_next = add_months(start_local.date().replace(day=1), 1)
            due_local = dt.datetime.combine(
                first_next.replace(day=int(policy.amount)) + dt.timedelta(days=1), dt.time(0), tzinfo=tz
            )
            spec = engine.ClockSpec(
                kind="calendar", duration=max(due_local - start, dt.timedelta(0)), warn_ratio=warn
            )
        else:
            spec = engine.ClockSpec(
                kind=kind,  # type: ignore[arg-type]
                duration=_amount_duration(policy, policy.amount if amount is None else amount, cal),
                start_rule=policy.start_rule,  # type: ignore[arg-type]
                warn_ratio=warn,
            )
        deadline = engine.compute_deadline(cal, spec, start=start, pauses=pauses)
        if policy.limit_amount is not None and unit not in (DurationUnit.END_OF_DAY, DurationUnit.WINDOW):
            limit_spec = engine.ClockSpec(
                kind=spec.kind,
                duration=_amount_duration(policy, policy.limit_amount, cal),
                start_rule=spec.start_rule,
                warn_ratio=1.0,
            )
            limit_at = engine.compute_deadline(cal, limit_spec, start=start, pauses=pauses).due_at
    except engine.CalendarDataMissing as exc:
        raise InvalidInput(
            _("start: no business calendar for %(year)s; enter that year's official arrangement first.")
            % {"year": exc.year},
            fields={"start": [_("Outside the business calendar (year %(year)s).") % {"year": exc.year}]},
        ) from exc
    return DueResult(
        code=policy.code,
        branch=branch,
        policy=policy,
        kind=spec.kind,
        start=start_local,
        effective_start=deadline.effective_start,
        due_at=deadline.due_at,
        warn_at=deadline.warn_at,
        limit_at=limit_at,
        allowance=deadline.allowance,
        paused=deadline.paused,
        remaining=deadline.remaining,
        paused_since=deadline.paused_since,
        provisional=bc.is_provisional(deadline.effective_start, deadline.due_at, limit_at),
    )


def parse_instant(value: str, *, tz: dt.tzinfo, field: str) -> dt.datetime:
    """ISO 8601; without an offset the time is in ``tz`` (the branch's time zone)."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(
            _(
                "%(field)s: “%(value)s” is not a date and time; write e.g. 2025-09-30T15:00 or 2025-09-30T15:00+08:00."
            )
            % {"field": field, "value": value},
            fields={field: [_("Write an ISO 8601 date and time, e.g. 2025-09-30T15:00.")]},
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def parse_pause(value: str, *, tz: dt.tzinfo) -> Pause:
    """``FROM/TO`` or ``FROM/`` (still paused)."""
    if "/" not in value:
        raise InvalidInput(
            _(
                "pause: write FROM/TO, e.g. 2025-01-27T10:00/2025-02-05T10:00 (leave TO empty if still paused)."
            ),
            fields={"pause": [_("Write FROM/TO.")]},
        )
    a, b = value.split("/", 1)
    paused = parse_instant(a, tz=tz, field="pause")
    resumed = parse_instant(b, tz=tz, field="pause") if b.strip() else None
    if resumed is not None and resumed < paused:
        raise InvalidInput(
            _("pause: a pause must end after it starts (%(value)s).") % {"value": value},
            fields={"pause": [_("The end is before the start.")]},
        )
    return paused, resumed


def branch_by_code(code: str | None) -> Branch:
    """The branch with this code; head office when no code is given."""
    qs = Branch.objects.filter(active=True)
    branch = qs.filter(code__iexact=code).first() if code else qs.filter(is_head_office=True).first()
    if branch is None and not code and not Branch.objects.exists():
        # A new installation without branches yet: the defaults of policies.md.
        return Branch(code="HQ", name="HQ", is_head_office=True)
    if branch is None:
        codes = ", ".join(qs.values_list("code", flat=True))
        raise InvalidInput(
            _("branch: unknown branch “%(code)s”. Allowed: %(codes)s") % {"code": code or "", "codes": codes},
            fields={"branch": [_("Allowed: %(codes)s") % {"codes": codes}]},
        )
    return branch


def due_for(
    *,
    code: str,
    start: str | dt.datetime,
    branch: Branch | str | None = None,
    pauses: Sequence[str | Pause] = (),
    zone: Zone | None = None,
    product_line_id: int | None = None,
    customer_id: int | None = None,
    window_end: str | dt.datetime | None = None,
) -> DueResult:
    """What the command and ``GET /api/v1/sla/due`` answer: the due time of one clock."""
    br = branch if isinstance(branch, Branch) else branch_by_code(branch)
    bc = calendar_for(br)
    tz = bc.tz
    start_at = parse_instant(start, tz=tz, field="start") if isinstance(start, str) else start
    parsed_pauses = [parse_pause(p, tz=tz) if isinstance(p, str) else p for p in pauses]
    end = parse_instant(window_end, tz=tz, field="window_end") if isinstance(window_end, str) else window_end
    policy = policy_for(
        code=code, branch=br, zone=zone, product_line_id=product_line_id, customer_id=customer_id
    )
    return compute_due(policy=policy, bc=bc, branch=br, start=start_at, pauses=parsed_pauses, window_end=end)


# --------------------------------------------------------------------------- clocks on records


def _subject_key(subject: models.Model) -> tuple[str, int]:
    return subject_type_of(subject), int(subject.pk)


def _record_for(clock: Clock, sink: list[Event] | None = None) -> Any:
    """An event writer that files clock events on the record the clock belongs to.

    With ``sink`` the events are built and appended there, for one bulk insert by the caller.
    """

    def record(**kwargs: Any) -> Any:
        kwargs.pop("subject", None)
        data = {"clock": clock.code, **(kwargs.pop("data", None) or {})}
        write = event_record if sink is None else event_build
        event = write(
            subject_type=clock.subject_type,
            subject_id=clock.subject_id,
            subject_label=clock.subject_label,
            branch=clock.branch_id,
            data=data,
            **kwargs,
        )
        if sink is not None:
            sink.append(event)
        return event

    return record


def _pauses_of(clock: Clock) -> list[Pause]:
    if clock.pk is None:
        return []
    return [(p.paused_at, p.resumed_at) for p in clock.pauses.all()]


def _refresh(clock: Clock, *, bc: BranchCalendar | None = None) -> DueResult:
    """Recompute the clock's deadline from its inputs and plan the sweeper's next action."""
    branch = clock.branch
    bc = bc or calendar_for(branch)
    window_end = clock.context.get("window_end")
    amount = clock.context.get("amount")
    result = compute_due(
        policy=clock.policy,
        bc=bc,
        branch=branch,
        start=clock.started_at,
        pauses=_pauses_of(clock),
        window_end=dt.datetime.fromisoformat(window_end) if window_end else None,
        amount=Decimal(amount) if amount else None,
    )
    clock.effective_start = result.effective_start
    clock.due_at = result.due_at
    clock.warn_at = result.warn_at
    clock.limit_at = result.limit_at
    clock.allowance = result.allowance
    clock.paused_total = result.paused
    clock.remaining = result.remaining
    clock.provisional = result.provisional
    clock.next_action_at = next_action(clock, bc=bc)
    return result


def escalation_instant(clock: Clock, after: float, *, bc: BranchCalendar) -> dt.datetime | None:
    """When the clock has used ``after`` × its allowance (1.0 = the deadline), pauses excluded."""
    if after == 1.0:
        return clock.due_at
    spec = engine.ClockSpec(
        kind=clock.policy.kind,  # type: ignore[arg-type]  # end-of-day policies are working time (validated)
        duration=clock.allowance * after,
        warn_ratio=1.0,
    )
    try:
        return engine.compute_deadline(
            bc.calendar, spec, start=clock.effective_start, pauses=_pauses_of(clock)
        ).due_at
    except engine.CalendarDataMissing:
        return None


def next_action(clock: Clock, *, bc: BranchCalendar) -> dt.datetime | None:
    """The instant of the clock's next warning or escalation step (None: nothing to do)."""
    if clock.stopped_at is not None or clock.state in (S.PAUSED, S.MET, S.CANCELLED):
        return None
    if clock.warned_at is None and clock.escalation_level == 0 and clock.warn_at is not None:
        return clock.warn_at
    steps = clock.policy.escalation or []
    if clock.escalation_level >= len(steps):
        return None
    return escalation_instant(clock, float(steps[clock.escalation_level]["after"]), bc=bc)


def _locked(subject: models.Model, code: str) -> Clock:
    subject_type, subject_id = _subject_key(subject)
    clock = (
        Clock.objects.select_for_update(of=("self",))
        .select_related("policy", "branch")
        .filter(subject_type=subject_type, subject_id=subject_id, code=code, stopped_at__isnull=True)
        .exclude(state=S.CANCELLED)
        .first()
    )
    if clock is None:
        raise NotFound(_("No running “%(code)s” clock on this record.") % {"code": code})
    return clock


def _aware(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return timezone.now()
    if at.tzinfo is None:
        raise InvalidInput(_("at: give a time with its time zone."), fields={"at": [_("Time zone missing.")]})
    return at


@transaction.atomic
def clock_start(
    *,
    subject: models.Model,
    code: str,
    by: User | None,
    at: dt.datetime | None = None,
    branch: Branch | None = None,
    responsible: User | None = None,
    zone: Zone | None = None,
    product_line_id: int | None = None,
    customer_id: int | None = None,
    window_end: dt.datetime | None = None,
    subject_url: str = "",
) -> Clock:
    """Start a clock on a record. One open clock per code and record (a DB constraint)."""
    at = _aware(at)
    br = branch or getattr(subject, "branch", None)
    if not isinstance(br, Branch):
        raise InvalidInput(
            _("branch: the record has no branch; give one."), fields={"branch": [_("Required.")]}
        )
    policy = policy_for(
        code=code, branch=br, zone=zone, product_line_id=product_line_id, customer_id=customer_id
    )
    if policy.unit == DurationUnit.MONTHS_BEFORE:
        raise InvalidInput(
            _("clock: “%(code)s” is a reminder date, not a running clock.") % {"code": code},
            fields={"clock": [_("Not a running clock.")]},
        )
    subject_type, subject_id = _subject_key(subject)
    if (
        Clock.objects.filter(
            subject_type=subject_type, subject_id=subject_id, code=code, stopped_at__isnull=True
        )
        .exclude(state=S.CANCELLED)
        .exists()
    ):
        raise InvalidInput(
            _("clock: a “%(code)s” clock already runs on this record.") % {"code": code},
            fields={"clock": [_("Already running.")]},
        )
    clock = Clock(
        code=code,
        policy=policy,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=str(subject)[:200],
        subject_url=subject_url[:300],
        branch=br,
        responsible=responsible,
        state=S.RUNNING,
        started_at=at,
        effective_start=at,
        allowance=dt.timedelta(0),
        context={
            "zone_id": zone.pk if zone else None,
            "product_line_id": product_line_id,
            "customer_id": customer_id,
            "window_end": window_end.isoformat() if window_end else None,
        },
    )
    result = _refresh(clock)
    clock.save()
    _record_for(clock)(
        kind="clock_started",
        actor=by,
        to_value=_iso(result.due_at) or "",
        data={
            "policy": clock.policy_id,
            "version": policy.version,
            "scope": policy.scope_key,
            "started_at": at.isoformat(),
            "due_at": _iso(result.due_at),
            "warn_at": _iso(result.warn_at),
            "provisional": result.provisional,
        },
    )
    return clock


@transaction.atomic
def clock_pause(
    *, subject: models.Model, code: str, by: User | None, at: dt.datetime | None = None, reason: str = ""
) -> Clock:
    """Pause (e.g. waiting for payment). A pause after the deadline changes nothing: it is late."""
    at = _aware(at)
    clock = _locked(subject, code)
    if clock.state == S.PAUSED:
        return clock
    if clock.state == S.BREACHED or (clock.due_at is not None and at > clock.due_at):
        if clock.state != S.BREACHED:
            _breach(clock, by=by, at=at)
            clock.save()
        return clock
    ClockPause.objects.create(clock=clock, paused_at=at, reason=reason[:200])
    transition(
        clock,
        table=CLOCK_TRANSITIONS,
        to=S.PAUSED,
        by=by,
        reason=reason,
        record=_record_for(clock),
        data={"at": at.isoformat()},
    )
    clock.paused_since = at
    _refresh(clock)
    clock.save()
    return clock


@transaction.atomic
def clock_resume(
    *, subject: models.Model, code: str, by: User | None, at: dt.datetime | None = None
) -> Clock:
    at = _aware(at)
    clock = _locked(subject, code)
    if clock.state != S.PAUSED:
        return clock
    pause = clock.pauses.filter(resumed_at__isnull=True).first()
    if pause is not None:
        if at < pause.paused_at:
            raise InvalidInput(
                _("at: the clock was paused at %(p)s; it cannot resume before that.")
                % {"p": pause.paused_at},
                fields={"at": [_("Before the pause.")]},
            )
        pause.resumed_at = at
        pause.save(update_fields=["resumed_at"])
    clock.paused_since = None
    transition(
        clock,
        table=CLOCK_TRANSITIONS,
        to=S.RUNNING,
        by=by,
        record=_record_for(clock),
        data={"at": at.isoformat()},
    )
    result = _refresh(clock)
    clock.save()
    _record_for(clock)(
        kind="clock_due_changed",
        actor=by,
        to_value=_iso(result.due_at) or "",
        data={"due_at": _iso(result.due_at), "paused_seconds": int(result.paused.total_seconds())},
    )
    return clock


def _breach(clock: Clock, *, by: User | None, at: dt.datetime) -> None:
    transition(
        clock,
        table=CLOCK_TRANSITIONS,
        to=S.BREACHED,
        by=by,
        record=_record_for(clock),
        data={"due_at": _iso(clock.due_at), "at": at.isoformat()},
    )
    clock.breached_at = clock.due_at or at


@transaction.atomic
def clock_stop(*, subject: models.Model, code: str, by: User | None, at: dt.datetime | None = None) -> Clock:
    """Stop the clock (the awaited event happened): met if at or before the due time, else breached."""
    at = _aware(at)
    clock = _locked(subject, code)
    if at < clock.started_at:
        raise InvalidInput(
            _("at: the clock started at %(s)s; it cannot stop before that.") % {"s": clock.started_at},
            fields={"at": [_("Before the start.")]},
        )
    open_pause = clock.pauses.filter(resumed_at__isnull=True).first()
    if open_pause is not None:
        open_pause.resumed_at = max(at, open_pause.paused_at)
        open_pause.save(update_fields=["resumed_at"])
        clock.paused_since = None
        _refresh(clock)
    late = clock.due_at is not None and at > clock.due_at
    clock.stopped_at = at
    if clock.state == S.BREACHED or late:
        if clock.state != S.BREACHED:
            clock.breached_at = clock.due_at
        transition(
            clock,
            table=CLOCK_TRANSITIONS,
            to=S.BREACHED,
            by=by,
            record=_record_for(clock),
            data={"stopped_at": at.isoformat(), "due_at": _iso(clock.due_at)},
        )
    else:
        transition(
            clock,
            table=CLOCK_TRANSITIONS,
            to=S.MET,
            by=by,
            record=_record_for(clock),
            data={"stopped_at": at.isoformat(), "due_at": _iso(clock.due_at)},
        )
    bc = calendar_for(clock.branch)
    spec = engine.ClockSpec(
        kind=clock.policy.kind,  # type: ignore[arg-type]  # end-of-day policies are working time (validated)
        duration=clock.allowance,
    )
    try:
        clock.elapsed = engine.elapsed(
            bc.calendar, spec, start=clock.effective_start, until=at, pauses=_pauses_of(clock)
        )
    except engine.CalendarDataMissing:
        clock.elapsed = None
    clock.next_action_at = None
    clock.save()
    return clock


@transaction.atomic
def clock_cancel(*, subject: models.Model, code: str, by: User | None, reason: str = "") -> Clock:
    """The clock no longer applies (e.g. the customer chose a later visit): not measured."""
    clock = _locked(subject, code)
    transition(
        clock, table=CLOCK_TRANSITIONS, to=S.CANCELLED, by=by, reason=reason, record=_record_for(clock)
    )
    clock.next_action_at = None
    clock.save()
    return clock


@transaction.atomic
def clock_replace(
    *,
    subject: models.Model,
    code: str,
    new_code: str,
    by: User | None,
    at: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    reason: str = "",
) -> Clock:
    """Cancel a clock and start another (e.g. an agreed appointment replaces the arrival clock)."""
    at = _aware(at)
    old = _locked(subject, code)
    transition(
        old,
        table=CLOCK_TRANSITIONS,
        to=S.CANCELLED,
        by=by,
        reason=reason,
        record=_record_for(old),
        data={"replaced_by": new_code},
    )
    old.next_action_at = None
    old.save()
    ctx = old.context
    return clock_start(
        subject=subject,
        code=new_code,
        by=by,
        at=at,
        branch=old.branch,
        responsible=old.responsible,
        zone=Zone.objects.filter(pk=ctx.get("zone_id")).first() if ctx.get("zone_id") else None,
        product_line_id=ctx.get("product_line_id"),
        customer_id=ctx.get("customer_id"),
        window_end=window_end,
        subject_url=old.subject_url,
    )


@transaction.atomic
def clock_extend(
    *,
    subject: models.Model,
    code: str,
    amount: Decimal,
    by: User | None,
    reason: str,
    at: dt.datetime | None = None,
) -> Clock:
    """Give one clock more time within its policy's hard limit (e.g. a larger workshop batch).

    Only before the deadline, with a reason; the trail keeps the old and new due time.
    """
    at = _aware(at)
    clock = _locked(subject, code)
    policy = clock.policy
    if policy.limit_amount is None:
        raise InvalidInput(
            _("amount: the “%(code)s” clock has no hard limit and cannot be extended.") % {"code": code},
            fields={"amount": [_("This clock cannot be extended.")]},
        )
    if not (policy.amount < amount <= policy.limit_amount):
        allowed = _("more than %(a)s and at most %(b)s %(unit)s") % {
            "a": policy.amount.normalize(),
            "b": policy.limit_amount.normalize(),
            "unit": policy.get_unit_display(),
        }
        raise InvalidInput(
            _("amount: allowed is %(allowed)s.") % {"allowed": allowed}, fields={"amount": [allowed]}
        )
    if not reason.strip():
        raise InvalidInput(
            _("reason: say why the clock gets more time."), fields={"reason": [_("Give a reason.")]}
        )
    if clock.state == S.BREACHED or (clock.due_at is not None and at > clock.due_at):
        raise InvalidInput(
            _("at: the deadline has passed; a late clock cannot be extended."),
            fields={"at": [_("Extend before the deadline.")]},
        )
    before = clock.due_at
    clock.context = {**clock.context, "amount": str(amount)}
    result = _refresh(clock)
    clock.save()
    _record_for(clock)(
        kind="clock_extended",
        actor=by,
        from_value=_iso(before) or "",
        to_value=_iso(result.due_at) or "",
        reason=reason,
        data={"amount": str(amount), "unit": policy.unit},
    )
    return clock


@transaction.atomic
def clock_assign(*, subject: models.Model, code: str, responsible: User | None, by: User | None) -> Clock:
    clock = _locked(subject, code)
    before = clock.responsible
    clock.responsible = responsible
    clock.save(update_fields=["responsible", "updated_at"])
    _record_for(clock)(
        kind="clock_assigned",
        actor=by,
        from_value=before.display_name if before else "",
        to_value=responsible.display_name if responsible else "",
    )
    return clock


@transaction.atomic
def clocks_follow_state(
    *, subject: models.Model, state: str, by: User | None, at: dt.datetime | None = None
) -> list[Clock]:
    """Call from a workflow's transition: pause the record's clocks whose policy lists ``state``
    among its pause states, and resume the paused ones whose policy does not. Returns those changed.
    """
    at = _aware(at)
    subject_type, subject_id = _subject_key(subject)
    changed: list[Clock] = []
    open_clocks = (
        Clock.objects.filter(subject_type=subject_type, subject_id=subject_id, stopped_at__isnull=True)
        .exclude(state=S.CANCELLED)
        .select_related("policy")
    )
    for clock in open_clocks:
        pauses_here = state in (clock.policy.pause_states or [])
        if pauses_here and clock.state == S.RUNNING:
            changed.append(clock_pause(subject=subject, code=clock.code, by=by, at=at, reason=state))
        elif not pauses_here and clock.state == S.PAUSED:
            changed.append(clock_resume(subject=subject, code=clock.code, by=by, at=at))
    return changed


def clocks_of(subject: models.Model) -> list[Clock]:
    subject_type, subject_id = _subject_key(subject)
    return list(
        Clock.objects.filter(subject_type=subject_type, subject_id=subject_id)
        .select_related("policy", "branch", "responsible")
        .order_by("started_at", "pk")
    )


def clocks_recompute(*, branch_ids: Sequence[int] | None = None, batch: int = 500) -> int:
    """Recompute open clocks after a calendar change (their policies stay as they were)."""
    qs = Clock.objects.filter(stopped_at__isnull=True, state__in=OPEN_STATES)
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=list(branch_ids))
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    revision = calendar_revision()
    done = 0
    for i in range(0, len(ids), batch):
        with transaction.atomic():
            for clock in (
                Clock.objects.select_for_update(of=("self",))
                .select_related("policy", "branch")
                .filter(pk__in=ids[i : i + batch], stopped_at__isnull=True)
                .prefetch_related("pauses")
            ):
                before = clock.due_at
                _refresh(clock, bc=calendar_for(clock.branch, revision=revision))
                if clock.due_at != before:
                    clock.save()
                    _record_for(clock)(
                        kind="clock_due_changed",
                        actor=None,
                        from_value=_iso(before) or "",
                        to_value=_iso(clock.due_at) or "",
                        reason="calendar changed",
                    )
                    done += 1
    return done
