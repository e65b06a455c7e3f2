"""The sweeper: warn at 75 %, breach, escalate technician → supervisor → manager → head, once each."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import close_old_connections, connection

from aftersales.conftest import World, make_person, requires_postgres
from aftersales.notifications.models import Notification
from aftersales.org.roles import Role
from aftersales.sla.models import Clock, ClockAlert, ClockState
from aftersales.sla.services import clock_pause, clock_start, clock_stop
from aftersales.sla.sweeper import sweep

SH = ZoneInfo("Asia/Shanghai")


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def recipients(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.fixture
def head(world: World) -> World:
    world.users["hq_manager"] = make_person("hq_manager", Role.MANAGER, world.hq, world.users["hq_admin"])
    return world


def test_s5_warning_breach_and_escalation_once_each(head: World) -> None:
    world = head
    clock = clock_start(
        subject=world.sh_customer,
        code="arrival_urban",
        by=None,
        at=t("2025-03-03T09:00"),
        responsible=world.users["sh_tech"],
    )
    assert clock.next_action_at == t("2025-03-03T14:30")

    assert sweep(now=t("2025-03-03T14:29")).clocks == 0
    r = sweep(now=t("2025-03-03T14:31"))
    assert (r.warned, r.breached, r.escalated) == (1, 0, 0)
    assert recipients("sla_warning") == ["sh_tech"]
    assert sweep(now=t("2025-03-03T14:45")).clocks == 0  # nothing twice

    clock.refresh_from_db()
    assert clock.next_action_at == t("2025-03-03T16:00")
    assert clock.state == ClockState.RUNNING
    # "breaches after 16:00": at 16:00 itself it is not yet late.
    assert sweep(now=t("2025-03-03T16:00")).breached == 0
    r = sweep(now=t("2025-03-03T16:01"))
    assert r.breached == 1
    clock.refresh_from_db()
    assert clock.state == ClockState.BREACHED
    assert clock.breached_at == t("2025-03-03T16:00")
    assert recipients("sla_breach") == ["sh_supervisor", "sh_tech"]

    # 1.5 × 6 h = 9 working hours: Tue 10:00 → branch manager; 2 × = 12 h: Tue 14:00 → service head.
    assert clock.next_action_at == t("2025-03-04T10:00")
    assert sweep(now=t("2025-03-04T10:01")).escalated == 1
    assert recipients("sla_escalation") == ["sh_manager"]
    assert sweep(now=t("2025-03-04T14:01")).escalated == 1
    assert recipients("sla_escalation") == ["hq_manager", "sh_manager"]
    clock.refresh_from_db()
    assert clock.next_action_at is None
    assert sweep(now=t("2025-03-10T10:00")).clocks == 0
    assert list(ClockAlert.objects.filter(clock=clock).values_list("step", "kind")) == [
        (0, "warning"),
        (1, "breach"),
        (2, "escalation"),
        (3, "escalation"),
    ]


def test_paused_clock_is_not_warned(world: World) -> None:
    clock_start(subject=world.sh_customer, code="arrival_urban", by=None, at=t("2025-03-03T09:00"))
    clock_pause(subject=world.sh_customer, code="arrival_urban", by=None, at=t("2025-03-03T10:00"))
    assert sweep(now=t("2025-03-05T10:00")).clocks == 0
    assert Notification.objects.count() == 0


def test_stopped_clock_is_left_alone(world: World) -> None:
    clock_start(subject=world.sh_customer, code="arrival_urban", by=None, at=t("2025-03-03T09:00"))
    clock_stop(subject=world.sh_customer, code="arrival_urban", by=None, at=t("2025-03-03T11:00"))
    assert sweep(now=t("2025-03-05T10:00")).clocks == 0


def test_after_downtime_every_step_is_recorded_but_only_the_latest_notifies(head: World) -> None:
    world = head
    clock = clock_start(
        subject=world.sh_customer,
        code="arrival_urban",
        by=None,
        at=t("2025-03-03T09:00"),
        responsible=world.users["sh_tech"],
    )
    r = sweep(now=t("2025-03-04T11:00"))  # past warning, breach and the manager step
    assert (r.warned, r.breached, r.escalated) == (1, 1, 1)
    assert Notification.objects.filter(kind="sla_escalation").count() == 1
    assert Notification.objects.exclude(kind="sla_escalation").count() == 0
    clock.refresh_from_db()
    assert clock.state == ClockState.BREACHED and clock.escalation_level == 2


def test_notifications_in_the_recipients_language(world: World) -> None:
    tech = world.users["sh_tech"]
    tech.preferred_language = "en"
    tech.save()
    clock_start(
        subject=world.sh_customer, code="arrival_urban", by=None, at=t("2025-03-03T09:00"), responsible=tech
    )
    sweep(now=t("2025-03-03T14:31"))
    note = Notification.objects.get(recipient=tech)
    assert "arrival on site, urban" in note.title
    assert "2025-03-03 16:00" in note.title


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweepers_do_each_step_once(head: World) -> None:
    world = head
    customers = []
    from aftersales.access.policy import access_for
    from aftersales.customers.services import CustomerData, customer_create

    admin = world.users["hq_admin"]
    for i in range(40):
        customers.append(
            customer_create(
                data=CustomerData(name=f"客户{i}", branch_id=world.sh.pk, phone=f"1380000{i:04d}"),
                access=access_for(admin),
                by=admin,
            )
        )
    for c in customers:
        clock_start(
            subject=c,
            code="arrival_urban",
            by=None,
            at=t("2025-03-03T09:00"),
            responsible=world.users["sh_tech"],
        )

    results = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(now: dt.datetime) -> None:
        try:
            barrier.wait()
            results.append(sweep(now=now, batch=7))
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    for now in (t("2025-03-03T14:31"), t("2025-03-03T16:01")):
        threads = [threading.Thread(target=work, args=(now,)) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    assert not errors
    assert sum(r.warned for r in results) == 40
    assert sum(r.breached for r in results) == 40
    # Both workers took part in at least one of the two rounds (SKIP LOCKED splits the work).
    assert len([r for r in results if r.clocks]) >= 2
    assert ClockAlert.objects.count() == 80
    assert Notification.objects.filter(kind="sla_warning").count() == 40
    # Breach goes to the technician and the supervisor, once each per clock.
    assert Notification.objects.filter(kind="sla_breach").count() == 80
    assert Clock.objects.filter(state=ClockState.BREACHED).count() == 40
