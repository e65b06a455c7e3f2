"""The warehouse keeper's home panel: parts out of stock / to replenish, and red flags."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.partsreports.models import SlowMovingFlag
from aftersales.partsreports.selectors import flags_visible, replenishment_list
from aftersales.web.home import Panel, WorkItem


def replenishment_panel(access: Access) -> Panel:
    rows = replenishment_list(access=access)
    out = sum(1 for r in rows if r.out_of_stock)
    red = flags_visible(access=access).filter(flag=SlowMovingFlag.Flag.RED).count()
    items = [
        WorkItem(
            title=f"{r.part_code} {r.part_name}",
            detail=_("%(w)s · available %(a)s, reorder point %(p)s")
            % {"w": r.warehouse.code, "a": r.available, "p": r.reorder_point},
            url=reverse("partsreports:replenishment") + f"?warehouse={r.warehouse.pk}",
            badge=_("out of stock") if r.out_of_stock else _("below reorder point"),
            tone="danger" if r.out_of_stock else "warning",
        )
        for r in rows[:8]
    ]
    if red:
        items.append(
            WorkItem(
                title=_("%(n)s parts slow-moving (red)") % {"n": red},
                url=reverse("partsreports:slow_moving") + "?flag=red",
                badge=_("red"),
                tone="danger",
            )
        )
    return Panel(
        key="parts_to_replenish",
        title=_("Parts to replenish: %(out)s out of stock, %(n)s in all") % {"out": out, "n": len(rows)},
        items=items,
        empty=_("No common part is out of stock or below its reorder point."),
        link=reverse("partsreports:replenishment"),
        link_label=_("Replenishment list"),
        count=len(rows),
    )
