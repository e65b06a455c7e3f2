"""The tree's rules: leaves, skills, no answers under a leaf, no cycles, retire; recording a walk."""

from __future__ import annotations

import pytest

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.calls.services import CallData, call_register
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.conftest import World
from aftersales.triage.models import Outcome, TriageRun, TroubleshootingNode
from aftersales.triage.selectors import tree, walk
from aftersales.triage.services import (
    NodeData,
    node_create,
    node_move,
    node_restore,
    node_retire,
    node_update,
    triage_record,
)
from aftersales.triage.tests.factories import Tree, build_tree, hq_supervisor


@pytest.fixture
def t(world: World) -> Tree:
    return build_tree(world)


def _errors(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, list[str]]:
    return exc.value.fields


def test_the_tree_reads_in_order_with_answers_nested(t: Tree, world: World) -> None:
    items = tree(product_line_id=world.line.pk)
    assert [i.node.pk for i in items] == [t.root.pk]
    assert [c.node.answer for c in items[0].children] == ["不亮", "亮"]
    assert [c.node.answer for c in items[0].children[0].children] == ["未合上", "已合上"]
    assert Event.objects.filter(
        kind="created", subject_type="triage.troubleshootingnode", subject_id=t.root.pk
    ).exists()


def test_a_leaf_needs_an_outcome_or_a_question(t: Tree) -> None:
    access = access_for(t.keeper)
    with pytest.raises(InvalidInput) as exc:
        node_create(parent_id=t.dark.pk, data=NodeData(answer="不知道"), access=access, by=t.keeper)
    assert "question" in _errors(exc)
    with pytest.raises(InvalidInput) as exc:
        node_create(
            parent_id=t.dark.pk,
            data=NodeData(answer="x", question="还要问？", outcome=Outcome.RESOLVED_BY_PHONE, advice="a"),
            access=access,
            by=t.keeper,
        )
    assert "question" in _errors(exc)


def test_a_dispatch_leaf_needs_a_skill_and_a_phone_fix_needs_advice(t: Tree) -> None:
    access = access_for(t.keeper)
    with pytest.raises(InvalidInput) as exc:
        node_create(
            parent_id=t.dark.pk,
            data=NodeData(answer="冒烟", outcome=Outcome.DISPATCH),
            access=access,
            by=t.keeper,
        )
    assert "skill_id" in _errors(exc)
    with pytest.raises(InvalidInput) as exc:
        node_create(
            parent_id=t.dark.pk,
            data=NodeData(answer="冒烟", outcome=Outcome.RESOLVED_BY_PHONE),
            access=access,
            by=t.keeper,
        )
    assert "advice" in _errors(exc)
    with pytest.raises(InvalidInput) as exc:
        node_create(
            parent_id=t.dark.pk, data=NodeData(answer="冒烟", outcome="teleport"), access=access, by=t.keeper
        )
    assert "outcome" in _errors(exc)
    assert TroubleshootingNode.objects.filter(answer="冒烟").count() == 0


def test_an_answer_needs_its_label_and_a_leaf_takes_no_answers(t: Tree) -> None:
    access = access_for(t.keeper)
    with pytest.raises(InvalidInput) as exc:
        node_create(parent_id=t.dark.pk, data=NodeData(question="再问一个？"), access=access, by=t.keeper)
    assert "answer" in _errors(exc)
    with pytest.raises(InvalidInput) as exc:
        node_create(parent_id=t.lit.pk, data=NodeData(answer="a", question="b？"), access=access, by=t.keeper)
    assert "parent" in _errors(exc)


def test_a_question_with_answers_cannot_become_a_leaf(t: Tree) -> None:
    with pytest.raises(InvalidInput) as exc:
        node_update(
            node_id=t.dark.pk,
            data=NodeData(answer="不亮", outcome=Outcome.DISPATCH, skill_id=t.skill.pk),
            access=access_for(t.keeper),
            by=t.keeper,
        )
    assert "outcome" in _errors(exc)
    t.dark.refresh_from_db()
    assert t.dark.question == "总电源开关是否合上？" and t.dark.outcome == ""


def test_update_records_what_changed(t: Tree) -> None:
    node_update(
        node_id=t.lit.pk,
        data=NodeData(
            answer="亮（绿色）", outcome=Outcome.DISPATCH, skill_id=t.skill.pk, part_ids=[t.part.pk]
        ),
        access=access_for(t.keeper),
        by=t.keeper,
    )
    t.lit.refresh_from_db()
    assert t.lit.answer == "亮（绿色）" and list(t.lit.parts.all()) == [t.part]
    event = Event.objects.get(kind="updated", subject_type="triage.troubleshootingnode", subject_id=t.lit.pk)
    assert event.data["answer"] == ["亮", "亮（绿色）"]


def test_move_reorders_siblings_and_refuses_cycles(t: Tree) -> None:
    access = access_for(t.keeper)
    node_move(node_id=t.lit.pk, position=0, access=access, by=t.keeper)
    assert list(t.root.children.order_by("position").values_list("pk", flat=True)) == [t.lit.pk, t.dark.pk]
    with pytest.raises(InvalidInput) as exc:
        node_move(node_id=t.root.pk, position=0, parent_id=t.dark.pk, access=access, by=t.keeper)
    assert "parent_id" in _errors(exc)
    with pytest.raises(InvalidInput):
        node_move(node_id=t.dark.pk, position=0, parent_id=t.dark.pk, access=access, by=t.keeper)
    with pytest.raises(InvalidInput):  # under a leaf
        node_move(node_id=t.dark.pk, position=0, parent_id=t.lit.pk, access=access, by=t.keeper)
    t.root.refresh_from_db()
    assert t.root.parent_id is None


