"""The troubleshooting tree (故障排查问题树) the service department maintains, and the walks agents make.

One tree of questions; each node is reached by an answer to its parent's question. A leaf either
resolves the call by phone (the agent reads the advice) or says who to send: skill, likely parts,
fault category. Master data without a branch: head office keeps it; used nodes are retired, not deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    RESOLVED_BY_PHONE = "resolved_by_phone", _("resolved by phone")
    DISPATCH = "dispatch", _("send a technician")


class TroubleshootingNode(models.Model):
    product_line = models.ForeignKey(
        "catalog.ProductLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product line"),
        help_text=_("Empty: the question applies to every product line"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    answer = models.CharField(
        _("answer"),
        max_length=200,
        blank=True,
        help_text=_("The answer to the parent's question that leads here (on an entry: the complaint)"),
    )
    question = models.CharField(
        _("question"), max_length=300, blank=True, help_text=_("What the agent asks next; empty on a leaf")
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    advice = models.TextField(
        _("advice"),
        blank=True,
        help_text=_("What the agent tells the customer (the fix, or what to prepare)"),
    )
    skill = models.ForeignKey(
        "org.Skill",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skill needed"),
    )
    parts = models.ManyToManyField(
        "catalog.Part", blank=True, related_name="+", verbose_name=_("parts likely needed")
    )
    fault_category = models.ForeignKey(
        "catalog.FaultCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fault category"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("troubleshooting question")
        verbose_name_plural = _("troubleshooting tree")
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["product_line", "parent", "position"], name="triage_node_line_parent"),
            models.Index(fields=["parent", "position"], name="triage_node_children"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["", *Outcome.values]), name="triage_node_outcome_valid"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="dispatch") | Q(skill__isnull=False), name="triage_dispatch_has_skill"
            ),
        ]

    def __str__(self) -> str:
        return self.question or self.answer or f"#{self.pk}"

    @property
    def is_leaf(self) -> bool:
        return bool(self.outcome)


class TriageRun(models.Model):
    """One walk through the tree during a call: the questions asked, the answers, where it ended."""

    branch = models.ForeignKey(
        "org.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("branch"),
    )
    call = models.ForeignKey(
        "calls.ServiceCall",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="triage_runs",
        verbose_name=_("service call"),
    )
    product_line = models.ForeignKey(
        "catalog.ProductLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product line"),
    )
    path = models.JSONField(
        _("path"),
        default=list,
        help_text=_(
            "[{node, question, answer}, …]: each node reached, the question that led there and the answer"
        ),
    )
    leaf = models.ForeignKey(
        TroubleshootingNode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outcome reached"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    advice = models.TextField(_("advice"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("triage run")
        verbose_name_plural = _("triage runs")
        ordering = ["-id"]
        indexes = [models.Index(fields=["call", "id"], name="triage_run_call")]

    def __str__(self) -> str:
        return f"triage #{self.pk}"

    @property
    def summary(self) -> str:
        """ "Q1 → answer; Q2 → answer; outcome" for the call page and the resolution note."""
        return path_summary(self.path, self.get_outcome_display() if self.outcome else "")


def path_summary(path: list[dict[str, object]], end: str = "") -> str:
    """Each step is the question asked and the answer given (an entry has only the answer)."""
    parts = [
        f"{step.get('question')} → {step.get('answer', '')}"
        if step.get("question")
        else str(step.get("answer", ""))
        for step in path
    ]
    return "；".join(p for p in [*parts, end] if p and p != " → ")
