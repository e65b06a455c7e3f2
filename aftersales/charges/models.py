"""Service price list (labour by skill and hour, travel by zone), quotes with approval, payments."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LabourRate(models.Model):
    """Labour per hour, by skill (empty skill: the general rate), optionally for one branch."""

    skill = models.ForeignKey(
        "org.Skill",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skill"),
    )
    branch = models.ForeignKey(
        "org.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("branch"),
    )
    hourly = models.DecimalField(_("per hour"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("labour rate")
        verbose_name_plural = _("labour rates")
        constraints = [
            models.CheckConstraint(condition=Q(hourly__gte=0), name="charges_labour_rate_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.skill or '*'} {self.hourly}"


class TravelFee(models.Model):
    """Travel by zone kind (urban, suburban, remote), optionally for one branch."""

    zone_kind = models.CharField(_("zone"), max_length=16)
    branch = models.ForeignKey(
        "org.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("branch"),
    )
    fee = models.DecimalField(_("fee"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("travel fee")
        verbose_name_plural = _("travel fees")
        constraints = [
            models.CheckConstraint(condition=Q(fee__gte=0), name="charges_travel_fee_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.zone_kind} {self.fee}"


class Quote(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        PENDING_APPROVAL = "pending_approval", _("waiting for the general manager")
        READY = "ready", _("ready to send")
        SENT = "sent", _("sent to the customer")
        ACCEPTED = "accepted", _("accepted by the customer")
        REJECTED = "rejected", _("rejected by the customer")

    number = models.CharField(_("quote no."), max_length=40, unique=True)
    order = models.ForeignKey(
        "calls.ServiceOrder", on_delete=models.PROTECT, related_name="quotes", verbose_name=_("order")
    )
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    basis = models.CharField(_("charge basis"), max_length=200, blank=True)
    list_total = models.DecimalField(
        _("price-list total"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    total = models.DecimalField(_("quoted total"), max_digits=12, decimal_places=2, default=Decimal(0))
    cost_total = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=Decimal(0))
    approval_rule = models.ForeignKey(
        "rules.Rule", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approval_comment = models.CharField(_("approval comment"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gte=0) & Q(list_total__gte=0), name="charges_quote_amounts"
            )
        ]

    def __str__(self) -> str:
        return self.number


class QuoteLine(models.Model):
    class Kind(models.TextChoices):
        LABOUR = "labour", _("labour")
        TRAVEL = "travel", _("travel")
        PART = "part", _("part")

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200)
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=Decimal(1))
    list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=Decimal(0))

    class Meta:
        ordering = ["quote", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))