def test_retire_takes_out_the_branch_and_restore_brings_back_one_node(t: Tree, world: World) -> None:
    access = access_for(t.keeper)
    node_retire(node_id=t.dark.pk, access=access, by=t.keeper)
    assert not TroubleshootingNode.objects.filter(
        pk__in=[t.dark.pk, t.switch_off.pk, t.switch_on.pk], active=True
    )
    assert [c.node.pk for c in tree(product_line_id=world.line.pk)[0].children] == [t.lit.pk]
    with pytest.raises(InvalidInput):  # its parent is retired
        node_restore(node_id=t.switch_off.pk, access=access, by=t.keeper)
    node_restore(node_id=t.dark.pk, access=access, by=t.keeper)
    t.dark.refresh_from_db()
    t.switch_off.refresh_from_db()
    assert t.dark.active and not t.switch_off.active
    # a question whose answers are all retired may become a leaf
    node_update(
        node_id=t.dark.pk,
        data=NodeData(answer="不亮", outcome=Outcome.DISPATCH, skill_id=t.skill.pk),
        access=access,
        by=t.keeper,
    )
    assert Event.objects.filter(
        kind="deactivated", subject_type="triage.troubleshootingnode", subject_id=t.dark.pk
    ).exists()


@pytest.mark.parametrize("name", ["sh_agent", "sh_manager", "sh_supervisor"])
def test_only_head_office_keeps_the_tree(t: Tree, world: World, name: str) -> None:
    user = world.users[name]
    with pytest.raises(PermissionDenied):
        node_create(parent_id=None, data=NodeData(question="?"), access=access_for(user), by=user)
    with pytest.raises(PermissionDenied):
        node_retire(node_id=t.root.pk, access=access_for(user), by=user)


def test_outsiders_do_not_even_see_the_tree(t: Tree, world: World) -> None:
    user = world.users["customer"]
    with pytest.raises(NotFound):
        node_update(node_id=t.root.pk, data=NodeData(question="?"), access=access_for(user), by=user)
    with pytest.raises(NotFound):
        triage_record(node_ids=[t.root.pk], access=access_for(user), by=user)


def test_admin_and_hq_supervisor_keep_the_tree(world: World) -> None:
    for user in (world.users["hq_admin"], hq_supervisor(world)):
        node_create(
            parent_id=None,
            data=NodeData(question=f"{user.username}?", product_line_id=world.line.pk),
            access=access_for(user),
            by=user,
        )
    assert TroubleshootingNode.objects.count() == 2


def _call(world: World) -> int:
    agent = world.users["sh_agent"]
    result = call_register(
        data=CallData(customer_id=world.sh_customer.pk, fault_description="不能开机"),
        access=access_for(agent),
        by=agent,
    )
    return result.call.pk


def test_a_walk_is_recorded_on_the_call_with_questions_and_answers(t: Tree, world: World) -> None:
    agent = world.users["sh_agent"]
    call_id = _call(world)
    run = triage_record(
        node_ids=[t.root.pk, t.dark.pk, t.switch_off.pk],
        call_id=call_id,
        product_line_id=world.line.pk,
        access=access_for(agent),
        by=agent,
    )
    assert run.leaf == t.switch_off and run.outcome == Outcome.RESOLVED_BY_PHONE
    assert run.path == [
        {"node": t.root.pk, "question": "", "answer": "不能开机"},
        {"node": t.dark.pk, "question": "电源指示灯亮吗？", "answer": "不亮"},
        {"node": t.switch_off.pk, "question": "总电源开关是否合上？", "answer": "未合上"},
    ]
    assert run.summary.startswith("不能开机；电源指示灯亮吗？ → 不亮；总电源开关是否合上？ → 未合上")
    assert Event.objects.filter(kind="triaged", subject_type="calls.servicecall", subject_id=call_id).exists()


def test_a_forged_path_is_refused(t: Tree, world: World) -> None:
    agent = world.users["sh_agent"]
    call_id = _call(world)
    for ids in ([t.dark.pk], [t.root.pk, t.switch_off.pk], [t.root.pk, 999999]):
        with pytest.raises(InvalidInput) as exc:
            triage_record(node_ids=ids, call_id=call_id, access=access_for(agent), by=agent)
        assert "triage_path" in _errors(exc)
    assert TriageRun.objects.count() == 0


def test_a_walk_cannot_be_put_on_another_branchs_call(t: Tree, world: World) -> None:
    call_id = _call(world)
    other = world.users["hz_agent"]
    with pytest.raises(NotFound):
        triage_record(node_ids=[t.root.pk], call_id=call_id, access=access_for(other), by=other)


def test_the_walk_state_offers_the_answers_of_the_current_question(t: Tree, world: World) -> None:
    state = walk(product_line_id=world.line.pk, node_ids=[])
    assert [n.pk for n in state.choices] == [t.root.pk]
    state = walk(product_line_id=world.line.pk, node_ids=[t.root.pk])
    assert [n.pk for n in state.choices] == [t.dark.pk, t.lit.pk]
    state = walk(product_line_id=world.line.pk, node_ids=[t.root.pk, t.dark.pk, t.switch_on.pk])
    assert state.leaf == t.switch_on and state.choices == [] and state.back == f"{t.root.pk},{t.dark.pk}"
    state = walk(product_line_id=world.line.pk, node_ids=[t.root.pk, t.switch_on.pk])  # stale: start over
    assert state.nodes == [] and state.error
