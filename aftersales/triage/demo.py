"""Demo troubleshooting tree: CNC machines, compressors and chillers, ~24 nodes, through the services.

Idempotent: nothing is added when the tree already has nodes.
"""

from __future__ import annotations

from typing import Any

from aftersales.access.policy import access_for
from aftersales.catalog.models import FaultCategory, Part, ProductLine
from aftersales.org.models import Skill, User
from aftersales.triage.models import Outcome, TroubleshootingNode
from aftersales.triage.services import NodeData, node_create

R, D = Outcome.RESOLVED_BY_PHONE, Outcome.DISPATCH

# (answer, question) for a question; (answer, outcome, advice, skill, fault, parts) for a leaf;
# a question is followed by the list of its answers.
TREES: dict[str, list[Any]] = {
    "cnc": [
        (("设备无法开机", "电柜上的电源指示灯亮吗？"), [
            (("不亮", "车间总闸和设备总电源开关是否合上？"), [
                ("未合上或已跳闸", R, "请合上设备总电源开关；如果是跳闸，先确认无人触碰设备，合闸后等待30秒再按启动键。"
                 "如再次跳闸请勿继续合闸，我们安排电工上门。", None, "no_power", []),
                ("已合上仍不亮", D, "请勿反复合闸，保持现场，准备好电柜钥匙。", "electrical", "no_power", []),
            ]),
            (("亮", "屏幕上是否显示急停或报警信息？"), [
                ("显示急停", R, "请顺时针旋转释放所有急停按钮，再按复位键（RESET），确认报警消失后开机。",
                 None, "alarm", []),
                ("显示其他报警号", D, "请客户拍下报警画面发到服务热线微信，技术员出发前先查报警号。",
                 "electrical", "alarm", ["数控系统主板", "编码器"]),
            ]),
        ]),
        (("主轴异响或不转", "主轴转动时有明显异常声响吗？"), [
            ("有明显异响", D, "请立即停止使用主轴，避免扩大损坏。", "mechanical", "spindle", ["主轴轴承"]),
            (("无异响但不转", "屏幕是否显示主轴报警？"), [
                ("有主轴报警", D, "", "electrical", "spindle", ["伺服电机", "编码器"]),
                ("没有报警", R, "请检查主轴倍率开关是否在0%，调到100%后重新执行 M03 指令。", None, "spindle", []),
            ]),
        ]),
    ],
    "compressor": [
        (("压力上不去 / 供气不足", "控制面板上的排气压力是多少？"), [
            (("低于设定值且一直加载", "空气滤芯上次更换是什么时候？"), [
                ("超过2000小时或不清楚", D, "建议这次一并做保养。", "mechanical", "pressure",
                 ["空气滤芯", "油过滤器", "油分芯"]),
                ("最近刚更换过", D, "", "mechanical", "pressure", ["进气阀", "最小压力阀"]),
            ]),
            ("面板压力正常，用气点压力低", R, "空压机本身工作正常。请检查管路有无漏气、自动排水阀是否常开、"
             "用气设备是否增加；必要时加装储气罐。", None, "pressure", []),
        ]),
        (("高温停机报警", "机房通风好吗？冷却器表面干净吗？"), [
            ("冷却器很脏或机房闷热", R, "请用压缩空气从内向外吹扫冷却器，打开机房排风，待机组冷却30分钟后复位开机。",
             None, "alarm", []),
            ("通风和冷却器都正常", D, "", "mechanical", "alarm", ["冷却风扇", "压力传感器"]),
        ]),
    ],
    "chiller": [
        (("出水温度降不下来", "面板上有高压或低压报警吗？"), [
            ("高压报警", R, "风冷机请清洗冷凝器翅片，水冷机请确认冷却水泵已开启、阀门全开；然后在面板上复位高压报警。",
             None, "cooling", []),
            ("低压报警", D, "可能缺制冷剂或堵塞，请勿反复复位。", "refrigeration", "cooling", ["干燥过滤器", "膨胀阀"]),
            ("没有报警", D, "", "refrigeration", "cooling", ["温控器"]),
        ]),
    ],
}  # fmt: skip


def load_triage(*, admin: User | None = None) -> dict[str, int]:
    if TroubleshootingNode.objects.exists():
        return {"triage nodes": 0}
    admin = admin or User.objects.filter(username__in=["service_head", "admin"]).order_by("username").last()
    if admin is None:
        return {"triage nodes": 0}
    access = access_for(admin)
    lines = {line.code: line for line in ProductLine.objects.all()}
    skills = {s.code: s.pk for s in Skill.objects.all()}
    faults = {f.code: f.pk for f in FaultCategory.objects.all()}
    parts = {p.name: p.pk for p in Part.objects.all()}
    count = 0

    def add(parent: TroubleshootingNode | None, line: ProductLine, entry: Any) -> None:
        nonlocal count
        if isinstance(entry[0], tuple):  # a question and its answers
            (answer, question), answers = entry
            node = node_create(
                parent_id=parent.pk if parent else None,
                data=NodeData(answer=answer, question=question, product_line_id=line.pk),
                access=access,
                by=admin,
            )
            count += 1
            for sub in answers:
                add(node, line, sub)
            return
        answer, outcome, advice, skill, fault, part_names = entry
        node_create(
            parent_id=parent.pk if parent else None,
            data=NodeData(
                answer=answer,
                outcome=outcome,
                advice=advice,
                skill_id=skills.get(skill) if skill else None,
                fault_category_id=faults.get(fault),
                part_ids=[parts[n] for n in part_names if n in parts],
            ),
            access=access,
            by=admin,
        )
        count += 1

    for code, entries in TREES.items():
        line = lines.get(code)
        if line is None:
            continue
        for entry in entries:
            add(None, line, entry)
    return {"triage nodes": count}
