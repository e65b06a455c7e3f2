"""Demo hard faults on open Shanghai orders: one waiting for the supervisor, one answered and waiting
for the technician's result, one whose first solution failed and now waits for the technical
department at head office."""

from __future__ import annotations

from aftersales.access.policy import access_for
from aftersales.calls.escalation import escalation_answer, escalation_raise, escalation_result
from aftersales.calls.models import FaultEscalation, ServiceOrder
from aftersales.common.errors import DomainError
from aftersales.org.models import User


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def load_escalations() -> dict[str, int]:
    if FaultEscalation.objects.exists():
        return {"hard_faults": 0}
    supervisor, engineer = _user("supervisor"), _user("quality_manager")
    if supervisor is None or engineer is None:
        return {"hard_faults": 0}
    live = list(
        ServiceOrder.objects.filter(
            branch__code="SH", state__in=["assigned", "on_site", "take_back"], technician__isnull=False
        ).order_by("pk")[:3]
    )
    made = 0
    script = [
        ("伺服报警 AL-25 反复出现，已更换编码器电缆，断电重启后仍报警。", None, None),
        (
            "主轴高速时振动大，动平衡正常，轴承无异响。",
            ("检查主轴拉刀机构碟簧，测量拉刀力；不足则更换碟簧组。", "总工程师 王海涛"),
            None,
        ),
        (
            "刀库换刀时偶发卡刀，PLC 无报警。",
            ("调整换刀臂原点并紧固凸轮。", "总工程师 王海涛"),
            "调整后试运行 200 次换刀，又卡刀两次。",
        ),
    ]
    for order, (problem, answer, failed) in zip(live, script, strict=False):
        tech = order.technician
        if tech is None:
            continue
        try:
            e = escalation_raise(order_id=order.pk, problem=problem, access=access_for(tech), by=tech)
            if answer is not None:
                escalation_answer(
                    escalation_id=e.pk,
                    solution=answer[0],
                    involved=answer[1],
                    access=access_for(supervisor),
                    by=supervisor,
                )
            if failed is not None:
                # Goes on to the technical department at head office (the quality manager's home).
                escalation_result(
                    escalation_id=e.pk, worked=False, note=failed, access=access_for(tech), by=tech
                )
        except DomainError:
            continue
        made += 1
    return {"hard_faults": made}
