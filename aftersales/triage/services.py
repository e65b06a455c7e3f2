"""Keeping the troubleshooting tree (head office) and recording the walks agents make on calls.

Rules of the tree: a node either asks a question (and has answers: its children) or is a leaf with an
outcome; a dispatch leaf names the skill; a resolved-by-phone leaf has the advice the agent reads; a
node with answers cannot become a leaf; a node never moves under its own branch. Nodes once walked
are retired, not deleted, so old walks still read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from aftersales.access.policy import ALL, Access
from aftersales.audit.services import event_record
from aftersales.calls.models import ServiceCall
from aftersales.calls.selectors import calls_visible
from aftersales.calls.services import register_branches
from aftersales.catalog.models import FaultCategory, Part, ProductLine
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.org.models import Skill, User
from aftersales.triage.models import Outcome, TriageRun, TroubleshootingNode

MAX_DEPTH = 30  # a walk longer than this is a mistake in the tree or a forged path


def can_manage(access: Access) -> bool:
    """The tree is head office's master data: ``triage.manage`` held at head office."""
    return access.branches_for("triage.manage") == ALL


def can_walk(access: Access) -> bool:
    """Everybody who registers calls walks the tree (and those who keep it)."""
    return access.can("calls.register") or can_manage(access)


def manage_check(access: Access) -> None:
    """Refuse unless head office's tree keeper: 403 to those who walk it, 404 to everybody else."""
    if can_manage(access):
        return
    if can_walk(access) or access.can("triage.manage"):
        raise PermissionDenied(
            _("Only the service department at head office keeps the troubleshooting tree.")
        )
    raise NotFound()


@dataclass(frozen=True, kw_only=True)
class NodeData:
    answer: str = ""
    question: str = ""
    outcome: str = ""  # "" (a question), resolved_by_phone or dispatch
    advice: str = ""
    skill_id: int | None = None
    part_ids: list[int] = field(default_factory=list)
    fault_category_id: int | None = None
    product_line_id: int | None = None  # entries (roots) only; answers inherit their entry's line


def _event(kind: str, node: TroubleshootingNode, access: Access, by: User, **kw: Any) -> None:
    event_record(kind=kind, subject=node, actor=by, branch=access.head_office_id, **kw)


def _snapshot(node: TroubleshootingNode) -> dict[str, Any]:
    return {
        "answer": node.answer,
        "question": node.question,
        "outcome": node.outcome,
        "advice": node.advice,
        "skill": node.skill_id,
        "fault_category": node.fault_category_id,
        "parts": sorted(node.parts.values_list("pk", flat=True)) if node.pk else [],
        "product_line": node.product_line_id,
        "parent": node.parent_id,
        "position": node.position,
    }


