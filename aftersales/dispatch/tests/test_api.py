"""/api/v1/dispatch/plans: propose (202), poll, edit, accept, reject; outsiders."""

from __future__ import annotations

from aftersales.calls.models import ServiceOrder
from aftersales.conftest import World
from aftersales.dispatch.tests.helpers import make_day, tomorrow


def test_propose_poll_edit_accept(world: World, api, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    orders = make_day(world, orders=3)
    client = api("sh_supervisor")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/dispatch/plans",
            {"branch": "SH", "day": tomorrow().isoformat(), "time_limit": 1},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    plan_id = response.json()["id"]
    body = client.get(f"/api/v1/dispatch/plans/{plan_id}").json()
    assert body["state"] == "ready" and body["progress"] == 100
    visits = [v for r in body["routes"] for v in r["visits"]]
    assert {v["order"] for v in visits} | {u["order"] for u in body["unassigned"]} == {o.pk for o in orders}
    assert all(v["start_at"] for v in visits)
    rookie = world.users["sh_rookie"].pk
    refused = client.post(
        f"/api/v1/dispatch/plans/{plan_id}/edit",
        {"order_id": orders[0].pk, "technician_id": rookie},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "technician_id" in refused.json()["fields"]
    tech2 = world.users["sh_tech2"].pk
    edited = client.post(
        f"/api/v1/dispatch/plans/{plan_id}/edit",
        {"order_id": orders[0].pk, "technician_id": tech2},
        content_type="application/json",
    )
    assert edited.status_code == 200
    accepted = client.post(
        f"/api/v1/dispatch/plans/{plan_id}/accept",
        {"technician_ids": [tech2]},
        content_type="application/json",
    )
    assert accepted.status_code == 200 and orders[0].pk in accepted.json()["assigned"]
    assert accepted.json()["plan"]["state"] in ("accepted", "partly_accepted")
    orders[0].refresh_from_db()
    assert orders[0].technician_id == tech2 and orders[0].state == ServiceOrder.State.ASSIGNED
    if accepted.json()["plan"]["state"] == "partly_accepted":
        rejected = client.post(
            f"/api/v1/dispatch/plans/{plan_id}/reject",
            {"reason": "其余改天"},
            content_type="application/json",
        )
        assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"


def test_outsiders(world: World, api, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    make_day(world, orders=1)
    payload = {"branch": "SH", "day": tomorrow().isoformat(), "time_limit": 1}
    from django.test import Client

    assert (
        Client().post("/api/v1/dispatch/plans", payload, content_type="application/json").status_code == 401
    )
    hz = api("hz_supervisor")
    assert hz.post("/api/v1/dispatch/plans", payload, content_type="application/json").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        plan_id = (
            api("sh_supervisor")
            .post("/api/v1/dispatch/plans", payload, content_type="application/json")
            .json()["id"]
        )
    assert Client().get(f"/api/v1/dispatch/plans/{plan_id}").status_code == 401
    for name in ("hz_supervisor", "sh_tech"):
        client = api(name)
        assert client.get(f"/api/v1/dispatch/plans/{plan_id}").status_code == 404
        assert (
            client.post(
                f"/api/v1/dispatch/plans/{plan_id}/accept", {}, content_type="application/json"
            ).status_code
            == 404
        )
        assert (
            client.post(
                f"/api/v1/dispatch/plans/{plan_id}/reject", {"reason": "x"}, content_type="application/json"
            ).status_code
            == 404
        )
    busy = api("sh_supervisor").post(
        "/api/v1/dispatch/plans", {**payload, "time_limit": 99}, content_type="application/json"
    )
    assert busy.status_code == 400 and "time_limit" in busy.json()["fields"]
