"""The dispatch board and the order page: who sees them, assigning through the board, appointments."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.services import CallData, call_register
from aftersales.catalog.models import ProductModel
from aftersales.conftest import World
from aftersales.installed.services import UnitData, unit_create
from aftersales.org.models import Certification

SH = ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true"}


def make_order(world: World, *, received_at: dt.datetime | None = None, certify: bool = True) -> ServiceOrder:
    admin = world.users["hq_admin"]
    model, _ = ProductModel.objects.get_or_create(
        code="VMC-850", defaults={"name": "立式加工中心", "product_line": world.line}
    )
    n = ServiceOrder.objects.count() + 1
    unit = unit_create(
        data=UnitData(
            serial=f"SN-B-{n}",
            product_model_id=model.pk,
            customer_id=world.sh_customer.pk,
            sold_on=timezone.localdate() - dt.timedelta(days=30),
        ),
        access=access_for(admin),
        by=admin,
    )
    agent = world.users["sh_agent"]
    extra: dict[str, Any] = {"received_at": received_at} if received_at else {}
    result = call_register(
        data=CallData(unit_id=unit.pk, fault_description="主轴不转", **extra),
        access=access_for(agent),
        by=agent,
    )
    assert result.order is not None
    if certify:
        Certification.objects.get_or_create(
            user=world.users["sh_tech"],
            product_line=world.line,
            defaults={"certified_on": dt.date(2024, 1, 1)},
        )
    return result.order


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_board_renders_for_the_supervisor(world: World, language: str) -> None:
    order = make_order(world)
    client = world.client("sh_supervisor")
    client.cookies["django_language"] = language
    response = client.get("/calls/board/?branch=SH")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-order="{order.number}"' in body
    assert 'data-technician="sh_tech"' in body
    assert "sla/countdown.js" in body
    assert ("Dispatch board" in body) == (language == "en")


def test_the_board_refuses_outsiders(world: World) -> None:
    assert world.client("customer").get("/calls/board/").status_code == 404
    assert world.client("sh_tech").get("/calls/board/").status_code == 404
    assert world.client("hz_supervisor").get("/calls/board/?branch=SH").status_code == 404
    order = make_order(world)
    response = world.client("hz_supervisor").post(
        f"/calls/board/orders/{order.pk}/assign/", {"technician_id": world.users["hz_tech"].pk}
    )
    assert response.status_code == 404


def test_orders_opened_before_today_come_first_marked_carried_over(world: World) -> None:
    today = make_order(world)
    old = make_order(world, received_at=timezone.now() - dt.timedelta(days=2))
    body = world.client("sh_supervisor").get("/calls/board/?branch=SH").content.decode()
    assert body.index(f'data-order="{old.number}"') < body.index(f'data-order="{today.number}"')
    assert body.count('data-testid="carried-over"') == 1


def test_an_uncertified_technician_is_disabled_with_the_reason(world: World) -> None:
    order = make_order(world, certify=False)
    client = world.client("sh_supervisor")
    board = client.get("/calls/board/?branch=SH").content.decode()
    tech = world.users["sh_tech"]
    # The controls are loaded when opened, from the card's button (htmx) or its link (no script).
    assert f"/calls/board/orders/{order.pk}/controls/" in board and "technician-select" not in board
    for url in (f"/calls/board/orders/{order.pk}/controls/", f"/calls/board/?branch=SH&open={order.pk}"):
        body = client.get(url).content.decode()
        assert f'<option value="{tech.pk}" disabled>' in body
        assert "数控机床" in body
    assert world.client("hz_supervisor").get(f"/calls/board/orders/{order.pk}/controls/").status_code == 404
    assert world.client("sh_tech").get(f"/calls/board/orders/{order.pk}/controls/").status_code in (403, 404)


def test_assigning_an_uncertified_technician_shows_the_reason_and_changes_nothing(world: World) -> None:
    order = make_order(world, certify=False)
    tech = world.users["sh_tech"]
    response = world.client("sh_supervisor").post(
        f"/calls/board/orders/{order.pk}/assign/", {"technician_id": tech.pk}, headers=HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-field="technician_id"' in body and "数控机床" in body
    order.refresh_from_db()
    assert order.state == "open" and order.technician_id is None
    plain = world.client("sh_supervisor").post(
        f"/calls/board/orders/{order.pk}/assign/", {"technician_id": tech.pk}
    )
    assert plain.status_code == 400


def test_assign_then_reassign_needs_a_reason(world: World) -> None:
    order = make_order(world)
    client = world.client("sh_supervisor")
    tech = world.users["sh_tech"]
    response = client.post(
        f"/calls/board/orders/{order.pk}/assign/", {"technician_id": tech.pk}, headers=HTMX
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.technician_id == tech.pk and order.state == "assigned"
    body = response.content.decode()
    assert body.index('data-technician="sh_tech"') < body.index(f'data-order="{order.number}"')
    other = world.users["sh_supervisor"]  # not a technician: refused with a reason
    response = client.post(
        f"/calls/board/orders/{order.pk}/assign/", {"technician_id": other.pk}, headers=HTMX
    )
    assert 'data-field="technician_id"' in response.content.decode()


def test_booking_an_appointment_from_the_board(world: World) -> None:
    order = make_order(world)
    client = world.client("sh_supervisor")
    start = (
        (timezone.now() + dt.timedelta(days=1))
        .astimezone(SH)
        .replace(hour=14, minute=0, second=0, microsecond=0)
    )
    end = start + dt.timedelta(hours=2)
    fmt = "%Y-%m-%dT%H:%M"
    response = client.post(
        f"/calls/board/orders/{order.pk}/appointment/",
        {"start": start.strftime(fmt), "end": end.strftime(fmt), "customer_choice": "on"},
        headers=HTMX,
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.appointment_start == start and order.appointment_by_customer
    bad = client.post(
        f"/calls/board/orders/{order.pk}/appointment/",
        {"start": end.strftime(fmt), "end": start.strftime(fmt)},
        headers=HTMX,
    )
    assert 'data-field="end"' in bad.content.decode()


@pytest.mark.parametrize(
    "who", ["sh_supervisor", "sh_agent", "sh_manager", "sh_accountant", "hq_executive", "customer"]
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_order_page_renders_for_those_who_see_the_order(world: World, who: str, language: str) -> None:
    order = make_order(world)
    client = world.client(who)
    client.cookies["django_language"] = language
    response = client.get(f"/calls/orders/{order.pk}/")
    assert response.status_code == 200, who
    assert order.number in response.content.decode()


def test_the_order_page_refuses_outsiders(world: World) -> None:
    order = make_order(world)
    assert world.client("hz_supervisor").get(f"/calls/orders/{order.pk}/").status_code == 404
    assert world.client("sh_tech").get(f"/calls/orders/{order.pk}/").status_code == 404  # not assigned
    assert world.client("hz_tech").get(f"/calls/orders/{order.pk}/onsite/").status_code == 404


def test_the_order_page_shows_the_buttons_the_person_may_press(world: World) -> None:
    order = make_order(world)
    sup = world.client("sh_supervisor").get(f"/calls/orders/{order.pk}/").content.decode()
    assert 'data-action="board"' in sup and 'data-testid="make-quote"' in sup
    agent = world.client("sh_agent").get(f"/calls/orders/{order.pk}/").content.decode()
    assert 'data-action="board"' not in agent
    assert 'data-testid="clock-panel"' in sup


def test_the_call_page_and_the_register_link_the_order(world: World) -> None:
    order = make_order(world)
    call = order.calls.get()
    client = world.client("sh_agent")
    assert f"/calls/orders/{order.pk}/" in client.get(f"/calls/{call.pk}/").content.decode()
    assert f"/calls/orders/{order.pk}/" in client.get("/calls/").content.decode()
