"""Slow-moving flags (呆滞配件标识): one row per flagged part and warehouse, kept by a periodic job.

The rows are derived data: :func:`aftersales.partsreports.services.slow_moving_refresh` recomputes
them from the stock ledger and the ``slow_moving_*_months`` rules; nothing else writes them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SlowMovingFlag(models.Model):
    class Flag(models.TextChoices):
        YELLOW = "yellow", _("slow-moving (yellow)")
        RED = "red", _("slow-moving (red)")

    id = models.BigAutoField(primary_key=True)
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.CASCADE, related_name="+", verbose_name=_("part")
    )
    warehouse = models.ForeignKey(
        "stock.Warehouse", on_delete=models.CASCADE, related_name="+", verbose_name=_("warehouse")
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.CASCADE, related_name="+", verbose_name=_("branch")
    )
    flag = models.CharField(_("slow-moving flag"), max_length=8, choices=Flag.choices)
    since = models.DateField(_("flagged since"))
    basis_on = models.DateField(
        _("counted from"), help_text=_("The last issue, or the first receipt of a part never issued")
    )
    never_issued = models.BooleanField(_("never issued"), default=False)
    computed_on = models.DateField(_("computed on"))

    class Meta:
        verbose_name = _("slow-moving flag")
        verbose_name_plural = _("slow-moving flags")
        ordering = ["warehouse", "part"]
        constraints = [
            models.UniqueConstraint(fields=["part", "warehouse"], name="partsreports_flag_unique"),
        ]
        indexes = [
            models.Index(fields=["branch", "flag"], name="partsreports_flag_branch"),
            models.Index(fields=["warehouse", "flag"], name="partsreports_flag_warehouse"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.warehouse_id}: {self.flag}"
