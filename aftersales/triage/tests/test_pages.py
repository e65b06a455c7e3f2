"""The tree editor (/triage/): head office keeps it; add, edit, reorder, retire with htmx; field errors."""

from __future__ import annotations

import pytest

from aftersales.conftest import World
from aftersales.triage.models import TroubleshootingNode
from aftersales.triage.tests.factories import Tree, build_tree

HTMX = {"HX-Request": "true"}


@pytest.fixture
def t(world: World) -> Tree:
    return build_tree(world)


def test_the_editor_shows_the_nested_tree(world: World, t: Tree) -> None:
    client = world.client("hq_supervisor")
    response = client.get(f"/triage/?line={world.line.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    for node in (t.root, t.dark, t.switch_off, t.switch_on, t.lit):
        assert f'data-node="{node.pk}"' in body
    assert "电源指示灯亮吗？" in body and "请合上电柜内总电源开关" in body and "电源板" in body
    assert body.index(f'data-node="{t.dark.pk}"') < body.index(f'data-node="{t.switch_off.pk}"')


@pytest.mark.parametrize("name", ["sh_agent", "sh_manager", "hz_supervisor", "customer", "sh_tech"])
def test_the_editor_is_not_there_for_others(world: World, t: Tree, name: str) -> None:
    client = world.client(name)
    assert client.get("/triage/").status_code == 404
    assert client.get(f"/triage/nodes/{t.root.pk}/edit/").status_code == 404
    assert client.post(f"/triage/nodes/{t.root.pk}/retire/").status_code == 404
    t.root.refresh_from_db()
    assert t.root.active


def test_anonymous_is_sent_to_sign_in(t: Tree) -> None:
    from django.test import Client

    assert Client().get("/triage/").status_code == 302


def test_adding_an_answer_with_htmx_returns_the_tree(world: World, t: Tree) -> None:
    client = world.client("hq_supervisor")
    form = client.get(f"/triage/nodes/new/?parent={t.lit.pk}", headers=HTMX)  # a leaf: form still opens
    assert form.status_code == 200
    response = client.post(
        "/triage/nodes/new/",
        {"parent": t.dark.pk, "answer": "跳闸", "outcome": "resolved_by_phone", "advice": "复位漏电开关。"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#tree"
    node = TroubleshootingNode.objects.get(answer="跳闸")
    assert node.parent == t.dark and node.product_line == world.line and node.position == 2
    assert f'data-node="{node.pk}"' in response.content.decode()


def test_field_errors_come_back_in_the_form(world: World, t: Tree) -> None:
    client = world.client("hq_supervisor")
    response = client.post(
        "/triage/nodes/new/", {"parent": t.dark.pk, "answer": "冒烟", "outcome": "dispatch"}, headers=HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#slot-{t.dark.pk}"
    body = response.content.decode()
    assert 'data-field="skill_id"' in body and "is-invalid" in body
    assert not TroubleshootingNode.objects.filter(answer="冒烟").exists()
    # without htmx: the whole page, status 400
    response = client.post(
        "/triage/nodes/new/", {"parent": t.dark.pk, "answer": "冒烟", "outcome": "dispatch"}
    )
    assert response.status_code == 400 and 'data-field="skill_id"' in response.content.decode()


def test_edit_an_entry_question(world: World, t: Tree) -> None:
    client = world.client("hq_supervisor")
    form = client.get(f"/triage/nodes/{t.root.pk}/edit/", headers=HTMX)
    assert "电源指示灯亮吗？" in form.content.decode()
    response = client.post(
        f"/triage/nodes/{t.root.pk}/edit/",
        {"product_line_id": world.line.pk, "answer": "无法开机", "outcome": "", "question": "电源灯亮吗？"},
    )
    assert response.status_code == 302
    t.root.refresh_from_db()
    assert (t.root.answer, t.root.question) == ("无法开机", "电源灯亮吗？")


def test_reorder_and_retire(world: World, t: Tree) -> None:
    client = world.client("hq_supervisor")
    response = client.post(f"/triage/nodes/{t.lit.pk}/up/", headers=HTMX)
    assert response.status_code == 200
    assert list(t.root.children.order_by("position").values_list("pk", flat=True)) == [t.lit.pk, t.dark.pk]
    response = client.post(f"/triage/nodes/{t.dark.pk}/retire/", headers=HTMX)
    body = response.content.decode()
    assert f'data-node="{t.dark.pk}"' not in body and f'data-node="{t.lit.pk}"' in body
    body = client.get(f"/triage/?line={world.line.pk}&retired=1").content.decode()
    assert f'data-node="{t.dark.pk}"' in body and 'data-testid="restore"' in body
    client.post(f"/triage/nodes/{t.dark.pk}/restore/", headers=HTMX)
    t.dark.refresh_from_db()
    assert t.dark.active