def _validate(
    data: NodeData, *, parent: TroubleshootingNode | None, node: TroubleshootingNode | None
) -> tuple[Skill | None, FaultCategory | None, list[Part], ProductLine | None]:
    errors: dict[str, list[str]] = {}
    answer, question, advice = data.answer.strip(), data.question.strip(), data.advice.strip()
    if len(answer) > 200:
        errors["answer"] = [_("At most 200 characters.")]
    if len(question) > 300:
        errors["question"] = [_("At most 300 characters.")]
    if parent is not None and not answer:
        errors["answer"] = [_("Give the answer to “%(q)s” that leads here.") % {"q": parent.question}]
    if parent is not None and parent.is_leaf:
        errors["parent"] = [_("The parent is a leaf (it has an outcome): make it a question first.")]
    if parent is not None and not parent.active:
        errors["parent"] = [_("The parent is retired.")]
    if data.outcome and data.outcome not in Outcome.values:
        errors["outcome"] = [_("Allowed: %(v)s") % {"v": ", ".join(["", *Outcome.values])}]
    elif data.outcome:
        if question:
            errors["question"] = [_("Leave the question empty on a leaf: the outcome ends the walk.")]
        if node is not None and node.children.filter(active=True).exists():
            errors["outcome"] = [_("This question has answers: retire them before making it a leaf.")]
        if data.outcome == Outcome.DISPATCH and data.skill_id is None:
            errors["skill_id"] = [_("Say which skill the technician needs.")]
        if data.outcome == Outcome.RESOLVED_BY_PHONE and not advice:
            errors["advice"] = [_("Write what the agent tells the customer to do.")]
    elif not question:
        errors["question"] = [_("Ask a question, or choose an outcome to make this a leaf.")]
    skill = fault = line = None
    parts: list[Part] = []
    if data.outcome == Outcome.DISPATCH and data.skill_id is not None:
        skill = Skill.objects.filter(pk=data.skill_id).first()
        if skill is None:
            errors["skill_id"] = [_("Unknown skill.")]
    if data.outcome and data.fault_category_id is not None:
        fault = FaultCategory.objects.filter(pk=data.fault_category_id, active=True).first()
        if fault is None:
            errors["fault_category_id"] = [_("Unknown fault category.")]
    if data.outcome == Outcome.DISPATCH and data.part_ids:
        ids = sorted(set(data.part_ids))
        parts = list(Part.objects.filter(pk__in=ids, active=True))
        if len(parts) != len(ids):
            errors["part_ids"] = [_("Unknown or inactive part.")]
    if parent is None and data.product_line_id is not None:
        line = ProductLine.objects.filter(pk=data.product_line_id).first()
        if line is None:
            errors["product_line_id"] = [_("Unknown product line.")]
    InvalidInput.check(errors)
    return skill, fault, parts, line


def _apply(
    node: TroubleshootingNode,
    data: NodeData,
    skill: Skill | None,
    fault: FaultCategory | None,
) -> None:
    node.answer = data.answer.strip()
    node.question = "" if data.outcome else data.question.strip()
    node.outcome = data.outcome
    node.advice = data.advice.strip() if data.outcome else ""
    node.skill = skill if data.outcome == Outcome.DISPATCH else None
    node.fault_category = fault if data.outcome else None


def _next_position(parent_id: int | None, product_line_id: int | None) -> int:
    siblings = TroubleshootingNode.objects.filter(parent_id=parent_id)
    if parent_id is None:
        siblings = siblings.filter(product_line_id=product_line_id)
    top = siblings.aggregate(m=Max("position"))["m"]
    return 0 if top is None else top + 1


def _locked(node_id: int) -> TroubleshootingNode:
    node = TroubleshootingNode.objects.select_for_update().filter(pk=node_id).first()
    if node is None:
        raise NotFound()
    return node


@transaction.atomic
def node_create(*, parent_id: int | None, data: NodeData, access: Access, by: User) -> TroubleshootingNode:
    """Add an entry question (no parent) or an answer under a question."""
    manage_check(access)
    parent = _locked(parent_id) if parent_id is not None else None
    skill, fault, parts, line = _validate(data, parent=parent, node=None)
    node = TroubleshootingNode(parent=parent, product_line=parent.product_line if parent else line)
    _apply(node, data, skill, fault)
    node.position = _next_position(parent.pk if parent else None, node.product_line_id)
    node.save()
    if data.outcome == Outcome.DISPATCH:
        node.parts.set(parts)
    _event("created", node, access, by, to_value=node.outcome or "question", data=_snapshot(node))
    return node


@transaction.atomic
def node_update(*, node_id: int, data: NodeData, access: Access, by: User) -> TroubleshootingNode:
    """Change a node's wording or outcome (its place in the tree moves with :func:`node_move`)."""
    manage_check(access)
    node = _locked(node_id)
    before = _snapshot(node)
    skill, fault, parts, line = _validate(data, parent=node.parent, node=node)
    _apply(node, data, skill, fault)
    if node.parent_id is None and line != node.product_line:
        node.product_line = line
        _subtree_qs(node).update(product_line=line)
    node.save()
    node.parts.set(parts if data.outcome == Outcome.DISPATCH else [])
    after = _snapshot(node)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changed:
        _event("updated", node, access, by, data=changed)
    return node


