"""Reading the troubleshooting tree: the editor's nested tree, the agent's walk, a call's walks."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from aftersales.catalog.models import ProductLine
from aftersales.common.errors import DomainError
from aftersales.triage.models import TriageRun, TroubleshootingNode
from aftersales.triage.services import path_nodes


@dataclass
class TreeNode:
    node: TroubleshootingNode
    children: list[TreeNode] = field(default_factory=list)
    depth: int = 0


def tree(*, product_line_id: int | None, include_retired: bool = False) -> list[TreeNode]:
    """The entries of one product line (None: the entries for every line) with their answers, in order.

    One query for the nodes and one for their parts, whatever the size of the tree.
    """
    qs = (
        TroubleshootingNode.objects.filter(product_line_id=product_line_id)
        .select_related("skill", "fault_category")
        .prefetch_related("parts")
        .order_by("position", "pk")
    )
    if not include_retired:
        qs = qs.filter(active=True)
    nodes = list(qs)
    by_parent: dict[int | None, list[TroubleshootingNode]] = {}
    for n in nodes:
        by_parent.setdefault(n.parent_id, []).append(n)

    def build(parent_id: int | None, depth: int) -> list[TreeNode]:
        if depth > 50:
            return []
        return [TreeNode(n, build(n.pk, depth + 1), depth) for n in by_parent.get(parent_id, [])]

    return build(None, 0)


def flatten(items: list[TreeNode]) -> list[TreeNode]:
    out: list[TreeNode] = []
    for item in items:
        out.append(item)
        out.extend(flatten(item.children))
    return out


def product_lines() -> list[ProductLine]:
    return list(ProductLine.objects.filter(active=True).order_by("code"))


@dataclass
class Walk:
    """Where an agent is in the tree: the path so far and the answers to choose from now."""

    line: ProductLine | None
    nodes: list[TroubleshootingNode]
    choices: list[TroubleshootingNode]
    error: str = ""

    @property
    def current(self) -> TroubleshootingNode | None:
        return self.nodes[-1] if self.nodes else None

    @property
    def leaf(self) -> TroubleshootingNode | None:
        node = self.current
        return node if node is not None and node.is_leaf else None

    @property
    def ids(self) -> str:
        return ",".join(str(n.pk) for n in self.nodes)

    def path_to(self, node: TroubleshootingNode) -> str:
        """The path value after choosing ``node`` next."""
        return ",".join([*(str(n.pk) for n in self.nodes), str(node.pk)])

    @property
    def back(self) -> str:
        return ",".join(str(n.pk) for n in self.nodes[:-1])

    @property
    def steps(self) -> list[tuple[str, str]]:
        """(question asked, answer given) for each step taken so far."""
        steps = [(self.nodes[i - 1].question if i else "", n.answer) for i, n in enumerate(self.nodes)]
        return [(q, a) for q, a in steps if q or a]


def entries(*, product_line_id: int | None) -> list[TroubleshootingNode]:
    """The entry questions for a product line: its own, then those for every line."""
    cond = Q(product_line__isnull=True)
    if product_line_id is not None:
        cond |= Q(product_line_id=product_line_id)
    return list(
        TroubleshootingNode.objects.filter(cond, parent__isnull=True, active=True).order_by(
            "product_line_id", "position", "pk"
        )
    )


def walk(*, product_line_id: int | None, node_ids: list[int]) -> Walk:
    """The walk state for the intake panel; a path that no longer fits the tree starts over."""
    line = ProductLine.objects.filter(pk=product_line_id).first() if product_line_id else None
    nodes: list[TroubleshootingNode] = []
    error = ""
    if node_ids:
        try:
            nodes = path_nodes(node_ids)
        except DomainError as exc:
            nodes, error = [], exc.message
        if nodes and line is not None and nodes[0].product_line_id not in (None, line.pk):
            nodes = []
    current = nodes[-1] if nodes else None
    if current is None:
        choices = entries(product_line_id=line.pk if line else None)
    elif current.is_leaf:
        choices = []
    else:
        choices = list(current.children.filter(active=True).order_by("position", "pk"))
    if current is not None and current.is_leaf:
        current = (
            TroubleshootingNode.objects.select_related("skill", "fault_category")
            .prefetch_related("parts")
            .get(pk=current.pk)
        )
        nodes[-1] = current
    return Walk(line=line, nodes=nodes, choices=choices, error=error)


def runs_for_call(*, call_id: int) -> list[TriageRun]:
    """The walks recorded for a call (the caller has checked the call is visible)."""
    return list(
        TriageRun.objects.filter(call_id=call_id)
        .select_related("leaf", "leaf__skill", "created_by")
        .order_by("pk")
    )
