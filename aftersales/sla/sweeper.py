"""The sweeper: warnings, breaches and escalation of running clocks.

Every open clock carries ``next_action_at``, the instant of its next step (warning, breach, each
further escalation level). The sweeper takes the clocks whose instant has passed in batches,
locking them with ``SELECT … FOR UPDATE SKIP LOCKED`` so several workers split the work instead
of waiting for each other. Each step is written as a :class:`ClockAlert` whose unique
(clock, step) makes it happen at most once even if two workers ever saw the same clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.audit.models import Event
from aftersales.common.transitions import transition
from aftersales.notifications.services import Outbox
from aftersales.org.models import RoleAssignment, User
from aftersales.sla.calendar import BranchCalendar, calendar_for, calendar_revision
from aftersales.sla.models import Clock, ClockAlert, ClockState
from aftersales.sla.services import CLOCK_TRANSITIONS, _record_for, escalation_instant, next_action


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    escalated: int = 0
    clocks: int = 0
    notifications: int = 0
    batches: int = 0
    steps: list[tuple[int, int, str]] = field(default_factory=list)  # (clock id, step, kind)


def recipients_for(
    clock: Clock, role: str, *, cache: dict[tuple[int, str], list[User]] | None = None
) -> list[User]:
    """Who a step goes to: the responsible person, or the holders of a role in the clock's branch."""
    if role == "responsible":
        if clock.responsible is not None:
            return [clock.responsible]
        role = "supervisor"
    key = (clock.branch_id, role)
    if cache is not None and key in cache:
        return cache[key]
    qs = RoleAssignment.objects.select_related("user").filter(user__is_active=True)
    if role == "head":
        qs = qs.filter(role="manager", branch__is_head_office=True)
    elif role == "executive":
        qs = qs.filter(role="executive")
    else:
        qs = qs.filter(role=role, branch_id=clock.branch_id)
    users = list({ra.user.pk: ra.user for ra in qs.order_by("user_id")}.values())
    if cache is not None:
        cache[key] = users
    return users


def _clock_name(clock: Clock, language: str) -> str:
    if language.startswith("en") and clock.policy.name_en:
        return clock.policy.name_en
    return clock.policy.name


def _send(clock: Clock, *, kind: str, users: list[User], outbox: Outbox) -> int:
    sent = 0
    by_language: dict[str, list[User]] = {}
    for user in users:
        by_language.setdefault(user.preferred_language or "zh-hans", []).append(user)
    for language, group in by_language.items():
        with translation.override(language):
            due = (
                clock.due_at.astimezone(ZoneInfo(clock.branch.timezone)).strftime("%Y-%m-%d %H:%M")
                if clock.due_at
                else "—"
            )
            name = _clock_name(clock, language)
            if kind == ClockAlert.Kind.WARNING:
                title = _("Due soon: %(record)s · %(clock)s by %(due)s") % {
                    "record": clock.subject_label,
                    "clock": name,
                    "due": due,
                }
            elif kind == ClockAlert.Kind.BREACH:
                title = _("Overdue: %(record)s · %(clock)s was due %(due)s") % {
                    "record": clock.subject_label,
                    "clock": name,
                    "due": due,
                }
            else:
                title = _("Escalated: %(record)s · %(clock)s overdue since %(due)s") % {
                    "record": clock.subject_label,
                    "clock": name,
                    "due": due,
                }
            body = _("Responsible: %(who)s. Branch: %(branch)s.") % {
                "who": clock.responsible.display_name if clock.responsible else "—",
                "branch": clock.branch.name,
            }
        sent += outbox.add(
            recipients=group,
            kind=f"sla_{kind}",
            title=title,
            body=body,
            url=clock.subject_url,
            subject_type=clock.subject_type,
            subject_id=clock.subject_id,
        )
    return sent


def _step_due(clock: Clock, now: dt.datetime, bc: BranchCalendar) -> tuple[int, str, str] | None:
    """The step the clock owes at ``now``: (step number, kind, role), or None."""
    steps = clock.policy.escalation or []
    if clock.warned_at is None and clock.escalation_level == 0 and clock.warn_at is not None:
        if clock.warn_at < now:
            return 0, ClockAlert.Kind.WARNING, "responsible"
        return None
    level = clock.escalation_level
    if level >= len(steps):
        return None
    at = escalation_instant(clock, float(steps[level]["after"]), bc=bc)
    if at is None or at >= now:
        return None
    kind = ClockAlert.Kind.BREACH if level == 0 else ClockAlert.Kind.ESCALATION
    return level + 1, kind, str(steps[level]["role"])


