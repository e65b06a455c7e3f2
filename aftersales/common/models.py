"""Numbering: human-readable, concurrency-safe numbers per kind, branch and year."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberFormat(models.Model):
    """How numbers of one kind look; administrators can change the prefix and pattern."""

    kind = models.SlugField(_("kind"), max_length=32, unique=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    pattern = models.CharField(
        _("pattern"),
        max_length=80,
        default="{branch}-{prefix}-{year}-{seq:06d}",
        help_text=_("Placeholders: {branch} {prefix} {year} {seq}, e.g. {branch}-{prefix}-{year}-{seq:06d}"),
    )
    description = models.CharField(_("description"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("number format")
        verbose_name_plural = _("number formats")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.pattern}"


class NumberSequence(models.Model):
    kind = models.SlugField(max_length=32)
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "branch", "year"], name="common_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.branch_id}/{self.year}={self.last_value}"
