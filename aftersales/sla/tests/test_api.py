"""/api/v1/sla/…: same permissions as the pages; an outsider gets nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aftersales.conftest import World
from aftersales.sla.models import Clock
from aftersales.sla.services import clock_start, clock_stop

SH = ZoneInfo("Asia/Shanghai")


def t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture
def clocks(world: World) -> dict[str, Clock]:
    sh = clock_start(
        subject=world.sh_customer,
        code="arrival_urban",
        by=None,
        at=t("2025-03-03T09:00"),
        responsible=world.users["sh_tech"],
    )
    hz = clock_start(
        subject=world.hz_customer,
        code="arrival_suburban",
        by=None,
        at=t("2025-03-03T09:00"),
        responsible=world.users["hz_tech"],
    )
    clock_stop(subject=world.hz_customer, code="arrival_suburban", by=None, at=t("2025-03-04T09:00"))
    return {"sh": sh, "hz": hz}


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_clock_list_is_scoped(world: World, api: Any, clocks: dict[str, Clock]) -> None:
    both = {clocks["sh"].pk, clocks["hz"].pk}
    assert ids(api("hq_admin").get("/api/v1/sla/clocks")) == both
    assert ids(api("hq_executive").get("/api/v1/sla/clocks")) == both
    assert ids(api("sh_supervisor").get("/api/v1/sla/clocks")) == {clocks["sh"].pk}
    assert ids(api("sh_tech").get("/api/v1/sla/clocks")) == {clocks["sh"].pk}
    assert ids(api("hz_tech").get("/api/v1/sla/clocks")) == {clocks["hz"].pk}
    assert ids(api("hz_supervisor").get("/api/v1/sla/clocks", {"state": "breached"})) == {clocks["hz"].pk}


def test_clock_detail(world: World, api: Any, clocks: dict[str, Clock]) -> None:
    body = api("sh_tech").get(f"/api/v1/sla/clocks/{clocks['sh'].pk}").json()
    assert body["due_at"] == "2025-03-03T16:00:00+08:00"
    assert body["name"] == "市区到场"
    assert body["level"] == "overdue"  # it is 2026 now and the clock still runs
    assert body["subject_label"].endswith("上海申达")


@pytest.mark.parametrize("who", ["hz_supervisor", "hz_tech", "customer", "dealer"])
def test_outsiders_get_404_for_a_clock(world: World, api: Any, clocks: dict[str, Clock], who: str) -> None:
    response = api(who).get(f"/api/v1/sla/clocks/{clocks['sh'].pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sla/clocks",
        "/api/v1/sla/policies",
        "/api/v1/sla/calendar?month=2025-10",
        "/api/v1/sla/due?clock=arrival_urban&start=2025-03-03T09:00",
        "/api/v1/sla/reports/on-time?from=2025-03-01&to=2025-04-01",
    ],
)
def test_portal_users_and_anonymous_get_nothing(world: World, api: Any, client: Any, url: str) -> None:
    assert client.get(url).status_code == 401
    assert api("customer").get(url).status_code == 404
    assert api("dealer").get(url).status_code == 404


def test_policies(world: World, api: Any) -> None:
    body = api("sh_agent").get("/api/v1/sla/policies", {"code": "rma_repair"}).json()
    assert len(body) == 1
    assert body[0]["unit"] == "working_days" and body[0]["amount"] == "5.00"
    assert body[0]["start_rule"] == "next_working_day"
    assert body[0]["pause_states"] == ["waiting_payment", "waiting_customer"]


def test_calendar_month(world: World, api: Any) -> None:
    days = {
        d["date"]: d
        for d in api("sh_agent").get("/api/v1/sla/calendar", {"month": "2025-10", "branch": "SH"}).json()
    }
    assert days["2025-10-01"]["kind"] == "holiday" and days["2025-10-01"]["is_working"] is False
    assert days["2025-10-11"]["kind"] == "makeup" and days["2025-10-11"]["periods"] == [
        ["08:30", "12:00"],
        ["13:00", "17:30"],
    ]
    assert days["2025-10-13"]["kind"] == "workday"
    bad = api("sh_agent").get("/api/v1/sla/calendar", {"month": "October"})
    assert bad.status_code == 400 and "month" in bad.json()["fields"]


def test_on_time_report(world: World, api: Any, clocks: dict[str, Clock]) -> None:
    params = {"from": "2025-03-01", "to": "2025-04-01", "group": "branch"}
    rows = api("hq_executive").get("/api/v1/sla/reports/on-time", params).json()
    assert [(r["label"], r["met"], r["breached"], r["rate"]) for r in rows] == [("杭州服务中心", 0, 1, 0.0)]
    # technicians do not read reports
    assert api("sh_tech").get("/api/v1/sla/reports/on-time", params).status_code == 404
    # a supervisor of Shanghai sees only Shanghai (nothing measured there)
    assert api("sh_supervisor").get("/api/v1/sla/reports/on-time", params).json() == []


def test_schema_lists_sla_endpoints(world: World, client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/sla/due", "/api/v1/sla/clocks", "/api/v1/sla/reports/on-time"} <= set(paths)
