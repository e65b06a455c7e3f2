"""The plan pages in zh-hans and en: propose from the board, see the plan, move, accept, reject; outsiders 404."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from aftersales.calls.models import ServiceOrder
from aftersales.conftest import World
from aftersales.dispatch.models import DispatchPlan
from aftersales.dispatch.tests.helpers import make_day, tomorrow

PS = DispatchPlan.State


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_propose_from_the_board_then_see_move_and_accept(
    world: World, django_capture_on_commit_callbacks, lang: str
) -> None:  # type: ignore[no-untyped-def]
    orders = make_day(world, orders=3)
    client = world.client("sh_supervisor")
    client.cookies["django_language"] = lang
    board = client.get("/calls/board/")
    assert board.status_code == 200 and b'data-testid="propose-plan"' in board.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/dispatch/plans/new/", {"branch": "SH", "day": tomorrow().isoformat(), "time_limit": "1"}
        )
    plan = DispatchPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dispatch/plans/{plan.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-state="ready"' in html and 'data-testid="timeline"' in html and 'data-testid="map"' in html
    assert html.count('data-kind="job"') == 3
    assert not re.search(r"\sstyle=", html)
    export = client.get(f"/dispatch/plans/{plan.pk}/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).worksheets[0]  # type: ignore[attr-defined]
    numbers = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {o.number for o in orders}  # every order: visited or listed as not planned
    partial = client.get(response["Location"], headers={"HX-Request": "true"})
    assert partial.status_code == 200 and b"<html" not in partial.content
    tech2 = world.users["sh_tech2"].pk
    moved = client.post(
        f"/dispatch/plans/{plan.pk}/move/", {"order_id": orders[0].pk, "technician_id": tech2}
    )
    assert moved.status_code == 302
    plan.refresh_from_db()
    assert orders[0].pk in [
        v["order"] for r in plan.proposal["routes"] if r["technician"] == tech2 for v in r["visits"]
    ]
    client.post(f"/dispatch/plans/{plan.pk}/accept/")
    plan.refresh_from_db()
    assert plan.state == PS.ACCEPTED
    orders[0].refresh_from_db()
    assert orders[0].technician_id == tech2 and orders[0].state == ServiceOrder.State.ASSIGNED


def test_busy_plan_polls_and_reject(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    make_day(world, orders=1)
    client = world.client("sh_supervisor")
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            "/dispatch/plans/new/", {"branch": "SH", "day": tomorrow().isoformat(), "time_limit": "1"}
        )
    plan = DispatchPlan.objects.get()
    page = client.get(f"/dispatch/plans/{plan.pk}/")
    assert b'hx-trigger="every 1s"' in page.content and b"<progress" in page.content
    again = client.post(
        "/dispatch/plans/new/", {"branch": "SH", "day": tomorrow().isoformat(), "time_limit": "1"}
    )
    assert again.status_code == 302 and DispatchPlan.objects.count() == 1
    DispatchPlan.objects.filter(pk=plan.pk).update(state=PS.READY)
    client.post(f"/dispatch/plans/{plan.pk}/reject/", {"reason": "改天"})
    plan.refresh_from_db()
    assert plan.state == PS.REJECTED and plan.decision_reason == "改天"


def test_outsiders_get_404(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    make_day(world, orders=1)
    with django_capture_on_commit_callbacks(execute=True):
        world.client("sh_supervisor").post(
            "/dispatch/plans/new/", {"branch": "SH", "day": tomorrow().isoformat(), "time_limit": "1"}
        )
    plan = DispatchPlan.objects.get()
    for name in ("hz_supervisor", "sh_agent", "sh_tech"):
        client = world.client(name)
        assert client.get(f"/dispatch/plans/{plan.pk}/").status_code == 404
        assert client.post(f"/dispatch/plans/{plan.pk}/accept/").status_code == 404
        assert client.get(f"/dispatch/plans/{plan.pk}/export.xlsx").status_code == 404
    assert (
        world.client("hz_supervisor")
        .post("/dispatch/plans/new/", {"branch": "SH", "day": "2030-01-01"})
        .status_code
        == 404
    )
    assert DispatchPlan.objects.get().state == PS.READY