@dataclass
class _Batch:
    """What one batch writes, in one statement per table."""

    alerts: list[ClockAlert] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    clocks: list[Clock] = field(default_factory=list)
    outbox: Outbox = field(default_factory=Outbox)

    def write(self, now: dt.datetime) -> None:
        ClockAlert.objects.bulk_create(self.alerts)
        Event.objects.bulk_create(self.events)
        for clock in self.clocks:
            clock.updated_at = now
        Clock.objects.bulk_update(self.clocks, fields=_SWEEP_FIELDS)
        self.outbox.send()


_SWEEP_FIELDS = ["state", "warned_at", "breached_at", "escalation_level", "next_action_at", "updated_at"]


def _process(
    clock: Clock,
    now: dt.datetime,
    result: SweepResult,
    bc: BranchCalendar,
    people: dict[tuple[int, str], list[User]],
    out: _Batch,
) -> None:
    """Do every step the clock owes; notify only the latest (no flood after downtime)."""
    owed: list[tuple[int, str, str]] = []
    while True:
        step = _step_due(clock, now, bc)
        if step is None:
            break
        owed.append(step)
        number, kind, _role = step
        if kind == ClockAlert.Kind.WARNING:
            clock.warned_at = now
        else:
            clock.escalation_level = number
    if not owed:
        clock.next_action_at = next_action(clock, bc=bc)
        out.clocks.append(clock)
        return
    last = owed[-1]
    for number, kind, role in owed:
        users: list[User] = []
        if (number, kind, role) == last:
            users = recipients_for(clock, role, cache=people)
            if kind == ClockAlert.Kind.BREACH and clock.responsible is not None:
                users = [clock.responsible, *users]
        out.alerts.append(
            ClockAlert(
                clock=clock, step=number, kind=kind, role=role, recipients=[u.pk for u in users], at=now
            )
        )
        result.steps.append((clock.pk, number, kind))
        if kind == ClockAlert.Kind.BREACH and clock.state in (ClockState.RUNNING, ClockState.PAUSED):
            transition(
                clock,
                table=CLOCK_TRANSITIONS,
                to=ClockState.BREACHED,
                by=None,
                record=_record_for(clock, out.events),
                data={"due_at": clock.due_at.isoformat() if clock.due_at else None},
            )
            clock.breached_at = clock.due_at
        elif kind != ClockAlert.Kind.BREACH:
            _record_for(clock, out.events)(
                kind="clock_warned" if kind == ClockAlert.Kind.WARNING else "clock_escalated",
                actor=None,
                to_value=role,
                data={"step": number, "recipients": [u.display_name for u in users]},
            )
        if users:
            result.notifications += _send(clock, kind=kind, users=users, outbox=out.outbox)
        if kind == ClockAlert.Kind.WARNING:
            result.warned += 1
        elif kind == ClockAlert.Kind.BREACH:
            result.breached += 1
        else:
            result.escalated += 1
    clock.next_action_at = next_action(clock, bc=bc)
    out.clocks.append(clock)


def sweep(*, now: dt.datetime | None = None, batch: int = 200, max_batches: int | None = None) -> SweepResult:
    """Act on every clock whose next step is due. Safe to run on several workers at once."""
    now = now or timezone.now()
    result = SweepResult()
    revision = calendar_revision()
    calendars: dict[int, BranchCalendar] = {}
    skip_locked = connection.features.has_select_for_update_skip_locked
    seen: set[int] = set()
    people: dict[tuple[int, str], list[User]] = {}
    while max_batches is None or result.batches < max_batches:
        with transaction.atomic():
            qs = Clock.objects.filter(next_action_at__lt=now).order_by("next_action_at")
            qs = qs.select_for_update(skip_locked=skip_locked, of=("self",))
            clocks = list(
                qs.select_related("policy", "branch", "responsible").prefetch_related("pauses")[:batch]
            )
            if not clocks:
                break
            result.batches += 1
            out = _Batch()
            for clock in clocks:
                if clock.pk in seen:  # planned into the past again: never loop on it
                    Clock.objects.filter(pk=clock.pk).update(next_action_at=None)
                    continue
                seen.add(clock.pk)
                bc = calendars.get(clock.branch_id)
                if bc is None:
                    bc = calendars[clock.branch_id] = calendar_for(clock.branch, revision=revision)
                result.clocks += 1
                _process(clock, now, result, bc, people, out)
            out.write(now)
    return result
