"""Clocks on records through the services: edge cases of the calendar, pauses, policies, zones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.common.errors import InvalidInput
from aftersales.conftest import World
from aftersales.org.models import Branch
from aftersales.sla.calendar_admin import DayEntry, branch_day_set, calendar_year_set, parse_year_text
from aftersales.sla.models import Clock, ClockPolicy, ClockState
from aftersales.sla.policies import policy_data_of, policy_override_create, policy_revise
from aftersales.sla.selectors import on_time_report
from aftersales.sla.services import (
    clock_pause,
    clock_replace,
    clock_resume,
    clock_start,
    clock_stop,
    clocks_recompute,
    due_for,
)

SH = ZoneInfo("Asia/Shanghai")


def t(text: str, tz: ZoneInfo = SH) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=tz)


def local(value: dt.datetime | None, tz: ZoneInfo = SH) -> str:
    assert value is not None
    return value.astimezone(tz).isoformat()


def start(world: World, code: str = "arrival_urban", at: str = "2025-03-03T09:00", **kw: Any) -> Clock:
    return clock_start(
        subject=world.sh_customer,
        code=code,
        by=world.users["sh_agent"],
        at=t(at),
        responsible=world.users["sh_tech"],
        **kw,
    )


# --------------------------------------------------------------------------- calendar edge cases


@pytest.mark.parametrize(
    ("at", "due"),
    [
        ("2025-03-03T12:30", "2025-03-04T10:00:00+08:00"),  # inside the lunch break: counts from 13:00
        ("2025-03-03T18:00", "2025-03-04T15:30:00+08:00"),  # after hours: counts from 08:30 next day
        ("2025-03-01T10:00", "2025-03-03T15:30:00+08:00"),  # ordinary Saturday: counts from Monday
        ("2025-02-08T10:00", "2025-02-08T17:00:00+08:00"),  # make-up Saturday (调休) is a working day
        ("2025-03-03T06:00", "2025-03-03T15:30:00+08:00"),  # before opening
    ],
    ids=["lunch-break", "after-hours", "saturday", "make-up-saturday", "before-opening"],
)
def test_start_times(world: World, at: str, due: str) -> None:
    clock = start(world, at=at)
    assert local(clock.due_at) == due


def test_due_at_end_of_morning_not_after_lunch(world: World) -> None:
    # 6 working hours from Mon 14:30: 3 h Monday, 3.5 h Tuesday morning → runs out at Tue 11:30.
    assert local(start(world, at="2025-03-03T14:30").due_at) == "2025-03-04T11:30:00+08:00"
    # 6 h from Mon 15:00: 2.5 h + 3.5 h → exactly 12:00 Tuesday, not 13:00.
    clock = clock_start(subject=world.hz_customer, code="arrival_urban", by=None, at=t("2025-03-03T15:00"))
    assert local(clock.due_at) == "2025-03-04T12:00:00+08:00"
    # Stopping in the lunch break after that is late.
    stopped = clock_stop(subject=world.hz_customer, code="arrival_urban", by=None, at=t("2025-03-04T12:30"))
    assert stopped.state == ClockState.BREACHED


def test_stop_exactly_at_due_is_on_time(world: World) -> None:
    clock = start(world)
    stopped = clock_stop(subject=world.sh_customer, code="arrival_urban", by=None, at=clock.due_at)
    assert stopped.state == ClockState.MET
    assert stopped.elapsed == dt.timedelta(hours=6)


def test_pause_across_national_day_counts_working_time_only(world: World) -> None:
    clock = start(world, code="resolution", at="2025-09-29T10:00")
    assert local(clock.due_at) == "2025-10-10T10:00:00+08:00"
    clock_pause(
        subject=world.sh_customer, code="resolution", by=None, at=t("2025-09-30T10:00"), reason="waiting"
    )
    paused = Clock.objects.get(pk=clock.pk)
    assert paused.state == ClockState.PAUSED
    assert paused.due_at is None
    assert paused.remaining == dt.timedelta(hours=16)
    resumed = clock_resume(subject=world.sh_customer, code="resolution", by=None, at=t("2025-10-09T10:00"))
    # Paused 9 calendar days but only 8 working hours (Sep 30 10:00–17:30, Oct 9 08:30–10:00);
    # the rest runs Oct 9, Oct 10 and the make-up Saturday Oct 11.
    assert resumed.paused_total == dt.timedelta(hours=8)
    assert local(resumed.due_at) == "2025-10-11T10:00:00+08:00"


def test_pause_never_makes_due_earlier_and_after_due_changes_nothing(world: World) -> None:
    clock = start(world)
    due = clock.due_at
    assert due is not None
    late = clock_pause(
        subject=world.sh_customer, code="arrival_urban", by=None, at=due + dt.timedelta(minutes=5)
    )
    assert late.state == ClockState.BREACHED
    assert late.due_at == due


def test_calendar_clock_pause_counts_calendar_time(world: World) -> None:
    clock = start(world, code="return_inspection", at="2025-03-03T09:00")
    clock_pause(subject=world.sh_customer, code="return_inspection", by=None, at=t("2025-03-04T09:00"))
    resumed = clock_resume(
        subject=world.sh_customer, code="return_inspection", by=None, at=t("2025-03-04T21:00")
    )
    assert resumed.paused_total == dt.timedelta(hours=12)
    assert local(resumed.due_at) == "2025-03-05T21:00:00+08:00"
    assert clock.pk == resumed.pk


# --------------------------------------------------------------------------- policies


def test_policy_changed_while_running_keeps_the_started_version(world: World) -> None:
    admin = world.users["hq_admin"]
    start(world)
    v1 = ClockPolicy.objects.get(code="arrival_urban", scope_key="default", active=True)
    data = policy_data_of(v1)
    v2 = policy_revise(
        policy_id=v1.pk,
        data=type(data)(**{**data.__dict__, "amount": Decimal("4")}),
        access=access_for(admin),
        by=admin,
        reason="new contract terms",
    )
    assert v2.version == 2
    # The running clock keeps v1 even when its deadline is recomputed (pause and resume).
    clock_pause(subject=world.sh_customer, code="arrival_urban", by=None, at=t("2025-03-03T10:00"))
    resumed = clock_resume(subject=world.sh_customer, code="arrival_urban", by=None, at=t("2025-03-03T11:00"))
    assert resumed.policy_id == v1.pk
    assert local(resumed.due_at) == "2025-03-03T17:00:00+08:00"
    # A clock started afterwards uses v2.
    other = clock_start(subject=world.hz_customer, code="arrival_urban", by=None, at=t("2025-03-03T09:00"))
    assert other.policy_id == v2.pk
    assert local(other.due_at) == "2025-03-03T14:00:00+08:00"
    assert Event.objects.filter(kind="policy_revised", to_value="v2").exists()


def test_override_precedence_zone_then_customer(world: World) -> None:
    admin = world.users["hq_admin"]
    access = access_for(admin)
    default = ClockPolicy.objects.get(code="arrival_urban", scope_key="default")
    base = policy_data_of(default)
    zone = world.sh.zones.get(code="urban")
    policy_override_create(
        code="arrival_urban",
        data=type(base)(**{**base.__dict__, "amount": Decimal("4")}),
        access=access,
        by=admin,
        zone_id=zone.pk,
    )
    policy_override_create(
        code="arrival_urban",
        data=type(base)(**{**base.__dict__, "amount": Decimal("2")}),
        access=access,
        by=admin,
        customer_id=world.sh_customer.pk,
    )
    start_at = "2025-03-03T09:00"
    assert due_for(code="arrival_urban", start=start_at, branch=world.sh).due_at == t("2025-03-03T16:00")
    assert due_for(code="arrival_urban", start=start_at, branch=world.sh, zone=zone).due_at == t(
        "2025-03-03T14:00"
    )
    assert due_for(
        code="arrival_urban", start=start_at, branch=world.sh, zone=zone, customer_id=world.sh_customer.pk
    ).due_at == t("2025-03-03T11:00")
    # Another branch's zone is not affected.
    assert due_for(
        code="arrival_urban", start=start_at, branch=world.hz, zone=world.hz.zones.get(code="urban")
    ).due_at == t("2025-03-03T16:00")


def test_policy_validation_names_the_field(world: World) -> None:
    admin = world.users["hq_admin"]
    v1 = ClockPolicy.objects.get(code="arrival_urban", scope_key="default")
    data = policy_data_of(v1)
    with pytest.raises(InvalidInput) as exc:
        policy_revise(
            policy_id=v1.pk,
            data=type(data)(**{**data.__dict__, "unit": "fortnights"}),
            access=access_for(admin),
            by=admin,
        )
    assert "unit" in exc.value.fields
    assert ClockPolicy.objects.filter(code="arrival_urban").count() == 1  # nothing half saved


def test_only_admin_revises_policies(world: World) -> None:
    from aftersales.common.errors import PermissionDenied

    v1 = ClockPolicy.objects.get(code="arrival_urban", scope_key="default")
    manager = world.users["sh_manager"]
    with pytest.raises(PermissionDenied):
        policy_revise(policy_id=v1.pk, data=policy_data_of(v1), access=access_for(manager), by=manager)


# --------------------------------------------------------------------------- time zones and branch calendars


def test_branch_in_another_time_zone(world: World, api: Any) -> None:
    Branch.objects.create(
        code="WL",
        name="乌鲁木齐服务中心",
        timezone="Asia/Urumqi",
        business_hours=[["10:00", "14:00"], ["15:30", "19:30"]],
    )
    # 09:00 in Shanghai is 07:00 in Urumqi: the clock counts from 10:00 local, 4 h + 2 h → 17:30 local.
    body = (
        api("sh_agent")
        .get("/api/v1/sla/due", {"clock": "arrival_urban", "start": "2025-03-03T09:00+08:00", "branch": "WL"})
        .json()
    )
    assert body["due_at"] == "2025-03-03T17:30:00+06:00"
    # Without an offset the start is the branch's own local time.
    body = (
        api("sh_agent")
        .get("/api/v1/sla/due", {"clock": "arrival_urban", "start": "2025-03-03T09:00", "branch": "WL"})
        .json()
    )
    assert body["start"] == "2025-03-03T09:00:00+06:00"
    assert body["due_at"] == "2025-03-03T17:30:00+06:00"


def test_branch_exception_saturday_shift_and_closed_day(world: World) -> None:
    admin = world.users["hq_admin"]
    access = access_for(admin)
    # Sat 2025-03-08 is a shift 09:00–12:00 in Shanghai only.
    branch_day_set(
        branch_id=world.sh.pk,
        date=dt.date(2025, 3, 8),
        is_working=True,
        periods=[["09:00", "12:00"]],
        access=access,
        by=admin,
        note="Saturday shift",
    )
    start_at = "2025-03-07T15:00"  # Fri: 2.5 h, then Sat 3 h, then Mon 0.5 h
    assert due_for(code="arrival_urban", start=start_at, branch=world.sh).due_at == t("2025-03-10T09:00")
    assert due_for(code="arrival_urban", start=start_at, branch=world.hz).due_at == t("2025-03-10T12:00")
    # Hangzhou closes on Mon 2025-03-10.
    branch_day_set(
        branch_id=world.hz.pk, date=dt.date(2025, 3, 10), is_working=False, access=access, by=admin
    )
    assert due_for(code="arrival_urban", start=start_at, branch=world.hz).due_at == t("2025-03-11T12:00")


def test_branch_manager_sets_only_own_branch(world: World) -> None:
    from aftersales.common.errors import NotFound

    manager = world.users["sh_manager"]
    branch_day_set(
        branch_id=world.sh.pk,
        date=dt.date(2025, 3, 8),
        is_working=False,
        access=access_for(manager),
        by=manager,
    )
    with pytest.raises(NotFound):
        branch_day_set(
            branch_id=world.hz.pk,
            date=dt.date(2025, 3, 8),
            is_working=False,
            access=access_for(manager),
            by=manager,
        )


def test_next_year_entered_recomputes_provisional_clocks(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    clock = start(world, at="2026-12-31T16:00")
    assert clock.provisional is True
    assert local(clock.due_at) == "2027-01-01T14:00:00+08:00"  # assumed Mon–Fri: Jan 1 counted
    admin = world.users["hq_admin"]
    days = parse_year_text(2027, "2027-01-01 off 元旦\n2027-01-02..2027-01-03 off 元旦\n")
    assert days[0] == DayEntry(dt.date(2027, 1, 1), False, "元旦")
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_set(year=2027, days=days, access=access_for(admin), by=admin, note="国务院办公厅通知")
    clock.refresh_from_db()
    assert clock.provisional is False
    assert local(clock.due_at) == "2027-01-04T14:00:00+08:00"
    assert Event.objects.filter(kind="clock_due_changed", subject_id=world.sh_customer.pk).exists()
    assert clocks_recompute() == 0  # idempotent


def test_year_text_errors_name_the_line(world: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_year_text(2027, "2027-01-01 off 元旦\n2027-13-01 off ?\n")
    assert "2" in exc.value.message and "days" in exc.value.fields


# --------------------------------------------------------------------------- appointments, trail, report


def test_appointment_replaces_the_arrival_clock(world: World) -> None:
    """S15: the customer's own choice of a later visit is not late against the 6-hour limit."""
    arrival = start(world)
    assert local(arrival.due_at) == "2025-03-03T16:00:00+08:00"
    appointment = clock_replace(
        subject=world.sh_customer,
        code="arrival_urban",
        new_code="arrival_appointment",
        by=None,
        at=t("2025-03-03T11:00"),
        window_end=t("2025-03-04T16:00"),
        reason="customer asked for Tue 14–16",
    )
    arrival.refresh_from_db()
    assert arrival.state == ClockState.CANCELLED
    assert local(appointment.due_at) == "2025-03-04T16:00:00+08:00"
    done = clock_stop(
        subject=world.sh_customer, code="arrival_appointment", by=None, at=t("2025-03-04T15:30")
    )
    assert done.state == ClockState.MET
    rows = on_time_report(
        access=access_for(world.users["hq_admin"]), start=dt.date(2025, 3, 1), end=dt.date(2025, 4, 1)
    )
    assert [(r.key, r.met, r.breached) for r in rows] == [("arrival_appointment", 1, 0)]


