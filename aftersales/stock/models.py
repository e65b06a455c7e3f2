"""Spare-parts stock (配件库存): warehouses, bins, lots, levels, the move ledger and its workflows.

How the pieces fit (see docs/stock.md):

* :class:`Warehouse` — head office, a branch, a technician's van or finished goods; has :class:`Bin` s.
* :class:`StockLot` — what came in together (one receipt, or a transferred / returned part of one):
  its received date and unit cost travel with it, so issues take the oldest first (FIFO).
* :class:`StockLevel` — one row per part and warehouse with ``on_hand`` and ``reserved``. Every move
  of that part in that warehouse locks this row first (:func:`aftersales.stock.services.stock_levels_lock`),
  so moves of the same part queue and moves of different parts run in parallel.
* :class:`StockMove` — the append-only ledger: every change of quantity is one signed row; the sum
  of a part's moves in a warehouse equals its ``on_hand``. No update or delete path (ORM and, on
  PostgreSQL, a trigger).
* :class:`Reservation`, :class:`WriteOff`, :class:`StockLoan` — workflows with states, each with
  one transition table in :mod:`aftersales.stock.services`.

Quantities are whole units (spare parts are counted, not measured). Stock never goes negative:
the services check under the row lock, and CHECK constraints refuse it in the database.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Warehouse(models.Model):
    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("head office warehouse")
        BRANCH = "branch", _("branch warehouse")
        VAN = "van", _("technician's van")
        FINISHED_GOODS = "finished_goods", _("finished goods")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vans",
        verbose_name=_("technician"),
        help_text=_("The technician whose van this is"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["branch", "kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="van", technician__isnull=False)
                | (~Q(kind="van") & Q(technician__isnull=True)),
                name="stock_warehouse_van_has_technician",
            ),
            models.UniqueConstraint(
                fields=["technician"], condition=Q(active=True), name="stock_warehouse_one_van_per_technician"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Bin(models.Model):
    """A bin location (库位): zone / shelf / level, code like ``A-03-2``."""

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="bins", verbose_name=_("warehouse")
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    zone = models.CharField(pgettext_lazy("bin", "zone"), max_length=16)
    shelf = models.CharField(_("shelf"), max_length=16, blank=True)
    level = models.CharField(pgettext_lazy("bin", "level"), max_length=16, blank=True)
    code = models.CharField(_("bin"), max_length=40)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("bin")
        verbose_name_plural = _("bins")
        ordering = ["warehouse", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="stock_bin_unique_per_warehouse")
        ]

    def __str__(self) -> str:
        return self.code


class StockLevel(models.Model):
    """On hand and reserved of one part in one warehouse: the row every move locks first."""

    id = models.BigAutoField(primary_key=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, related_name="stock_levels", verbose_name=_("part")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="levels", verbose_name=_("warehouse")
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    last_received_at = models.DateTimeField(_("last received"), null=True, blank=True)
    last_issued_at = models.DateTimeField(_("last issued"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["warehouse", "part"]
        constraints = [
            models.UniqueConstraint(fields=["part", "warehouse"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_level_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_level_reserved_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_level_reserved_within_on_hand"
            ),
        ]
        indexes = [models.Index(fields=["branch", "warehouse"], name="stock_level_branch")]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.warehouse_id}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockLot(models.Model):
    """Units received together, in one bin; FIFO takes the oldest ``received_at`` first."""

    id = models.BigAutoField(primary_key=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, related_name="stock_lots", verbose_name=_("part")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="lots", verbose_name=_("warehouse")
    )
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="lots", verbose_name=_("bin"))
    received_at = models.DateTimeField(_("date received"))
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2)
    quantity_received = models.IntegerField(_("quantity received"))
    on_hand = models.IntegerField(_("on hand"))
    origin = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from lot"),
        help_text=_("The lot this one was transferred or returned from"),
    )

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_lot_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(quantity_received__gte=0), name="stock_lot_received_not_negative"
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="stock_lot_cost_not_negative"),
        ]
        indexes = [
            models.Index(
                fields=["part", "warehouse", "received_at", "id"],
                condition=Q(on_hand__gt=0),
                name="stock_lot_fifo",
            )
        ]

    def __str__(self) -> str:
        return f"{self.part_id} {self.received_at:%Y-%m-%d} {self.bin_id} ({self.on_hand})"


class AppendOnlyError(Exception):
    pass


class StockMoveQuerySet(models.QuerySet["StockMove"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("stock moves are append-only")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnlyError("stock moves are append-only")


class StockMove(models.Model):
    """One signed change of a part's quantity in a warehouse (and lot). Append-only.

    ``number`` is derived from the ledger id (``SM-000000001234``): a shared counter would make
    every move in a branch queue on one row, and moves of different parts must run in parallel.
    The document a move belongs to (write-off, loan, supplier note) is in ``reference``.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("receipt")
        ISSUE = "issue", pgettext_lazy("stock move", "issue")
        RETURN = "return", _("return from order")
        TRANSFER_OUT = "transfer_out", _("transfer out")
        TRANSFER_IN = "transfer_in", _("transfer in")
        LOAN_OUT = "loan_out", _("loan out")
        LOAN_RETURN = "loan_return", _("loan returned")
        WRITEOFF = "writeoff", _("write-off")
        ADJUSTMENT = "adjustment", _("stocktake adjustment")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="moves", verbose_name=_("warehouse")
    )
    bin = models.ForeignKey(
        Bin, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bin")
    )
    lot = models.ForeignKey(
        StockLot, on_delete=models.PROTECT, null=True, blank=True, related_name="moves", verbose_name=_("lot")
    )
    quantity = models.IntegerField(_("quantity"), help_text=_("Positive in, negative out"))
    rejected_quantity = models.PositiveIntegerField(
        _("rejected at inspection"),
        default=0,
        help_text=_("Receipts: refused at incoming inspection, not stocked"),
    )
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, default=0)
    order = models.ForeignKey(
        "calls.ServiceOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_moves",
        verbose_name=_("service order"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    related = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("related move"),
        help_text=_("The other side of a transfer, or the issue a return reverses"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    objects = StockMoveQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["part", "warehouse", "at"], name="stock_move_part"),
            models.Index(fields=["branch", "at"], name="stock_move_branch_time"),
            models.Index(fields=["order"], name="stock_move_order"),
            # The monthly parts analysis: a month's issues and returns to orders.
            models.Index(
                fields=["at"],
                condition=Q(order__isnull=False, kind__in=["issue", "return"]),
                name="stock_move_to_orders_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.kind} {self.quantity:+d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("stock moves are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("stock moves are append-only")

    @property
    def number(self) -> str:
        return f"SM-{self.pk:012d}" if self.pk else "SM-"


class Reservation(models.Model):
    """Parts held for a service order: reserved → consumed (issued) → returned, or released."""

    class State(models.TextChoices):
        RESERVED = "reserved", _("reserved")
        CONSUMED = "consumed", _("used")
        RELEASED = "released", _("released")
        RETURNED = "returned", _("returned")

    id = models.BigAutoField(primary_key=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    order = models.ForeignKey(
        "calls.ServiceOrder",
        on_delete=models.PROTECT,
        related_name="stock_reservations",
        verbose_name=_("service order"),
    )
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("warehouse")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RESERVED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("reserved at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_reservation_positive")]

    def __str__(self) -> str:
        return f"R{self.pk} {self.part_id}×{self.quantity} ({self.state})"


class WriteOff(models.Model):
    """A write-off (报损) request: amount at cost (FIFO), approved per the threshold, four-eyes."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("waiting for approval")
        APPROVED = "approved", _("approved and written off")
        REJECTED = "rejected", _("rejected")

    class Disposition(models.TextChoices):
        SCRAP = "scrap", _("scrap")
        DAMAGED = "damaged", _("damaged")
        LOST = "lost", _("lost")

    id = models.BigAutoField(primary_key=True)
    number = models.CharField(_("write-off no."), max_length=40, unique=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="writeoffs", verbose_name=_("warehouse")
    )
    bin = models.ForeignKey(
        Bin, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bin")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.DecimalField(_("amount at cost"), max_digits=14, decimal_places=2)
    needs_executive = models.BooleanField(_("needs the executive"), default=False)
    disposition = models.CharField(
        _("disposition"), max_length=16, choices=Disposition.choices, default=Disposition.SCRAP
    )
    reason = models.CharField(_("reason"), max_length=300)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_writeoff_positive"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="stock_writeoff_four_eyes",
            ),
        ]
        indexes = [models.Index(fields=["branch", "state"], name="stock_writeoff_branch_state")]

    def __str__(self) -> str:
        return self.number


class StockLoan(models.Model):
    """A loan from finished goods (成品借用单): out → returned (QA passed, back in stock) or failed QA."""

    class State(models.TextChoices):
        OUT = "out", _("lent out")
        RETURNED = "returned", _("returned, QA passed")
        FAILED_QA = "failed_qa", _("returned, QA failed")

    id = models.BigAutoField(primary_key=True)
    number = models.CharField(_("loan no."), max_length=40, unique=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="loans", verbose_name=_("warehouse")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, default=0)
    borrower = models.CharField(_("borrower"), max_length=150)
    order = models.ForeignKey(
        "calls.ServiceOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_loans",
        verbose_name=_("service order"),
    )
    reason = models.CharField(_("reason"), max_length=300)
    due_on = models.DateField(_("due back"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OUT)
    lent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("lent by")
    )
    lent_at = models.DateTimeField(_("lent"), default=timezone.now)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returned by"),
    )
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    qa_note = models.CharField(_("QA check"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("finished-goods loan")
        verbose_name_plural = _("finished-goods loans")
        ordering = ["-lent_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_loan_positive")]
        indexes = [models.Index(fields=["branch", "state"], name="stock_loan_branch_state")]

    def __str__(self) -> str:
        return self.number
