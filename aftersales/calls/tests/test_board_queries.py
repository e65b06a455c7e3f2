"""The dispatch board costs the same number of queries with 2 or 8 waiting orders (no N+1)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.access.policy import access_for
from aftersales.calls.services import CallData, call_register
from aftersales.catalog.models import ProductModel
from aftersales.conftest import World
from aftersales.installed.services import UnitData, unit_create
from aftersales.org.models import Certification


def _orders(world: World, start: int, count: int, model: ProductModel) -> None:
    admin, agent = world.users["hq_admin"], world.users["sh_agent"]
    for i in range(start, start + count):
        unit = unit_create(
            data=UnitData(
                serial=f"SN-{i}",
                product_model_id=model.pk,
                customer_id=world.sh_customer.pk,
                sold_on=dt.date(2025, 1, 1),
            ),
            access=access_for(admin),
            by=admin,
        )
        call_register(
            data=CallData(unit_id=unit.pk, fault_description="x"), access=access_for(agent), by=agent
        )


def test_board_queries_do_not_grow_with_orders(world: World) -> None:
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    Certification.objects.create(
        user=world.users["sh_tech"], product_line=world.line, certified_on=dt.date(2024, 1, 1)
    )
    client = world.client("sh_supervisor")
    _orders(world, 0, 2, model)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/calls/board/?branch=SH").status_code == 200
    _orders(world, 2, 6, model)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/calls/board/?branch=SH")
    assert page.status_code == 200
    assert page.content.decode().count("SH-SO-") >= 8
    assert len(many.captured_queries) == len(few.captured_queries)
