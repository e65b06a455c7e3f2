"""``/api/v1/supply``: the flow through the API and the outsiders (anonymous 401, others 404)."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from aftersales.supply.tests.conftest import Supply


def test_a_request_runs_through_the_api(supply: Supply, api) -> None:  # type: ignore[no-untyped-def]
    customer = api("customer")
    r = customer.post(
        "/api/v1/supply/requests",
        {"lines": [{"part_id": supply.part.pk, "quantity": 1}], "description": "裂了"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    promised = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    r = api("sh_agent").post(
        f"/api/v1/supply/requests/{rid}/confirm",
        {"promised_on": promised, "confirmed_with": "李经理", "cause": "out_of_warranty"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["amount"] == "180.00"
    for name in ("sh_supervisor", "hq_quality_manager"):
        assert (
            api(name)
            .post(f"/api/v1/supply/requests/{rid}/approve", {}, content_type="application/json")
            .status_code
            == 200
        )
    line_id = r.json()["lines"][0]["id"]
    wh = api("sh_warehouse")
    r = wh.post(
        f"/api/v1/supply/requests/{rid}/fulfil",
        {"line_id": line_id, "method": "stock", "warehouse_id": supply.sh.pk},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    r = wh.post(
        f"/api/v1/supply/requests/{rid}/check",
        {"packaging_ok": True, "labels_ok": True, "stamp_ok": True},
        content_type="application/json",
    )
    assert r.json()["state"] == "ready"
    r = wh.post(
        f"/api/v1/supply/requests/{rid}/ship",
        {"carrier": "德邦", "loaded_by": "王"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["request"]["state"] == "shipped"
    assert customer.get("/api/v1/supply/requests").json()["items"][0]["state"] == "shipped"


def test_refusals_name_the_field(supply: Supply, api) -> None:  # type: ignore[no-untyped-def]
    req = supply.apply()
    r = api("sh_agent").post(
        f"/api/v1/supply/requests/{req.pk}/confirm",
        {
            "promised_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "confirmed_with": "李",
            "cause": "material",
        },
        content_type="application/json",
    )
    assert r.status_code == 400 and "promised_on" in r.json()["fields"]


def test_outsiders(supply: Supply, api) -> None:  # type: ignore[no-untyped-def]
    req = supply.apply()
    assert Client().get("/api/v1/supply/requests").status_code == 401
    assert Client().get(f"/api/v1/supply/requests/{req.pk}").status_code == 401
    for name in ("hz_supervisor", "hz_agent"):
        assert api(name).get(f"/api/v1/supply/requests/{req.pk}").status_code == 404
        assert (
            api(name)
            .post(f"/api/v1/supply/requests/{req.pk}/approve", {}, content_type="application/json")
            .status_code
            == 404
        )
    assert api("hz_agent").get("/api/v1/supply/requests").json()["items"] == []
    hz_req = supply.apply("hz_agent", customer_id=supply.world.hz_customer.pk)
    assert api("customer").get(f"/api/v1/supply/requests/{hz_req.pk}").status_code == 404
    r = api("customer").post(
        "/api/v1/supply/requests",
        {"customer_id": supply.world.hz_customer.pk, "lines": [{"part_id": supply.part.pk, "quantity": 1}]},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert (
        api("sh_agent")
        .post(
            f"/api/v1/supply/requests/{req.pk}/ship",
            {"carrier": "x", "loaded_by": "y"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
