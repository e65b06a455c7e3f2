"""Pages of service calls: intake (look-up, fill-in, register, errors), the register, the call page."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceCall, ServiceOrder
from aftersales.calls.services import CallData, call_register
from aftersales.catalog.models import ProductModel
from aftersales.conftest import World
from aftersales.customers.services import CustomerData, customer_create
from aftersales.installed.models import Unit
from aftersales.installed.services import UnitData, unit_create

SH = ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def units(world: World) -> dict[str, Unit]:
    admin = world.users["hq_admin"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    today = timezone.localdate()

    def make(serial: str, customer_id: int) -> Unit:
        return unit_create(
            data=UnitData(serial=serial, product_model_id=model.pk, customer_id=customer_id, sold_on=today),
            access=access_for(admin),
            by=admin,
        )

    return {"sh": make("SN-SH-0001", world.sh_customer.pk), "hz": make("SN-HZ-0001", world.hz_customer.pk)}


def post_call(client: Client, unit: Unit, **extra: str) -> Any:
    data = {
        "customer_id": str(unit.customer_id),
        "unit_id": str(unit.pk),
        "channel": "phone",
        "category": "repair",
        "urgency": "normal",
        "fault_description": "主轴不转",
        **extra,
    }
    return client.post("/calls/new/", data)


# --------------------------------------------------------------------------- intake


@pytest.mark.parametrize(("language", "title"), [("zh-hans", 'lang="zh-hans"'), ("en", "New service call")])
def test_the_intake_page_renders_for_an_agent(world: World, language: str, title: str) -> None:
    client = world.client("sh_agent")
    client.cookies["django_language"] = language
    response = client.get("/calls/new/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert title in response.content.decode()
    assert 'id="lookup-q"' in response.content.decode()


def test_look_up_by_serial_phone_and_name_finds_the_unit(world: World, units: dict[str, Unit]) -> None:
    client = world.client("sh_agent")
    for q in ("SN-SH", "13800000000", "申达"):
        body = client.get("/calls/new/lookup/", {"q": q}, headers=HTMX).content.decode()
        assert f'data-unit="{units["sh"].pk}"' in body, q
        assert "SN-HZ-0001" not in body, q


def test_look_up_lists_customers_without_units(world: World, units: dict[str, Unit]) -> None:
    admin = world.users["hq_admin"]
    bare = customer_create(
        data=CustomerData(name="上海无机台", branch_id=world.sh.pk, phone="13700000000"),
        access=access_for(admin),
        by=admin,
    )
    body = world.client("sh_agent").get("/calls/new/lookup/", {"q": "1370000"}, headers=HTMX).content.decode()
    assert f'data-customer="{bare.pk}"' in body
    assert 'data-unit="' not in body


def test_look_up_never_finds_another_branchs_units(world: World, units: dict[str, Unit]) -> None:
    client = world.client("hz_agent")
    for q in ("SN-SH-0001", "13800000000", "申达"):
        body = client.get("/calls/new/lookup/", {"q": q}, headers=HTMX).content.decode()
        assert f'data-unit="{units["sh"].pk}"' not in body and "上海申达" not in body, q
        assert 'data-testid="lookup-empty"' in body, q
    assert "SN-HZ-0001" in client.get("/calls/new/lookup/", {"q": "SN-HZ"}, headers=HTMX).content.decode()
    # Choosing an SH unit by its id shows nothing either.
    body = client.get(f"/calls/new/?unit={units['sh'].pk}").content.decode()
    assert "上海申达" not in body


def test_choosing_a_unit_fills_the_form_and_warns_of_its_open_order(
    world: World, units: dict[str, Unit]
) -> None:
    client = world.client("sh_agent")
    body = client.get(f"/calls/new/?unit={units['sh'].pk}", headers=HTMX).content.decode()
    assert 'id="selection"' in body and "<html" not in body
    assert f'name="unit_id" value="{units["sh"].pk}"' in body
    assert 'value="13800000000"' in body  # the phone field is filled in
    assert 'data-warranty="in"' in body
    assert "open-order-warning" not in body
    first = post_call(client, units["sh"])
    assert first.status_code == 302
    order = ServiceOrder.objects.get()
    body = client.get(f"/calls/new/?unit={units['sh'].pk}", headers=HTMX).content.decode()
    assert "open-order-warning" in body and order.number in body


def test_posting_a_complete_form_registers_the_call_and_opens_an_order(
    world: World, units: dict[str, Unit]
) -> None:
    client = world.client("sh_agent")
    response = post_call(client, units["sh"])
    call = ServiceCall.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/calls/{call.pk}/"
    assert call.order is not None and call.state == ServiceCall.State.ORDERED
    page = client.get(response["Location"]).content.decode()
    assert call.order.number in page
    assert 'data-testid="clock-panel"' in page


def test_s11_a_second_call_on_the_unit_is_linked_to_the_first_order(
    world: World, units: dict[str, Unit]
) -> None:
    client = world.client("sh_agent")
    post_call(client, units["sh"])
    first = ServiceOrder.objects.get()
    response = post_call(client, units["sh"], fault_description="还是不转", channel="email")
    page = client.get(response["Location"]).content.decode()
    assert ServiceOrder.objects.count() == 1 and ServiceCall.objects.count() == 2
    assert ServiceCall.objects.latest("pk").state == ServiceCall.State.LINKED
    assert first.number in page
    assert "linked" in page.lower() or "关联" in page


def test_a_missing_fault_description_saves_nothing(world: World, units: dict[str, Unit]) -> None:
    client = world.client("sh_agent")
    response = post_call(client, units["sh"], fault_description="")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field="fault_description"' in body
    assert 'id="selection"' in body and "上海申达" in body  # the chosen unit stays chosen
    assert not ServiceCall.objects.exists() and not ServiceOrder.objects.exists()


def test_resolved_by_phone_opens_no_order(world: World, units: dict[str, Unit]) -> None:
    client = world.client("sh_agent")
    response = post_call(client, units["sh"], resolved_remotely="on", resolution_note="重启后恢复")
    assert response.status_code == 302
    call = ServiceCall.objects.get()
    assert call.state == ServiceCall.State.RESOLVED and not ServiceOrder.objects.exists()


def test_an_agent_cannot_register_for_another_branchs_unit(world: World, units: dict[str, Unit]) -> None:
    response = post_call(world.client("hz_agent"), units["sh"])
    assert response.status_code == 400
    assert not ServiceCall.objects.exists()


def test_the_warehouse_keeper_gets_404_on_intake(world: World) -> None:
    assert world.client("sh_warehouse").get("/calls/new/").status_code == 404
    assert world.client("sh_warehouse").get("/calls/new/lookup/?q=SN").status_code == 404
    assert world.client("customer").get("/calls/new/").status_code == 404


# --------------------------------------------------------------------------- register


def _register(world: World, unit: Unit, at: dt.datetime, who: str = "sh_agent") -> ServiceCall:
    user = world.users[who]
    return call_register(
        data=CallData(unit_id=unit.pk, category="consultation", received_at=at),
        access=access_for(user),
        by=user,
    ).call


def test_the_register_lists_the_chosen_day_only(world: World, units: dict[str, Unit]) -> None:
    day = dt.date(2025, 3, 3)
    today_call = _register(world, units["sh"], dt.datetime(2025, 3, 3, 0, 30, tzinfo=SH))
    yesterday = _register(world, units["sh"], dt.datetime(2025, 3, 2, 23, 30, tzinfo=SH))
    client = world.client("sh_agent")
    body = client.get("/calls/", {"day": day.isoformat()}).content.decode()
    assert today_call.number in body and yesterday.number not in body
    rows = client.get("/calls/", {"day": day.isoformat(), "q": "SN-SH"}, headers=HTMX).content.decode()
    assert today_call.number in rows and "<html" not in rows
    everything = client.get("/calls/", {"day": ""}).content.decode()
    assert today_call.number in everything and yesterday.number in everything


def test_the_register_defaults_to_today_and_pages_by_keyset(world: World, units: dict[str, Unit]) -> None:
    now = timezone.now()
    calls = [_register(world, units["sh"], now) for _ in range(3)]
    client = world.client("sh_agent")
    body = client.get("/calls/").content.decode()
    assert all(c.number in body for c in calls)
    older = client.get("/calls/", {"before": calls[1].pk}).content.decode()
    assert calls[0].number in older and calls[2].number not in older


def test_excel_export_of_the_register(world: World, units: dict[str, Unit]) -> None:
    call = _register(world, units["sh"], dt.datetime(2025, 3, 3, 9, 0, tzinfo=SH))
    response = world.client("sh_agent").get("/calls/export.xlsx", {"day": "2025-03-03"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined,arg-type]
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == call.number
    assert rows[1][1] == dt.datetime(2025, 3, 3, 9, 0)


def test_a_customer_portal_user_sees_own_calls_only(world: World, units: dict[str, Unit]) -> None:
    now = timezone.now()
    own = _register(world, units["sh"], now)
    other = _register(world, units["hz"], now, who="hz_agent")
    client = world.client("customer")
    body = client.get("/calls/").content.decode()
    assert own.number in body and other.number not in body
    assert client.get(f"/calls/{own.pk}/").status_code == 200
    assert client.get(f"/calls/{other.pk}/").status_code == 404


def test_the_register_query_count_does_not_grow_with_rows(
    world: World, units: dict[str, Unit], django_assert_max_num_queries: object
) -> None:
    now = timezone.now()
    for _ in range(5):
        _register(world, units["sh"], now)
    client = world.client("sh_agent")
    client.get("/calls/")  # warm the session and access caches
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        client.get("/calls/")


# --------------------------------------------------------------------------- call page


def test_the_call_page_shows_the_call_order_and_unit_link(world: World, units: dict[str, Unit]) -> None:
    client = world.client("sh_agent")
    response = post_call(client, units["sh"])
    body = client.get(response["Location"]).content.decode()
    call = ServiceCall.objects.get()
    assert call.number in body and 'data-testid="order-number"' in body
    assert f'href="/installed/units/{units["sh"].pk}/"' in body
    assert 'data-testid="timeline"' in body


def test_hz_agent_gets_404_on_an_sh_call_page(world: World, units: dict[str, Unit]) -> None:
    call = _register(world, units["sh"], timezone.now())
    assert world.client("hz_agent").get(f"/calls/{call.pk}/").status_code == 404
    assert world.client("sh_warehouse").get(f"/calls/{call.pk}/").status_code == 404
