"""/api/v1/triage: the tree for those who walk it, changes for head office, runs on one's own calls."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from aftersales.access.policy import access_for
from aftersales.calls.services import CallData, call_register
from aftersales.conftest import World
from aftersales.triage.models import TriageRun, TroubleshootingNode
from aftersales.triage.tests.factories import Tree, build_tree

JSON = "application/json"


@pytest.fixture
def t(world: World) -> Tree:
    return build_tree(world)


def _sh_call(world: World) -> int:
    agent = world.users["sh_agent"]
    return call_register(
        data=CallData(customer_id=world.sh_customer.pk, fault_description="不能开机"),
        access=access_for(agent),
        by=agent,
    ).call.pk


def test_the_tree_comes_nested(api: Any, world: World, t: Tree) -> None:
    response = api("sh_agent").get(f"/api/v1/triage/tree?product_line={world.line.pk}")
    assert response.status_code == 200, response.content
    [root] = response.json()
    assert root["question"] == "电源指示灯亮吗？"
    dark = root["children"][0]
    assert [c["answer"] for c in dark["children"]] == ["未合上", "已合上"]
    assert dark["children"][1]["skill"] == "电气" and dark["children"][1]["part_ids"] == [t.part.pk]


def test_the_tree_refuses_outsiders(api: Any, world: World, t: Tree) -> None:
    assert Client().get("/api/v1/triage/tree").status_code == 401
    assert api("customer").get(f"/api/v1/triage/tree?product_line={world.line.pk}").status_code == 404
    assert api("sh_warehouse").get(f"/api/v1/triage/tree?product_line={world.line.pk}").status_code == 404


def test_head_office_adds_and_changes_nodes(api: Any, world: World, t: Tree) -> None:
    client = api("hq_supervisor")
    response = client.post(
        "/api/v1/triage/nodes",
        {
            "parent_id": t.dark.pk,
            "answer": "跳闸",
            "outcome": "resolved_by_phone",
            "advice": "复位漏电开关。",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    node_id = response.json()["id"]
    response = client.patch(
        f"/api/v1/triage/nodes/{node_id}",
        {"advice": "复位漏电开关后重新启动。", "position": 0},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json()["advice"] == "复位漏电开关后重新启动。" and response.json()["position"] == 0
    response = client.patch(f"/api/v1/triage/nodes/{t.root.pk}", {"parent_id": t.dark.pk}, content_type=JSON)
    assert response.status_code == 400 and "parent_id" in response.json()["fields"]
    response = client.patch(f"/api/v1/triage/nodes/{node_id}", {"active": False}, content_type=JSON)
    assert response.json()["active"] is False


def test_a_bad_node_names_the_field(api: Any, t: Tree) -> None:
    response = api("hq_supervisor").post(
        "/api/v1/triage/nodes",
        {"parent_id": t.dark.pk, "answer": "冒烟", "outcome": "dispatch"},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert "skill_id" in response.json()["fields"]


def test_node_changes_refuse_outsiders(api: Any, world: World, t: Tree) -> None:
    body = {"parent_id": t.dark.pk, "answer": "x", "question": "y？"}
    assert Client().post("/api/v1/triage/nodes", body, content_type=JSON).status_code == 401
    assert api("customer").post("/api/v1/triage/nodes", body, content_type=JSON).status_code == 404
    assert api("sh_agent").post("/api/v1/triage/nodes", body, content_type=JSON).status_code == 403
    assert api("sh_manager").post("/api/v1/triage/nodes", body, content_type=JSON).status_code == 403
    patch = {"question": "改了？"}
    assert Client().patch(f"/api/v1/triage/nodes/{t.root.pk}", patch, content_type=JSON).status_code == 401
    assert (
        api("customer").patch(f"/api/v1/triage/nodes/{t.root.pk}", patch, content_type=JSON).status_code
        == 404
    )
    assert (
        api("hz_agent").patch(f"/api/v1/triage/nodes/{t.root.pk}", patch, content_type=JSON).status_code
        == 403
    )
    assert TroubleshootingNode.objects.filter(answer="x").count() == 0
    t.root.refresh_from_db()
    assert t.root.question == "电源指示灯亮吗？"


def test_an_agent_records_a_run_on_a_call(api: Any, world: World, t: Tree) -> None:
    call_id = _sh_call(world)
    response = api("sh_agent").post(
        "/api/v1/triage/runs",
        {"node_ids": [t.root.pk, t.dark.pk, t.switch_on.pk], "call_id": call_id},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "dispatch" and response.json()["leaf_id"] == t.switch_on.pk
    assert TriageRun.objects.get().call_id == call_id


def test_runs_refuse_outsiders(api: Any, world: World, t: Tree) -> None:
    call_id = _sh_call(world)
    body = {"node_ids": [t.root.pk], "call_id": call_id}
    assert Client().post("/api/v1/triage/runs", body, content_type=JSON).status_code == 401
    assert api("hz_agent").post("/api/v1/triage/runs", body, content_type=JSON).status_code == 404
    assert api("customer").post("/api/v1/triage/runs", body, content_type=JSON).status_code == 404
    assert TriageRun.objects.count() == 0
