"""/api/v1/calls and /orders: the same rules and permissions as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.catalog.models import ProductModel
from aftersales.conftest import World
from aftersales.installed.models import Unit
from aftersales.installed.services import UnitData, unit_create


@pytest.fixture
def unit(world: World) -> Unit:
    admin = world.users["hq_admin"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    return unit_create(
        data=UnitData(
            serial="SN-1",
            product_model_id=model.pk,
            customer_id=world.sh_customer.pk,
            sold_on=dt.date(2026, 3, 15),
        ),
        access=access_for(admin),
        by=admin,
    )


def post(client: Any, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/calls", body, content_type="application/json")


def test_register_and_duplicate_through_the_api(world: World, api: Any, unit: Unit) -> None:
    agent = api("sh_agent")
    first = post(agent, {"unit_id": unit.pk, "fault_description": "主轴不转"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["linked"] is False and body["call"]["service_type"] == "free"
    assert body["order_number"].startswith("SH-SO-")
    second = post(agent, {"unit_id": unit.pk, "fault_description": "催修"})
    assert second.json()["linked"] is True
    assert second.json()["order_number"] == body["order_number"]  # S11: the existing order number
    listed = agent.get("/api/v1/calls").json()["items"]
    assert [c["number"] for c in listed] == [second.json()["call"]["number"], body["call"]["number"]]


def test_bad_input_names_the_field(world: World, api: Any) -> None:
    response = post(
        api("sh_agent"), {"customer_id": world.sh_customer.pk, "channel": "pigeon", "fault_description": "x"}
    )
    assert response.status_code == 400
    assert "channel" in response.json()["fields"]


def test_outsiders_get_nothing(world: World, api: Any, client: Any, unit: Unit) -> None:
    created = post(api("sh_agent"), {"unit_id": unit.pk, "fault_description": "x"}).json()
    call_id = created["call"]["id"]
    order_id = ServiceOrder.objects.get().pk
    assert client.get(f"/api/v1/calls/{call_id}").status_code == 401
    for who in ("hz_agent", "hz_supervisor", "hz_tech", "sh_tech"):  # sh_tech: not assigned to it
        assert api(who).get(f"/api/v1/calls/{call_id}").status_code == 404, who
        assert api(who).get(f"/api/v1/orders/{order_id}").status_code == 404, who
    assert api("customer").get(f"/api/v1/calls/{call_id}").status_code == 200  # their own call
    assert api("dealer").get(f"/api/v1/calls/{call_id}").status_code == 200  # the dealer who sold it
    assert api("hz_agent").get("/api/v1/calls").json()["items"] == []
    # registering for another branch's customer is refused
    refused = post(api("hz_agent"), {"customer_id": world.sh_customer.pk, "fault_description": "x"})
    assert refused.status_code == 400 and "customer_id" in refused.json()["fields"]
    # the warehouse keeper does not register calls
    assert (
        post(api("sh_warehouse"), {"customer_id": world.sh_customer.pk, "fault_description": "x"}).status_code
        == 403
    )
