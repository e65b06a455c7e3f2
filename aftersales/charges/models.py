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


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("cash")
    BANK_TRANSFER = "bank_transfer", _("bank transfer")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    CARD = "card", _("bank card")


class Payment(models.Model):
    """Money received for an order (on site, or against an invoice), or paid back (a refund).

    A refund is approved by a branch manager or an executive, who is recorded in ``approved_by``.
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("payment")
        REFUND = "refund", _("refund")

    number = models.CharField(_("receipt no."), max_length=40, unique=True)
    order = models.ForeignKey(
        "calls.ServiceOrder", on_delete=models.PROTECT, related_name="payments", verbose_name=_("order")
    )
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        "charges.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("invoice"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PAYMENT)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "received_at"], name="charges_payment_branch_day"),
            models.Index(fields=["order", "kind"], name="charges_payment_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="charges_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="payment") | Q(approved_by__isnull=False),
                name="charges_refund_approved",
            ),
            models.CheckConstraint(
                condition=Q(kind="payment") | Q(invoice__isnull=True), name="charges_refund_not_on_invoice"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Invoice(models.Model):
    """An invoice (发票) requested from finance for an order; the accountant issues it the same day."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("requested")
        ISSUED = "issued", _("issued, unpaid")
        PAID = "paid", _("paid")
        CANCELLED = "cancelled", _("cancelled")

    number = models.CharField(_("invoice request no."), max_length=40, unique=True)
    order = models.ForeignKey(
        "calls.ServiceOrder", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("order")
    )
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    title = models.CharField(_("invoice title"), max_length=150)
    tax_no = models.CharField(_("taxpayer ID"), max_length=30, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    amount_paid = models.DecimalField(_("paid"), max_digits=12, decimal_places=2, default=Decimal(0))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    tax_invoice_no = models.CharField(_("invoice no. (tax system)"), max_length=40, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["branch", "state", "requested_at"], name="charges_invoice_queue"),
            models.Index(fields=["order", "state"], name="charges_invoice_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="charges_invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=models.F("amount")),
                name="charges_invoice_not_overpaid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "cancelled"]) | ~Q(tax_invoice_no=""),
                name="charges_invoice_issued_has_number",
            ),
            models.UniqueConstraint(
                fields=["tax_invoice_no"],
                condition=~Q(tax_invoice_no=""),
                name="charges_invoice_unique_tax_no",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.amount_paid
