"""Parts supply requests (补件): the request and its lines, supply orders, receiving checks,
the close-out cycle (补件收尾) and the day's shipping lists (补件装车单). docs/supply.md."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    PORTAL = "portal", _("customer portal")
    DEALER = "dealer", _("dealer")
    AGENT = "agent", _("service agent")


class Cause(models.TextChoices):
    # Free: a quality problem of ours (开发、工艺、原材料、过程).
    DEVELOPMENT = "development", _("product quality: development")
    PROCESS = "process", _("product quality: process")
    MATERIAL = "material", _("product quality: material")
    MANUFACTURING = "manufacturing", _("product quality: manufacturing")
    # Charged: the customer's side (客户自身原因、折价产品、超过保质期).
    CUSTOMER_DAMAGE = "customer_damage", _("damaged by the customer")
    DISCOUNTED = "discounted", _("discounted goods")
    OUT_OF_WARRANTY = "out_of_warranty", _("out of warranty")


FREE_CAUSES = frozenset({Cause.DEVELOPMENT, Cause.PROCESS, Cause.MATERIAL, Cause.MANUFACTURING})


class Fulfilment(models.TextChoices):
    STOCK = "stock", _("from stock")
    PRODUCTION = "production", _("production order")
    PURCHASE = "purchase", _("purchase order")
    LOAN = "loan", _("loan from finished goods")


class PartsRequest(models.Model):
    """客户补件申请单 / 补件申请单: what a customer or dealer asks for, confirmed, approved, shipped."""

    class State(models.TextChoices):
        APPLIED = "applied", _("applied")
        CONFIRMED = "confirmed", _("confirmed with the customer")
        LEAD_APPROVED = "lead_approved", _("approved by the after-sales lead")
        APPROVED = "approved", _("approved: in fulfilment")
        READY = "ready", _("checked, ready to ship")
        SHIPPED = "shipped", _("shipped")
        REJECTED = "rejected", _("rejected")
        CANCELLED = "cancelled", _("cancelled")

    id = models.BigAutoField(primary_key=True)
    number = models.CharField(_("request no."), max_length=40, unique=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="parts_requests",
        verbose_name=_("customer"),
    )
    dealer = models.ForeignKey(
        "customers.Dealer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parts_requests",
        verbose_name=_("dealer"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.APPLIED)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("delivery address"), max_length=200, blank=True)
    description = models.TextField(_("reason given by the customer"), blank=True)
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices, blank=True)
    charged = models.BooleanField(_("charged"), default=False)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    amount_reason = models.CharField(_("reason for the amount"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("applied"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_with = models.CharField(_("confirmed with (customer)"), max_length=100, blank=True)
    promised_on = models.DateField(_("promised delivery date"), null=True, blank=True)
    lead_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("after-sales lead"),
    )
    lead_approved_at = models.DateTimeField(_("lead approved"), null=True, blank=True)
    quality_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("quality office head"),
    )
    quality_approved_at = models.DateTimeField(_("quality approved"), null=True, blank=True)
    check_problem = models.CharField(_("receiving check problem"), max_length=300, blank=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("marked overdue"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("parts request")
        verbose_name_plural = _("parts requests")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["branch", "state", "id"], name="supply_req_branch_state"),
            models.Index(fields=["customer", "id"], name="supply_req_customer"),
            models.Index(fields=["dealer", "id"], name="supply_req_dealer"),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="supply_req_amount_gte_0")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state not in (self.State.SHIPPED, self.State.REJECTED, self.State.CANCELLED)


OPEN_STATES = (
    PartsRequest.State.APPLIED,
    PartsRequest.State.CONFIRMED,
    PartsRequest.State.LEAD_APPROVED,
    PartsRequest.State.APPROVED,
    PartsRequest.State.READY,
)


class SupplyOrder(models.Model):
    """A production order (补配组) or purchase order (采购部) for one request line; 12-day cycle."""

    class Kind(models.TextChoices):
        PRODUCTION = "production", _("production order")
        PURCHASE = "purchase", _("purchase order")

    class State(models.TextChoices):
        OPEN = "open", _("ordered")
        RECEIVED = "received", pgettext_lazy("supply order", "received")

    id = models.BigAutoField(primary_key=True)
    number = models.CharField(_("order no."), max_length=40, unique=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    request = models.ForeignKey(
        PartsRequest, on_delete=models.PROTECT, related_name="supply_orders", verbose_name=_("parts request")
    )
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    warehouse = models.ForeignKey(
        "stock.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("receive into"),
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ordered by")
    )
    ordered_at = models.DateTimeField(_("ordered"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("date received"), null=True, blank=True)

    class Meta:
        verbose_name = _("supply order")
        verbose_name_plural = _("supply orders")
        ordering = ["-id"]
        indexes = [models.Index(fields=["branch", "state", "due_at"], name="supply_order_open_due")]

    def __str__(self) -> str:
        return self.number


class PartsRequestLine(models.Model):
    """One part of a request and how it is fulfilled."""

    id = models.BigAutoField(primary_key=True)
    request = models.ForeignKey(PartsRequest, on_delete=models.CASCADE, related_name="lines")
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    fulfilment = models.CharField(_("fulfilment"), max_length=16, choices=Fulfilment.choices, blank=True)
    warehouse = models.ForeignKey(
        "stock.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("warehouse"),
    )
    supply_order = models.ForeignKey(
        SupplyOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    loan = models.ForeignKey(
        "stock.StockLoan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("loan"),
    )
    ready = models.BooleanField(_("ready"), default=False)

    class Meta:
        verbose_name = _("request line")
        verbose_name_plural = _("request lines")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="supply_line_quantity_gt_0")]

    def __str__(self) -> str:
        return f"{self.part} × {self.quantity}"

    @property
    def line_amount(self) -> Decimal:
        return self.unit_price * self.quantity


class ReceivingCheck(models.Model):
    """收货检查: packaging intact, labels right (customer, part, quantity), inspection stamp present."""

    id = models.BigAutoField(primary_key=True)
    request = models.ForeignKey(PartsRequest, on_delete=models.CASCADE, related_name="checks")
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+")
    packaging_ok = models.BooleanField(_("packaging intact"))
    labels_ok = models.BooleanField(_("labels right (customer, part, quantity)"))
    stamp_ok = models.BooleanField(_("inspection stamp present"))
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {'passed' if self.passed else 'failed'}"


class Shipment(models.Model):
    """补件装车单: one carrier's load of a branch on a day."""

    id = models.BigAutoField(primary_key=True)
    number = models.CharField(_("shipping list no."), max_length=40, unique=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    day = models.DateField(_("day"))
    carrier = models.CharField(_("carrier"), max_length=100)
    loaded_by = models.CharField(_("loaded by"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("shipping list")
        verbose_name_plural = _("shipping lists")
        ordering = ["day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "day", "carrier"], name="supply_shipment_branch_day_carrier"
            )
        ]

    def __str__(self) -> str:
        return self.number


class ShipmentLine(models.Model):
    id = models.BigAutoField(primary_key=True)
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(PartsRequest, on_delete=models.PROTECT, related_name="shipment_lines")
    line = models.OneToOneField(PartsRequestLine, on_delete=models.PROTECT, related_name="shipment_line")
    part = models.ForeignKey("catalog.Part", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    bins = models.CharField(_("bins"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.part_id} × {self.quantity}"


class CloseOut(models.Model):
    """补件收尾: every close-out period the requests still owed are listed; after the grace they are overdue."""

    id = models.BigAutoField(primary_key=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("close-out day"))
    grace_until = models.DateField(_("grace until"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-period_end", "branch"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "period_start"], name="supply_closeout_branch_period")
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.period_end}"


class CloseOutLine(models.Model):
    id = models.BigAutoField(primary_key=True)
    closeout = models.ForeignKey(CloseOut, on_delete=models.CASCADE, related_name="lines")
    request = models.ForeignKey(PartsRequest, on_delete=models.PROTECT, related_name="closeout_lines")
    promised_on = models.DateField(_("promised delivery date"), null=True)
    state = models.CharField(_("state then"), max_length=16)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["closeout", "request"], name="supply_closeout_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.closeout_id}: {self.request_id}"
