"""``{% customer_units customer %}``: the customer's units card on the customer page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from aftersales.access.policy import Access
from aftersales.installed.selectors import units_search

register = template.Library()


@register.inclusion_tag("installed/_customer_units.html", takes_context=True)
def customer_units(context: template.Context, customer: Any, limit: int = 20) -> dict[str, Any]:
    access: Access = context["access"]
    if not access.can("installed.view"):
        return {"units": None}
    qs = units_search(access=access, customer_id=customer.pk)
    return {
        "customer": customer,
        "units": list(qs[:limit]),
        "units_count": qs.count(),
        "today": timezone.localdate(),
        "can_edit_units": access.can("installed.edit", customer.branch_id),
    }
