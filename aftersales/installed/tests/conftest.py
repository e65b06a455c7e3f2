from __future__ import annotations

import datetime as dt

import pytest

from aftersales.access.policy import access_for
from aftersales.catalog.models import ProductModel
from aftersales.conftest import World
from aftersales.installed.models import Unit
from aftersales.installed.services import UnitData, unit_create


@pytest.fixture
def model(world: World) -> ProductModel:
    return ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)


@pytest.fixture
def sh_unit(world: World, model: ProductModel) -> Unit:
    admin = world.users["hq_admin"]
    data = UnitData(
        serial="SN-SH-0001",
        product_model_id=model.pk,
        customer_id=world.sh_customer.pk,
        sold_on=dt.date(2026, 3, 15),
        software_version="V2.1",
    )
    return unit_create(data=data, access=access_for(admin), by=admin)


@pytest.fixture
def hz_unit(world: World, model: ProductModel) -> Unit:
    admin = world.users["hq_admin"]
    data = UnitData(
        serial="SN-HZ-0001",
        product_model_id=model.pk,
        customer_id=world.hz_customer.pk,
        sold_on=dt.date(2024, 1, 5),
    )
    return unit_create(data=data, access=access_for(admin), by=admin)
