"""``/api/v1/triage``: read the troubleshooting tree, keep it (head office), record walks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from aftersales.access.policy import Access, access_for
from aftersales.api.requests import request_user
from aftersales.common.errors import NotFound
from aftersales.org.models import User
from aftersales.triage.models import TriageRun, TroubleshootingNode
from aftersales.triage.selectors import TreeNode, tree
from aftersales.triage.services import (
    NodeData,
    can_manage,
    can_walk,
    manage_check,
    node_create,
    node_move,
    node_restore,
    node_retire,
    node_update,
    triage_record,
)

router = Router(tags=["triage"])


class NodeOut(Schema):
    id: int
    parent_id: int | None
    product_line_id: int | None
    answer: str
    question: str
    outcome: str
    advice: str
    skill_id: int | None
    skill: str | None
    part_ids: list[int]
    fault_category_id: int | None
    position: int
    active: bool
    children: list[NodeOut] = []


NodeOut.model_rebuild()


class NodeIn(Schema):
    parent_id: int | None = None
    product_line_id: int | None = None
    answer: str = ""
    question: str = ""
    outcome: str = ""
    advice: str = ""
    skill_id: int | None = None
    part_ids: list[int] = []
    fault_category_id: int | None = None


class NodePatch(Schema):
    """Only the fields sent change; ``parent_id``/``position`` move the node, ``active`` retires it."""

    parent_id: int | None = None
    product_line_id: int | None = None
    answer: str | None = None
    question: str | None = None
    outcome: str | None = None
    advice: str | None = None
    skill_id: int | None = None
    part_ids: list[int] | None = None
    fault_category_id: int | None = None
    position: int | None = None
    active: bool | None = None


class RunIn(Schema):
    node_ids: list[int]
    call_id: int | None = None
    product_line_id: int | None = None


class RunOut(Schema):
    id: int
    call_id: int | None
    product_line_id: int | None
    path: list[dict[str, Any]]
    leaf_id: int | None
    outcome: str
    advice: str
    created_at: dt.datetime


def _node_out(node: TroubleshootingNode, children: list[TreeNode] | None = None) -> dict[str, Any]:
    return {
        "id": node.pk,
        "parent_id": node.parent_id,
        "product_line_id": node.product_line_id,
        "answer": node.answer,
        "question": node.question,
        "outcome": node.outcome,
        "advice": node.advice,
        "skill_id": node.skill_id,
        "skill": node.skill.name if node.skill_id and node.skill else None,
        "part_ids": sorted(p.pk for p in node.parts.all()),
        "fault_category_id": node.fault_category_id,
        "position": node.position,
        "active": node.active,
        "children": [_node_out(c.node, c.children) for c in children or []],
    }


def _run_out(run: TriageRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "call_id": run.call_id,
        "product_line_id": run.product_line_id,
        "path": run.path,
        "leaf_id": run.leaf_id,
        "outcome": run.outcome,
        "advice": run.advice,
        "created_at": run.created_at,
    }


@router.get("/tree", response=list[NodeOut])
def triage_tree(request: HttpRequest, product_line: int | None = None, include_retired: bool = False) -> Any:
    """The entries of a product line (none given: those for every line), each with its answers."""
    access = access_for(request.user)
    if not can_walk(access):
        raise NotFound()
    items = tree(product_line_id=product_line, include_retired=include_retired and can_manage(access))
    return [_node_out(i.node, i.children) for i in items]


@router.post("/nodes", response={201: NodeOut})
def triage_node_create(request: HttpRequest, payload: NodeIn) -> Any:
    access = access_for(request.user)
    data = NodeData(**payload.dict(exclude={"parent_id"}))
    node = node_create(parent_id=payload.parent_id, data=data, access=access, by=request_user(request))
    return Status(201, _node_out(node))


@router.patch("/nodes/{node_id}", response=NodeOut)
def triage_node_patch(request: HttpRequest, node_id: int, payload: NodePatch) -> Any:
    access = access_for(request.user)
    by = request_user(request)
    sent = payload.dict(exclude_unset=True)
    manage_check(access)
    node = TroubleshootingNode.objects.filter(pk=node_id).first()
    if node is None:
        raise NotFound()
    with transaction.atomic():  # all the changes sent, or none
        _patch(node, sent, access=access, by=by)
    return _node_out(TroubleshootingNode.objects.select_related("skill").get(pk=node_id))


def _patch(node: TroubleshootingNode, sent: dict[str, Any], *, access: Access, by: User) -> None:
    node_id = node.pk
    content = {"answer", "question", "outcome", "advice", "skill_id", "part_ids", "fault_category_id"}
    if content & sent.keys() or "product_line_id" in sent:
        current: dict[str, Any] = {
            "answer": node.answer,
            "question": node.question,
            "outcome": node.outcome,
            "advice": node.advice,
            "skill_id": node.skill_id,
            "part_ids": list(node.parts.values_list("pk", flat=True)),
            "fault_category_id": node.fault_category_id,
            "product_line_id": node.product_line_id,
        }
        current.update({k: v for k, v in sent.items() if k in current})
        node_update(node_id=node_id, data=NodeData(**current), access=access, by=by)
    if "parent_id" in sent or "position" in sent:
        kwargs: dict[str, Any] = {"parent_id": sent["parent_id"]} if "parent_id" in sent else {}
        position = sent.get("position")
        node_move(
            node_id=node_id,
            position=position if position is not None else 10**6,
            access=access,
            by=by,
            **kwargs,
        )
    if sent.get("active") is False:
        node_retire(node_id=node_id, access=access, by=by)
    elif sent.get("active") is True:
        node_restore(node_id=node_id, access=access, by=by)


@router.post("/runs", response={201: RunOut})
def triage_run_create(request: HttpRequest, payload: RunIn) -> Any:
    """Record a walk (with ``call_id``: on that call; the call must be one the person registers for)."""
    run = triage_record(
        node_ids=payload.node_ids,
        call_id=payload.call_id,
        product_line_id=payload.product_line_id,
        access=access_for(request.user),
        by=request_user(request),
    )
    return Status(201, _run_out(run))
