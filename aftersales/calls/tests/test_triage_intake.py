"""Phone triage on the intake screen: walk the tree, a leaf fills the form, the walk is kept on the call."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceCall, ServiceOrder
from aftersales.catalog.models import ProductModel
from aftersales.conftest import World
from aftersales.installed.models import Unit
from aftersales.installed.services import UnitData, unit_create
from aftersales.triage.models import TriageRun
from aftersales.triage.tests.factories import Tree, build_tree

HTMX = {"HX-Request": "true"}


@pytest.fixture
def t(world: World) -> Tree:
    return build_tree(world)


@pytest.fixture
def unit(world: World) -> Unit:
    admin = world.users["hq_admin"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    return unit_create(
        data=UnitData(
            serial="SN-SH-0001",
            product_model_id=model.pk,
            customer_id=world.sh_customer.pk,
            sold_on=timezone.localdate(),
        ),
        access=access_for(admin),
        by=admin,
    )


def _path(*nodes: object) -> str:
    return ",".join(str(n.pk) for n in nodes)  # type: ignore[attr-defined]


def test_the_panel_takes_the_product_line_of_the_unit(world: World, t: Tree, unit: Unit) -> None:
    body = world.client("sh_agent").get(f"/calls/new/?unit={unit.pk}").content.decode()
    assert 'data-testid="triage-panel"' in body
    assert f'<option value="{world.line.pk}" selected>' in body
    assert f'data-node="{t.root.pk}"' in body and "不能开机" in body


def test_picking_a_unit_with_htmx_also_refreshes_the_panel(world: World, t: Tree, unit: Unit) -> None:
    body = world.client("sh_agent").get(f"/calls/new/?unit={unit.pk}", headers=HTMX).content.decode()
    assert re.search(r'id="triage-panel"[^>]*hx-swap-oob="true"', body)


def test_walking_shows_each_question_and_its_answers(world: World, t: Tree) -> None:
    client = world.client("sh_agent")
    r = client.get(
        "/triage/walk/", {"triage_line": str(world.line.pk), "triage_path": _path(t.root)}, headers=HTMX
    )
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body
    assert "电源指示灯亮吗？" in body
    assert f'data-node="{t.dark.pk}"' in body and f'data-node="{t.lit.pk}"' in body
    assert f'value="{_path(t.root)}" data-testid="triage-path"' in body
    assert "hx-swap-oob" not in body  # nothing filled yet


def test_a_phone_fix_ticks_and_fills_the_resolved_by_phone_block(world: World, t: Tree) -> None:
    client = world.client("sh_agent")
    path = _path(t.root, t.dark, t.switch_off)
    body = client.get(
        "/triage/walk/", {"triage_line": str(world.line.pk), "triage_path": path}, headers=HTMX
    ).content.decode()
    assert 'data-outcome="resolved_by_phone"' in body
    block = body[body.index('id="resolved-by-phone-field"') :]
    assert 'hx-swap-oob="true"' in block[:80]
    assert re.search(r'name="resolved_remotely"[^>]*checked', block)
    assert "请合上电柜内总电源开关" in block and "电源指示灯亮吗？ → 不亮" in block
    assert 'name="triage_filled" value="1"' in body
    # stepping back unticks what the panel ticked
    body = client.get(
        "/triage/walk/",
        {"triage_line": str(world.line.pk), "triage_path": _path(t.root, t.dark), "triage_filled": "1"},
        headers=HTMX,
    ).content.decode()
    block = body[body.index('id="resolved-by-phone-field"') :]
    assert not re.search(r'name="resolved_remotely"[^>]*checked', block)


def test_a_dispatch_leaf_shows_skill_and_parts_and_sets_the_fault_category(world: World, t: Tree) -> None:
    body = (
        world.client("sh_agent")
        .get("/triage/walk/", {"triage_path": _path(t.root, t.dark, t.switch_on)}, headers=HTMX)
        .content.decode()
    )
    assert 'data-outcome="dispatch"' in body
    assert "电气" in body and "P-CNC-PSU" in body
    field = body[body.index('id="fault-category-field"') :]
    assert re.search(rf'<option value="{t.fault.pk}" selected>', field)


def test_registering_a_call_resolved_by_phone_keeps_the_walk(world: World, t: Tree, unit: Unit) -> None:
    client = world.client("sh_agent")
    response = client.post(
        "/calls/new/",
        {
            "customer_id": unit.customer_id,
            "unit_id": unit.pk,
            "channel": "phone",
            "category": "repair",
            "urgency": "normal",
            "fault_description": "不能开机",
            "resolved_remotely": "on",
            "resolution_note": "请合上电柜内总电源开关，等待30秒后按下启动键。",
            "triage_line": world.line.pk,
            "triage_path": _path(t.root, t.dark, t.switch_off),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    call = ServiceCall.objects.get()
    assert call.state == ServiceCall.State.RESOLVED and not ServiceOrder.objects.exists()
    run = TriageRun.objects.get()
    assert run.call == call and run.leaf == t.switch_off and run.product_line == world.line
    assert [s["answer"] for s in run.path] == ["不能开机", "不亮", "未合上"]
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert 'data-testid="triage-run"' in page
    assert (
        "电源指示灯亮吗？ → <strong>不亮</strong>" in page
        and "总电源开关是否合上？ → <strong>未合上</strong>" in page
    )


def test_a_forged_walk_saves_nothing(world: World, t: Tree, unit: Unit) -> None:
    response = world.client("sh_agent").post(
        "/calls/new/",
        {
            "customer_id": unit.customer_id,
            "unit_id": unit.pk,
            "channel": "phone",
            "category": "repair",
            "urgency": "normal",
            "fault_description": "不能开机",
            "triage_path": _path(t.root, t.switch_off),
        },
    )
    assert response.status_code == 400
    assert not ServiceCall.objects.exists() and not TriageRun.objects.exists()


def test_a_call_without_triage_registers_as_before(world: World, t: Tree, unit: Unit) -> None:
    response = world.client("sh_agent").post(
        "/calls/new/",
        {"customer_id": unit.customer_id, "unit_id": unit.pk, "channel": "phone", "category": "repair",
         "urgency": "normal", "fault_description": "主轴不转", "triage_path": ""},
    )  # fmt: skip
    assert response.status_code == 302
    assert ServiceOrder.objects.count() == 1 and not TriageRun.objects.exists()


@pytest.mark.parametrize("name", ["customer", "dealer", "sh_warehouse"])
def test_the_walk_refuses_those_who_do_not_register_calls(world: World, t: Tree, name: str) -> None:
    response = world.client(name).get("/triage/walk/", {"triage_path": _path(t.root)}, headers=HTMX)
    assert response.status_code == 404