def test_late_against_the_appointment(world: World) -> None:
    start(world)
    clock_replace(
        subject=world.sh_customer,
        code="arrival_urban",
        new_code="arrival_appointment",
        by=None,
        at=t("2025-03-03T11:00"),
        window_end=t("2025-03-04T16:00"),
    )
    done = clock_stop(
        subject=world.sh_customer, code="arrival_appointment", by=None, at=t("2025-03-04T16:10")
    )
    assert done.state == ClockState.BREACHED


def test_trail_on_the_record(world: World) -> None:
    start(world)
    clock_pause(
        subject=world.sh_customer,
        code="arrival_urban",
        by=None,
        at=t("2025-03-03T10:00"),
        reason="customer away",
    )
    clock_resume(subject=world.sh_customer, code="arrival_urban", by=None, at=t("2025-03-03T11:00"))
    clock_stop(
        subject=world.sh_customer, code="arrival_urban", by=world.users["sh_tech"], at=t("2025-03-03T15:00")
    )
    kinds = list(
        Event.objects.filter(
            subject_type="customers.customer", subject_id=world.sh_customer.pk, kind__startswith="clock_"
        )
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["clock_started", "clock_paused", "clock_resumed", "clock_due_changed", "clock_met"]
    paused = Event.objects.get(kind="clock_paused")
    assert paused.reason == "customer away"
    assert paused.data["clock"] == "arrival_urban"


def test_one_open_clock_per_code(world: World) -> None:
    start(world)
    with pytest.raises(InvalidInput):
        start(world)


def test_report_by_responsible_and_branch(world: World) -> None:
    start(world)
    clock_stop(subject=world.sh_customer, code="arrival_urban", by=None, at=t("2025-03-03T15:00"))
    start(world, code="resolution")
    clock_stop(subject=world.sh_customer, code="resolution", by=None, at=t("2025-03-20T15:00"))
    admin = access_for(world.users["hq_admin"])
    by_person = on_time_report(
        access=admin, start=dt.date(2025, 3, 1), end=dt.date(2025, 4, 1), group="responsible"
    )
    assert [(r.label, r.met, r.breached, r.rate) for r in by_person] == [
        (world.users["sh_tech"].name, 1, 1, 0.5)
    ]
    by_month = on_time_report(access=admin, start=dt.date(2025, 3, 1), end=dt.date(2025, 4, 1), group="month")
    assert [(r.key, r.total) for r in by_month] == [("2025-03", 2)]
    # Hangzhou's supervisor sees nothing of Shanghai's clocks.
    hz = access_for(world.users["hz_supervisor"])
    assert on_time_report(access=hz, start=dt.date(2025, 3, 1), end=dt.date(2025, 4, 1)) == []


def test_pause_states_come_from_the_policy(world: World) -> None:
    """S3 driven by workflow states: rma_repair pauses in waiting_payment, arrival does not."""
    from aftersales.sla.services import clocks_follow_state

    rma = start(world, code="rma_repair", at="2025-01-24T16:00")
    other = start(world, code="resolution", at="2025-01-24T16:00")
    changed = clocks_follow_state(
        subject=world.sh_customer, state="waiting_payment", by=None, at=t("2025-01-27T10:00")
    )
    assert [c.pk for c in changed] == [rma.pk]
    other.refresh_from_db()
    assert other.state == ClockState.RUNNING
    changed = clocks_follow_state(
        subject=world.sh_customer, state="in_repair", by=None, at=t("2025-02-05T10:00")
    )
    assert [c.pk for c in changed] == [rma.pk]
    rma.refresh_from_db()
    assert rma.state == ClockState.RUNNING
    assert local(rma.due_at) == "2025-02-08T17:30:00+08:00"


def test_extension_within_the_hard_limit(world: World) -> None:
    """workshop_repair: 3 days, up to 7 for a larger batch; with a reason, before the deadline."""
    from aftersales.sla.services import clock_extend

    clock = start(world, code="workshop_repair", at="2025-03-07T10:00")
    assert local(clock.due_at) == "2025-03-10T10:00:00+08:00"
    assert local(clock.limit_at) == "2025-03-14T10:00:00+08:00"
    with pytest.raises(InvalidInput) as exc:
        clock_extend(
            subject=world.sh_customer,
            code="workshop_repair",
            amount=Decimal(8),
            by=None,
            reason="batch of 300",
            at=t("2025-03-08T10:00"),
        )
    assert "amount" in exc.value.fields and "7" in exc.value.fields["amount"][0]
    with pytest.raises(InvalidInput) as exc:
        clock_extend(
            subject=world.sh_customer,
            code="workshop_repair",
            amount=Decimal(6),
            by=None,
            reason=" ",
            at=t("2025-03-08T10:00"),
        )
    assert "reason" in exc.value.fields
    extended = clock_extend(
        subject=world.sh_customer,
        code="workshop_repair",
        amount=Decimal(6),
        by=None,
        reason="batch of 300",
        at=t("2025-03-08T10:00"),
    )
    assert local(extended.due_at) == "2025-03-13T10:00:00+08:00"
    assert Event.objects.get(kind="clock_extended").reason == "batch of 300"
    # a pause and resume later keep the extension (the deadline is recomputed from its inputs)
    clock_pause(subject=world.sh_customer, code="workshop_repair", by=None, at=t("2025-03-09T10:00"))
    resumed = clock_resume(
        subject=world.sh_customer, code="workshop_repair", by=None, at=t("2025-03-09T12:00")
    )
    assert local(resumed.due_at) == "2025-03-13T12:00:00+08:00"
    # arrival clocks have no hard limit
    start(world, code="arrival_urban")
    with pytest.raises(InvalidInput):
        clock_extend(
            subject=world.sh_customer,
            code="arrival_urban",
            amount=Decimal(8),
            by=None,
            reason="x",
            at=t("2025-03-03T10:00"),
        )