def _subtree_ids(node: TroubleshootingNode) -> list[int]:
    """Ids below ``node`` (not itself), breadth first; the tree is small, one query per level."""
    found: list[int] = []
    level = [node.pk]
    for _depth in range(MAX_DEPTH * 4):
        level = list(TroubleshootingNode.objects.filter(parent_id__in=level).values_list("pk", flat=True))
        if not level:
            break
        found.extend(level)
    return found


def _subtree_qs(node: TroubleshootingNode) -> Any:
    return TroubleshootingNode.objects.filter(pk__in=_subtree_ids(node))


_KEEP: Any = object()


@transaction.atomic
def node_move(
    *,
    node_id: int,
    position: int,
    parent_id: int | None = _KEEP,
    access: Access,
    by: User,
) -> TroubleshootingNode:
    """Put a node at ``position`` (0 = first) among its siblings, optionally under another parent."""
    manage_check(access)
    node = _locked(node_id)
    old = (node.parent_id, node.position)
    parent = node.parent
    if parent_id is not _KEEP and parent_id != node.parent_id:
        parent = _locked(parent_id) if parent_id is not None else None
        errors: dict[str, list[str]] = {}
        if parent is not None:
            if parent.pk == node.pk or parent.pk in _subtree_ids(node):
                errors["parent_id"] = [_("A node cannot move under itself or its own answers.")]
            elif parent.is_leaf:
                errors["parent_id"] = [_("The new parent is a leaf (it has an outcome).")]
            elif not parent.active:
                errors["parent_id"] = [_("The new parent is retired.")]
            elif not node.answer:
                errors["answer"] = [_("Give the node an answer label before moving it under a question.")]
        InvalidInput.check(errors)
        node.parent = parent
        if parent is not None and parent.product_line_id != node.product_line_id:
            node.product_line_id = parent.product_line_id
            _subtree_qs(node).update(product_line_id=parent.product_line_id)
    if position < 0:
        raise InvalidInput(_("position: 0 or more."), fields={"position": [_("0 or more.")]})
    siblings_qs = TroubleshootingNode.objects.filter(parent=parent).exclude(pk=node.pk)
    if parent is None:
        siblings_qs = siblings_qs.filter(product_line_id=node.product_line_id)
    siblings = list(siblings_qs.select_for_update().order_by("position", "pk"))
    siblings.insert(min(position, len(siblings)), node)
    for i, sibling in enumerate(siblings):
        if sibling.position != i or sibling.pk == node.pk:
            sibling.position = i
            sibling.save(update_fields=["position", "parent", "product_line", "updated_at"])
    if (node.parent_id, node.position) != old:
        _event(
            "moved",
            node,
            access,
            by,
            from_value=f"{old[0] or '-'}:{old[1]}",
            to_value=f"{node.parent_id or '-'}:{node.position}",
        )
    return node


@transaction.atomic
def node_retire(*, node_id: int, access: Access, by: User, reason: str = "") -> TroubleshootingNode:
    """Take a node and everything below it out of the walk; old walks still show it."""
    manage_check(access)
    node = _locked(node_id)
    if not node.active:
        return node
    below = _subtree_ids(node)
    node.active = False
    node.save(update_fields=["active", "updated_at"])
    TroubleshootingNode.objects.filter(pk__in=below, active=True).update(active=False)
    _event(
        "deactivated", node, access, by, from_value="active", to_value="retired",
        data={"with": below}, reason=reason,
    )  # fmt: skip
    return node


@transaction.atomic
def node_restore(*, node_id: int, access: Access, by: User) -> TroubleshootingNode:
    """Bring a retired node back (alone: its answers are restored one by one)."""
    manage_check(access)
    node = _locked(node_id)
    if node.active:
        return node
    if node.parent is not None and not node.parent.active:
        raise InvalidInput(
            _("parent: restore the parent question first."), fields={"parent": [_("The parent is retired.")]}
        )
    if node.parent is not None and node.parent.is_leaf:
        raise InvalidInput(
            _("parent: the parent is now a leaf."), fields={"parent": [_("The parent is a leaf.")]}
        )
    node.active = True
    node.save(update_fields=["active", "updated_at"])
    _event("activated", node, access, by, from_value="retired", to_value="active")
    return node


