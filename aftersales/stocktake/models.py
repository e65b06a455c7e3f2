"""Stocktake (盘点): a count of one warehouse (or one zone / bin of it), reviewed and posted.

* :class:`Stocktake` — draft → counting (the snapshot is taken) → review → approved → posted;
  cancelled with a reason. One transition table: :data:`aftersales.stocktake.services.TRANSITIONS`.
* :class:`StocktakeLine` — one part in one bin: the system quantity at the snapshot, the count,
  the quantity expected at the time of the count (snapshot + the moves of that part in that bin
  between the snapshot and the count) and the difference (counted − expected).

Moves during a count are ordered by the stock ledger's ids (``snapshot_move_id``, ``count_move_id``),
not by clock time: ids are taken under the level lock, so a move is either in the snapshot or after
it, never in both and never in neither (see docs/stocktake.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stocktake(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("planned")
        COUNTING = "counting", _("counting")
        REVIEW = "review", _("waiting for review")
        APPROVED = "approved", _("approved, not yet posted")
        POSTED = "posted", _("posted")
        CANCELLED = "cancelled", _("cancelled")

    id = models.BigAutoField(primary_key=True)
    number = models.CharField(_("stocktake no."), max_length=40, unique=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    warehouse = models.ForeignKey(
        "stock.Warehouse", on_delete=models.PROTECT, related_name="stocktakes", verbose_name=_("warehouse")
    )
    zone = models.CharField(
        pgettext_lazy("bin", "zone"), max_length=16, blank=True, help_text=_("Only the bins of this zone")
    )
    bin = models.ForeignKey(
        "stock.Bin", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bin")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    planned_for = models.DateField(_("planned for"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("snapshot taken"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    snapshot_move_id = models.BigIntegerField(
        _("ledger position at the snapshot"),
        null=True,
        blank=True,
        help_text=_("The last stock move included in the snapshot"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("posted by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-planned_for", "-id"]
        indexes = [
            models.Index(fields=["branch", "state"], name="stocktake_branch_state"),
            models.Index(fields=["warehouse", "state", "posted_at"], name="stocktake_warehouse"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def scope_label(self) -> str:
        if self.bin_id is not None and self.bin is not None:
            return self.bin.code
        return self.zone


class StocktakeLine(models.Model):
    """One part in one bin of a stocktake."""

    id = models.BigAutoField(primary_key=True)
    stocktake = models.ForeignKey(
        Stocktake, on_delete=models.CASCADE, related_name="lines", verbose_name=_("stocktake")
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    bin = models.ForeignKey("stock.Bin", on_delete=models.PROTECT, related_name="+", verbose_name=_("bin"))
    snapshot_quantity = models.IntegerField(_("system quantity at the snapshot"))
    counted_quantity = models.IntegerField(_("counted"), null=True, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counted by"),
    )
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    count_move_id = models.BigIntegerField(_("ledger position at the count"), null=True, blank=True)
    expected_quantity = models.IntegerField(
        _("expected at the count"),
        null=True,
        blank=True,
        help_text=_(
            "The snapshot plus the moves of this part in this bin between the snapshot and the count"
        ),
    )
    difference = models.IntegerField(
        _("difference"), null=True, blank=True, help_text=_("Counted − expected")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    added = models.BooleanField(_("added during the count"), default=False)

    class Meta:
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        ordering = ["stocktake", "bin__code", "part__code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "part", "bin"], name="stocktake_line_unique"),
            models.CheckConstraint(
                condition=Q(counted_quantity__isnull=True) | Q(counted_quantity__gte=0),
                name="stocktake_line_count_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(snapshot_quantity__gte=0), name="stocktake_line_snapshot_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stocktake_id}: {self.part_id}@{self.bin_id}"
