"""The order's workflow through the API: the same rules and permissions as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from aftersales.access.policy import access_for
from aftersales.catalog.models import Part, ProductModel
from aftersales.conftest import World
from aftersales.installed.models import Unit
from aftersales.installed.services import UnitData, unit_create
from aftersales.org.models import Certification

SIGNATURE = "M10 10 L20 20 L30 10 L40 25 L55 12"


@pytest.fixture
def unit(world: World) -> Unit:
    admin = world.users["hq_admin"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    Certification.objects.create(
        user=world.users["sh_tech"], product_line=world.line, certified_on=dt.date(2024, 1, 1)
    )
    return unit_create(
        data=UnitData(
            serial="SN-1",
            product_model_id=model.pk,
            customer_id=world.sh_customer.pk,
            sold_on=dt.date(2026, 6, 1),
        ),
        access=access_for(admin),
        by=admin,
    )


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def test_one_order_through_the_api(world: World, api: Any, unit: Unit) -> None:
    part = Part.objects.create(code="P-1", name="编码器", cost=Decimal("100"), price=Decimal("150"))
    agent, supervisor, tech = api("sh_agent"), api("sh_supervisor"), api("sh_tech")
    order_id = post(agent, "/api/v1/calls", {"unit_id": unit.pk, "fault_description": "主轴不转"}).json()[
        "call"
    ]["order_id"]
    base = f"/api/v1/orders/{order_id}"
    assert (
        post(supervisor, f"{base}/assign", {"technician_id": world.users["sh_tech"].pk}).json()["state"]
        == "assigned"
    )
    assert post(tech, f"{base}/travel").json()["state"] == "travelling"
    assert post(tech, f"{base}/arrive").json()["state"] == "on_site"
    refused = post(tech, f"{base}/complete")
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"
    assert "cause" in refused.json()["message"] or "故障原因" in refused.json()["message"]
    report = tech.put(
        f"{base}/report",
        {
            "cause": "编码器损坏",
            "solution": "更换编码器",
            "labour_minutes": 60,
            "parts": [{"part_id": part.pk, "quantity": 1}],
        },
        content_type="application/json",
    )
    assert report.status_code == 200, report.content
    assert (
        post(
            tech, f"{base}/sign", {"signed_by": "李经理", "signature": SIGNATURE, "opinion": "satisfied"}
        ).status_code
        == 200
    )
    assert post(tech, f"{base}/complete").json()["state"] == "completed"
    assert post(supervisor, f"{base}/close").status_code == 409  # money not settled
    assert post(supervisor, f"{base}/settle", {"settlement": "none_due"}).status_code == 200
    assert post(supervisor, f"{base}/close").json()["state"] == "closed"


@pytest.mark.parametrize(
    "action",
    ["assign", "appointment", "travel", "arrive", "sign", "complete", "not-fixed", "settle", "close"],
)
def test_outsiders_get_nothing(world: World, api: Any, client: Any, unit: Unit, action: str) -> None:
    order_id = post(api("sh_agent"), "/api/v1/calls", {"unit_id": unit.pk, "fault_description": "x"}).json()[
        "call"
    ]["order_id"]
    url = f"/api/v1/orders/{order_id}/{action}"
    assert post(client, url).status_code == 401
    for who in ("hz_supervisor", "hz_tech", "sh_tech"):  # sh_tech: not (yet) assigned to it
        response = post(
            api(who),
            url,
            {
                "technician_id": 1,
                "start": "2026-12-01T10:00+08:00",
                "end": "2026-12-01T12:00+08:00",
                "signed_by": "x",
                "signature": SIGNATURE,
                "opinion": "fair",
                "next_step": "appointment",
                "reason": "x",
                "settlement": "none_due",
            },
        )
        assert response.status_code == 404, (who, response.content)