# --------------------------------------------------------------------------- walks


def path_nodes(node_ids: list[int]) -> list[TroubleshootingNode]:
    """The nodes of a walk, checked: it starts at an entry and each step is an answer of the last."""
    if len(node_ids) > MAX_DEPTH:
        raise InvalidInput(_("triage_path: too long."), fields={"triage_path": [_("Too many steps.")]})
    found = {n.pk: n for n in TroubleshootingNode.objects.filter(pk__in=node_ids)}
    nodes: list[TroubleshootingNode] = []
    for i, pk in enumerate(node_ids):
        node = found.get(pk)
        expected_parent = nodes[-1].pk if nodes else None
        if node is None or node.parent_id != expected_parent:
            message = _("Step %(n)d does not follow from the step before; start the triage again.") % {
                "n": i + 1
            }
            raise InvalidInput(f"triage_path: {message}", fields={"triage_path": [message]})
        nodes.append(node)
    return nodes


def path_steps(nodes: list[TroubleshootingNode]) -> list[dict[str, Any]]:
    """[{node, question, answer}]: each node reached, the question that led to it, the answer given."""
    steps = []
    for i, node in enumerate(nodes):
        question = nodes[i - 1].question if i else ""
        steps.append({"node": node.pk, "question": question, "answer": node.answer})
    return steps


def parse_path(raw: str) -> list[int]:
    """``"12,15,19"`` → ``[12, 15, 19]``; anything else → an error naming the field."""
    raw = (raw or "").strip()
    if not raw:
        return []
    parts = [p.strip() for p in raw.split(",")]
    if not all(p.isdigit() for p in parts):
        message = _("Node ids separated by commas.")
        raise InvalidInput(f"triage_path: {message}", fields={"triage_path": [message]})
    return [int(p) for p in parts]


@transaction.atomic
def triage_record(
    *,
    node_ids: list[int],
    call_id: int | None = None,
    product_line_id: int | None = None,
    access: Access,
    by: User,
) -> TriageRun:
    """Record a walk, linked to the call it was made for (register the call first, same transaction)."""
    if not can_walk(access):
        raise NotFound()
    call: ServiceCall | None = None
    if call_id is not None:
        call = calls_visible(access=access).filter(pk=call_id).first()
        if call is None:
            raise NotFound()
        branches = register_branches(access)
        if branches != ALL and call.branch_id not in branches:
            raise PermissionDenied()
    if not node_ids:
        message = _("Walk at least one question.")
        raise InvalidInput(f"triage_path: {message}", fields={"triage_path": [message]})
    nodes = path_nodes(node_ids)
    line = nodes[0].product_line
    if product_line_id is not None:
        chosen = ProductLine.objects.filter(pk=product_line_id).first()
        if chosen is None or (line is not None and line.pk != chosen.pk):
            message = _("The walk does not belong to this product line.")
            raise InvalidInput(f"product_line_id: {message}", fields={"product_line_id": [message]})
        line = chosen
    leaf = nodes[-1] if nodes[-1].is_leaf else None
    run = TriageRun.objects.create(
        branch_id=call.branch_id if call is not None else getattr(by, "home_branch_id", None),
        call=call,
        product_line=line,
        path=path_steps(nodes),
        leaf=leaf,
        outcome=leaf.outcome if leaf else "",
        advice=leaf.advice if leaf else "",
        created_by=by,
    )
    event_record(
        kind="triaged",
        subject=call if call is not None else run,
        actor=by,
        branch=run.branch_id,
        to_value=run.outcome or "unfinished",
        data={"run": run.pk, "path": run.path, "leaf": leaf.pk if leaf else None},
    )
    return run
