"""A small troubleshooting tree for tests: "cannot start" on the CNC line."""

from __future__ import annotations

from dataclasses import dataclass

from aftersales.access.policy import access_for
from aftersales.catalog.models import FaultCategory, Part, ProductLine
from aftersales.conftest import World, make_person
from aftersales.org.models import Skill, User
from aftersales.org.roles import Role
from aftersales.triage.models import Outcome, TroubleshootingNode
from aftersales.triage.services import NodeData, node_create


@dataclass
class Tree:
    keeper: User
    root: TroubleshootingNode  # 电源指示灯亮吗？
    dark: TroubleshootingNode  # 不亮 → 总电源开关是否合上？
    switch_off: TroubleshootingNode  # 未合上 → resolved by phone
    switch_on: TroubleshootingNode  # 已合上 → dispatch (electrical, power board)
    lit: TroubleshootingNode  # 亮 → dispatch (electrical)
    skill: Skill
    part: Part
    fault: FaultCategory


def hq_supervisor(world: World) -> User:
    if "hq_supervisor" not in world.users:
        world.users["hq_supervisor"] = make_person(
            "hq_supervisor", Role.SUPERVISOR, world.hq, world.users["hq_admin"]
        )
    return world.users["hq_supervisor"]


def build_tree(world: World, line: ProductLine | None = None) -> Tree:
    keeper = hq_supervisor(world)
    access = access_for(keeper)
    line = line or world.line
    skill = Skill.objects.get_or_create(code="electrical", defaults={"name": "电气"})[0]
    part = Part.objects.create(code="P-CNC-PSU", name="电源板")
    part.product_lines.add(line)
    fault = FaultCategory.objects.get_or_create(code="no_power", defaults={"name": "不通电"})[0]

    def add(parent: TroubleshootingNode | None, **kw: object) -> TroubleshootingNode:
        return node_create(
            parent_id=parent.pk if parent else None,
            data=NodeData(product_line_id=line.pk if parent is None else None, **kw),  # type: ignore[arg-type]
            access=access,
            by=keeper,
        )

    root = add(None, answer="不能开机", question="电源指示灯亮吗？")
    dark = add(root, answer="不亮", question="总电源开关是否合上？")
    switch_off = add(
        dark,
        answer="未合上",
        outcome=Outcome.RESOLVED_BY_PHONE,
        advice="请合上电柜内总电源开关，等待30秒后按下启动键。",
        fault_category_id=fault.pk,
    )
    switch_on = add(
        dark,
        answer="已合上",
        outcome=Outcome.DISPATCH,
        skill_id=skill.pk,
        part_ids=[part.pk],
        fault_category_id=fault.pk,
        advice="请客户准备电柜钥匙。",
    )
    lit = add(root, answer="亮", outcome=Outcome.DISPATCH, skill_id=skill.pk)
    return Tree(keeper, root, dark, switch_off, switch_on, lit, skill, part, fault)
