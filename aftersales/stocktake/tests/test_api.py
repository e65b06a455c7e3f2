from __future__ import annotations

from django.test import Client

from aftersales.conftest import World
from aftersales.stock.models import StockLevel
from aftersales.stocktake.tests.conftest import Store


def test_the_api_runs_a_stocktake_and_hides_quantities_while_counting(
    world: World, store: Store, api
) -> None:  # type: ignore[no-untyped-def]
    keeper, manager = api("sh_warehouse"), api("sh_manager")
    created = keeper.post(
        "/api/v1/stocktake", {"warehouse_id": store.warehouse.pk}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "counting" and all(line["snapshot"] is None for line in body["lines"])
    sid = body["id"]
    for line in body["lines"]:
        counted = 7 if line["part"] == "BRG-6205" else 4
        r = keeper.post(
            f"/api/v1/stocktake/{sid}/lines/{line['id']}/count",
            {"counted": counted},
            content_type="application/json",
        )
        assert r.status_code == 200, r.content
    assert keeper.post(f"/api/v1/stocktake/{sid}/submit").status_code == 200
    refused = keeper.post(f"/api/v1/stocktake/{sid}/approve", {}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    approved = manager.post(f"/api/v1/stocktake/{sid}/approve", {}, content_type="application/json")
    assert approved.json()["state"] == "approved"
    assert {ln["part"]: ln["difference"] for ln in approved.json()["lines"]} == {"BRG-6205": -3, "SEAL-30": 0}
    for _ in range(2):
        assert manager.post(f"/api/v1/stocktake/{sid}/post").json()["state"] == "posted"
    assert StockLevel.objects.get(part=store.part, warehouse=store.warehouse).on_hand == 7
    listed = keeper.get("/api/v1/stocktake").json()
    assert [s["number"] for s in listed] == [body["number"]]


def test_outsiders(world: World, store: Store, api) -> None:  # type: ignore[no-untyped-def]
    created = api("sh_warehouse").post(
        "/api/v1/stocktake", {"warehouse_id": store.warehouse.pk}, content_type="application/json"
    )
    sid = created.json()["id"]
    assert Client().get("/api/v1/stocktake").status_code == 401
    assert Client().post(f"/api/v1/stocktake/{sid}/post").status_code == 401
    other = api("hz_supervisor")
    assert other.get(f"/api/v1/stocktake/{sid}").status_code == 404
    assert other.post(f"/api/v1/stocktake/{sid}/submit").status_code == 404
    assert other.get("/api/v1/stocktake").json() == []
    started = other.post(
        "/api/v1/stocktake", {"warehouse_id": store.warehouse.pk}, content_type="application/json"
    )
    assert started.status_code == 404
