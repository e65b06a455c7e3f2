"""Dispatch plans: a proposed day of routes for a branch, computed in the background, then decided."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DispatchPlan(models.Model):
    """One proposal for one branch and day: queued → running → ready | failed, then decided."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("computing")
        READY = "ready", _("ready to decide")
        FAILED = "failed", _("failed")
        ACCEPTED = "accepted", _("accepted")
        PARTLY_ACCEPTED = "partly_accepted", _("partly accepted")
        REJECTED = "rejected", _("rejected")

    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    day = models.DateField(_("day"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    time_limit = models.PositiveSmallIntegerField(_("time limit (s)"), default=10)
    solver = models.CharField(_("solver"), max_length=16, default="ortools")
    proposal = models.JSONField(_("proposal"), default=dict, blank=True)
    jobs_planned = models.PositiveIntegerField(_("jobs planned"), default=0)
    jobs_unassigned = models.PositiveIntegerField(_("jobs left out"), default=0)
    late_jobs = models.PositiveIntegerField(_("late jobs"), default=0)
    late_minutes = models.FloatField(_("late minutes"), default=0)
    travel_km = models.FloatField(_("travel (km)"), default=0)
    travel_minutes = models.FloatField(_("travel (min)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    created_at = models.DateTimeField(_("proposed"), default=timezone.now)
    started_at = models.DateTimeField(_("computing since"), null=True, blank=True)
    finished_at = models.DateTimeField(_("computed"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("dispatch plan")
        verbose_name_plural = _("dispatch plans")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "day"],
                condition=Q(state__in=["queued", "running"]),
                name="dispatch_plan_one_running",
            )
        ]
        indexes = [models.Index(fields=["branch", "day"], name="dispatch_plan_branch_day")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.day}"

    @property
    def busy(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)
