"""/api/v1/installed: same rules as the pages; outsiders get 404, anonymous 401."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client

from aftersales.access.policy import access_for
from aftersales.catalog.models import ProductModel
from aftersales.conftest import World
from aftersales.installed.models import ServiceContract, Unit
from aftersales.installed.services import ContractData, contract_create

Api = Callable[[str], Client]
J = "application/json"


def contract(world: World) -> ServiceContract:
    admin = world.users["hq_admin"]
    return contract_create(
        data=ContractData(
            customer_id=world.sh_customer.pk, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31)
        ),
        access=access_for(admin),
        by=admin,
    )


def test_units_list(api: Api, world: World, sh_unit: Unit, hz_unit: Unit) -> None:
    items = api("sh_agent").get("/api/v1/installed/units").json()["items"]
    assert [u["serial"] for u in items] == [sh_unit.serial]
    assert api("hz_agent").get("/api/v1/installed/units", {"q": sh_unit.serial}).json()["items"] == []
    assert Client().get("/api/v1/installed/units").status_code == 401


def test_units_get(api: Api, world: World, sh_unit: Unit, hz_unit: Unit) -> None:
    assert api("sh_agent").get(f"/api/v1/installed/units/{sh_unit.pk}").json()["serial"] == sh_unit.serial
    assert api("customer").get(f"/api/v1/installed/units/{sh_unit.pk}").status_code == 200
    response = api("hz_agent").get(f"/api/v1/installed/units/{sh_unit.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api("customer").get(f"/api/v1/installed/units/{hz_unit.pk}").status_code == 404
    assert Client().get(f"/api/v1/installed/units/{sh_unit.pk}").status_code == 401


def test_units_lookup_for_call_intake(api: Api, world: World, sh_unit: Unit) -> None:
    body = api("sh_agent").get("/api/v1/installed/units/lookup", {"serial": "sn-sh-0001"}).json()
    assert body["unit"]["id"] == sh_unit.pk
    assert body["customer"]["number"] == world.sh_customer.number
    assert set(body["warranty"]) == {"on", "in_warranty", "until", "contract", "service_type"}
    assert (
        api("hz_agent").get("/api/v1/installed/units/lookup", {"serial": sh_unit.serial}).status_code == 404
    )
    assert Client().get("/api/v1/installed/units/lookup", {"serial": sh_unit.serial}).status_code == 401


def test_units_create(api: Api, world: World, model: ProductModel) -> None:
    payload = {
        "serial": "API-1",
        "product_model_id": model.pk,
        "customer_id": world.sh_customer.pk,
        "sold_on": "2026-02-01",
    }
    response = api("sh_agent").post("/api/v1/installed/units", payload, content_type=J)
    assert response.status_code == 201 and response.json()["warranty_until"] == "2027-01-31"
    response = api("sh_agent").post("/api/v1/installed/units", payload, content_type=J)
    assert response.status_code == 400 and "serial" in response.json()["fields"]
    other = {**payload, "serial": "API-2", "customer_id": world.hz_customer.pk}
    response = api("sh_agent").post("/api/v1/installed/units", other, content_type=J)
    assert response.status_code == 400 and "customer_id" in response.json()["fields"]
    assert (
        api("customer")
        .post("/api/v1/installed/units", {**payload, "serial": "API-3"}, content_type=J)
        .status_code
        == 403
    )
    assert Client().post("/api/v1/installed/units", payload, content_type=J).status_code == 401
    assert Unit.objects.count() == 1


def test_units_update(api: Api, world: World, sh_unit: Unit) -> None:
    payload = {
        "serial": sh_unit.serial,
        "product_model_id": sh_unit.product_model_id,
        "customer_id": sh_unit.customer_id,
        "sold_on": "2026-03-15",
        "software_version": "V9",
    }
    url = f"/api/v1/installed/units/{sh_unit.pk}"
    assert api("sh_agent").put(url, payload, content_type=J).json()["software_version"] == "V9"
    assert api("hz_agent").put(url, payload, content_type=J).status_code == 404
    assert api("customer").put(url, payload, content_type=J).status_code == 404
    assert Client().put(url, payload, content_type=J).status_code == 401


def test_contracts_list(api: Api, world: World) -> None:
    c = contract(world)
    assert [x["number"] for x in api("sh_supervisor").get("/api/v1/installed/contracts").json()["items"]] == [
        c.number
    ]
    assert api("hz_supervisor").get("/api/v1/installed/contracts").json()["items"] == []
    assert Client().get("/api/v1/installed/contracts").status_code == 401


def test_contracts_create(api: Api, world: World) -> None:
    payload = {"customer_id": world.sh_customer.pk, "starts_on": "2026-01-01", "ends_on": "2025-12-31"}
    response = api("sh_supervisor").post("/api/v1/installed/contracts", payload, content_type=J)
    assert response.status_code == 400 and "ends_on" in response.json()["fields"]
    payload["ends_on"] = "2026-12-31"
    assert (
        api("sh_supervisor").post("/api/v1/installed/contracts", payload, content_type=J).status_code == 201
    )
    assert (
        api("hz_supervisor").post("/api/v1/installed/contracts", payload, content_type=J).status_code == 400
    )
    assert Client().post("/api/v1/installed/contracts", payload, content_type=J).status_code == 401
    assert ServiceContract.objects.count() == 1


def test_contracts_state(api: Api, world: World) -> None:
    c = contract(world)
    url = f"/api/v1/installed/contracts/{c.pk}/state"
    assert api("hz_supervisor").post(url, {"to": "active"}, content_type=J).status_code == 404
    assert Client().post(url, {"to": "active"}, content_type=J).status_code == 401
    assert api("sh_supervisor").post(url, {"to": "expired"}, content_type=J).status_code == 409
    assert api("sh_supervisor").post(url, {"to": "active"}, content_type=J).json()["state"] == "active"
