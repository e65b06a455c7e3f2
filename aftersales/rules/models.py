"""The numbers of policies.md that are not clocks: warranty, approval thresholds, windows, targets.

Versioned like clock policies: a change retires the current row and adds version n+1, so a record
can keep (and show) the rule it was measured against. Scoped by branch, product line or customer
where policies.md allows it; the most specific current row applies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Rule(models.Model):
    key = models.SlugField(_("rule"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=1)
    scope_key = models.CharField(max_length=80, editable=False)
    branch = models.ForeignKey(
        "org.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("branch"),
    )
    product_line = models.ForeignKey(
        "catalog.ProductLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product line"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    value = models.JSONField(_("value"))
    active = models.BooleanField(_("current"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["key", "scope_key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "scope_key", "version"], name="rules_rule_unique_version"),
            models.UniqueConstraint(
                fields=["key", "scope_key"], condition=Q(active=True), name="rules_rule_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version} {self.scope_key} = {self.value}"
