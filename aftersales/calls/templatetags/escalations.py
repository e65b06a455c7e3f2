"""``{% escalation_panel order "onsite" %}``: the hard-fault steps of an order with the buttons the
person may press (raise, answer, report the result)."""

from __future__ import annotations

from typing import Any

from django import template

from aftersales.access.policy import access_for
from aftersales.calls.escalation import RAISE_STATES, may_answer
from aftersales.calls.models import FaultEscalation, ServiceOrder

register = template.Library()


@register.inclusion_tag("calls/_escalations.html", takes_context=True)
def escalation_panel(context: Any, order: ServiceOrder, next_page: str = "order") -> dict[str, Any]:
    user = context["request"].user
    access = access_for(user)
    escalations = list(
        FaultEscalation.objects.filter(order=order).select_related("raised_by", "answered_by", "result_by")
    )
    worker = order.technician_id == user.pk or access.can("orders.dispatch", order.branch_id)
    live = any(e.state in ("open", "answered") for e in escalations)
    return {
        "csrf_token": context.get("csrf_token"),
        "order": order,
        "escalations": escalations,
        "answerable": {e.pk for e in escalations if e.state == "open" and may_answer(access, e)},
        "can_report": worker,
        "can_raise": worker and not live and order.state in RAISE_STATES,
        "next": next_page,
    }
