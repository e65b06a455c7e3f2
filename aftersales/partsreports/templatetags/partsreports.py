"""``{% slow_flag part warehouse %}``: the slow-moving badge of a part in a warehouse.

Lists of stock show it per row; the flags of a warehouse are loaded once per page render (one
query per warehouse shown per request, whatever the number of rows). Accepts objects or ids.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from aftersales.partsreports.models import SlowMovingFlag
from aftersales.partsreports.selectors import flags_for_warehouse

register = template.Library()


def _pk(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(getattr(value, "pk", value))


@register.simple_tag(takes_context=True)
def slow_flag(context: template.Context, part: Any, warehouse: Any) -> SafeString:
    part_id, warehouse_id = _pk(part), _pk(warehouse)
    if part_id is None or warehouse_id is None:
        return mark_safe("")
    request = context.get("request")
    holder: Any = request if request is not None else context.render_context
    cache = getattr(holder, "_partsreports_flags", None)
    if cache is None:
        cache = {}
        holder._partsreports_flags = cache
    if warehouse_id not in cache:
        cache[warehouse_id] = flags_for_warehouse(warehouse_id=warehouse_id)
    return slow_flag_badge(cache[warehouse_id].get(part_id))


def slow_flag_badge(flag: SlowMovingFlag | None) -> SafeString:
    if flag is None:
        return mark_safe("")
    return mark_safe(render_to_string("partsreports/_flag.html", {"flag": flag}).strip())


@register.simple_tag
def slow_flag_of(flag: SlowMovingFlag | None) -> SafeString:
    """The badge of a flag row already at hand (the slow-moving page)."""
    return slow_flag_badge(flag)
