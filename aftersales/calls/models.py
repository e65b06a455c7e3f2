"""Service calls (叫修) and the service orders (工单) they open."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("phone / hotline")
    LETTER = "letter", _("letter / fax")
    EMAIL = "email", _("e-mail")
    WALK_IN = "walk_in", _("walk-in")
    PORTAL = "portal", _("customer portal")
    DEALER = "dealer", _("dealer")
    TECHNICIAN = "technician", _("found on site by a technician")
    INSPECTION = "inspection", _("proactive inspection")


class Category(models.TextChoices):
    CONSULTATION = "consultation", _("consultation")
    REPAIR = "repair", _("repair")
    COMPLAINT = "complaint", _("complaint")
    INSTALLATION = "installation", _("installation")
    PARTS = "parts", _("parts request")
    RETURN = "return", _("return")
    RMA = "rma", _("mail-in repair")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")
    CRITICAL = "critical", _("critical (line stopped)")


class WarrantyState(models.TextChoices):
    IN = "in", _("in warranty")
    OUT = "out", _("out of warranty")
    DAMAGE = "damage", _("in warranty, human damage suspected")
    UNKNOWN = "unknown", _("unknown (no unit)")


class ServiceType(models.TextChoices):
    PAID = "paid", _("paid (A)")
    CONTRACT = "contract", _("contract (B)")
    FREE = "free", _("free (C)")


# Categories that send someone on site and so open a service order.
VISIT_CATEGORIES = frozenset({Category.REPAIR, Category.INSTALLATION})


class ServiceOrder(models.Model):
    """A service order (工单): the work a call needs, from dispatch to closing."""

    class State(models.TextChoices):
        OPEN = "open", _("waiting for dispatch")
        ASSIGNED = "assigned", _("assigned")
        TRAVELLING = "travelling", _("on the way")
        ON_SITE = "on_site", _("on site")
        COMPLETED = "completed", _("work done")
        TAKE_BACK = "take_back", _("taken back to the workshop")
        CLOSED = "closed", _("closed")
        CANCELLED = "cancelled", _("cancelled")

    number = models.CharField(_("order no."), max_length=40, unique=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    unit = models.ForeignKey(
        "installed.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("unit"),
    )
    zone = models.ForeignKey(
        "org.Zone", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("zone")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    fault_category = models.ForeignKey(
        "catalog.FaultCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fault category"),
    )
    fault_description = models.TextField(_("fault"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("technician"),
    )
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("repeat of"),
        help_text=_("Same unit, same fault category, repaired within the repeat window"),
    )
    appointment_start = models.DateTimeField(_("appointment from"), null=True, blank=True)
    appointment_end = models.DateTimeField(_("appointment until"), null=True, blank=True)
    appointment_by_customer = models.BooleanField(
        _("time chosen by the customer"),
        default=False,
        help_text=_("A later time the customer asked for is not counted late against the arrival limit"),
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    travel_started_at = models.DateTimeField(_("left for the site"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    completed_at = models.DateTimeField(_("work done"), null=True, blank=True)
    settlement = models.CharField(
        _("money"),
        max_length=16,
        choices=[
            ("pending", _("to settle")),
            ("none_due", _("nothing to charge")),
            ("paid", _("paid on site")),
            ("invoiced", _("invoice requested")),
            ("waived", _("waived (approved)")),
        ],
        default="pending",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["branch", "state", "-id"], name="calls_order_branch_state"),
            models.Index(fields=["technician", "state"], name="calls_order_technician"),
            models.Index(fields=["unit", "state"], name="calls_order_unit_state"),
            models.Index(fields=["unit", "fault_category", "completed_at"], name="calls_order_repeat"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state not in (self.State.CLOSED, self.State.CANCELLED)

    def live_photos(self) -> models.QuerySet[OrderPhoto]:
        """The order's photos that were not removed, oldest first."""
        return OrderPhoto.objects.filter(order=self, removed_at__isnull=True).order_by("pk")


OPEN_ORDER_STATES = (
    ServiceOrder.State.OPEN,
    ServiceOrder.State.ASSIGNED,
    ServiceOrder.State.TRAVELLING,
    ServiceOrder.State.ON_SITE,
    ServiceOrder.State.COMPLETED,
    ServiceOrder.State.TAKE_BACK,
)


class Opinion(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("very satisfied")
    SATISFIED = "satisfied", _("satisfied")
    FAIR = "fair", _("fair")
    UNSATISFIED = "unsatisfied", _("unsatisfied")


class OldPartDisposal(models.TextChoices):
    CUSTOMER_KEEPS = "customer_keeps", _("customer keeps it")
    RETURN_TO_SERVICE = "return", _("returned to the service department")
    SCRAP = "scrap", _("scrapped on site")


class ServiceReport(models.Model):
    """The service report (售后服务报告单): complete only with cause, solution, parts and the
    customer's opinion, signed by the customer."""

    order = models.OneToOneField(ServiceOrder, on_delete=models.PROTECT, related_name="report")
    fault_category = models.ForeignKey(
        "catalog.FaultCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fault category"),
    )
    diagnosis = models.TextField(_("diagnosis"), blank=True)
    cause = models.TextField(_("fault cause"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    labour_minutes = models.PositiveIntegerField(_("labour (minutes)"), default=0)
    no_parts_used = models.BooleanField(_("no parts replaced"), default=False)
    extra_work = models.TextField(_("extra work found"), blank=True)
    extra_work_authorised_at = models.DateTimeField(_("extra work authorised"), null=True, blank=True)
    customer_opinion = models.CharField(
        _("customer's opinion"), max_length=20, choices=Opinion.choices, blank=True
    )
    customer_comment = models.TextField(_("customer's comment"), blank=True)
    signed_by = models.CharField(_("signed by"), max_length=100, blank=True)
    signature = models.TextField(_("signature"), blank=True, help_text=_("SVG path data drawn on screen"))
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    fixed = models.BooleanField(_("fixed on site"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service report")
        verbose_name_plural = _("service reports")

    def __str__(self) -> str:
        return f"{self.order.number} report"


class ReportPart(models.Model):
    report = models.ForeignKey(ServiceReport, on_delete=models.CASCADE, related_name="parts")
    part = models.ForeignKey(
        "catalog.Part", on_delete=models.PROTECT, related_name="+", verbose_name=_("part")
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    old_part = models.CharField(
        _("old part"),
        max_length=20,
        choices=OldPartDisposal.choices,
        default=OldPartDisposal.RETURN_TO_SERVICE,
    )

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="calls_reportpart_quantity")]

    def __str__(self) -> str:
        return f"{self.part_id} × {self.quantity}"


class ServiceCall(models.Model):
    """One customer contact asking for service (叫修登记簿 服表002 is the list of these)."""

    class State(models.TextChoices):
        REGISTERED = "registered", _("registered")
        ORDERED = "ordered", _("order opened")
        LINKED = "linked", _("linked to an open order")
        RESOLVED = "resolved", _("resolved by phone")
        CANCELLED = "cancelled", _("cancelled")

    number = models.CharField(_("call no."), max_length=40, unique=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="calls", verbose_name=_("customer")
    )
    unit = models.ForeignKey(
        "installed.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("unit"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PHONE)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.REPAIR
    )
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    zone = models.ForeignKey(
        "org.Zone", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("zone")
    )
    fault_category = models.ForeignKey(
        "catalog.FaultCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fault category"),
    )
    fault_description = models.TextField(_("fault and symptoms"), blank=True)
    warranty_state = models.CharField(_("warranty"), max_length=16, choices=WarrantyState.choices)
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    service_type_reason = models.CharField(
        _("why the service type differs"),
        max_length=200,
        blank=True,
        help_text=_("Required when the service type is not the one the unit and contract give"),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.REGISTERED)
    order = models.ForeignKey(
        ServiceOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("order"),
    )
    is_repeat = models.BooleanField(_("repeat repair"), default=False)
    resolution_note = models.TextField(_("resolution"), blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )

    class Meta:
        verbose_name = _("service call")
        verbose_name_plural = _("service calls")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "-received_at"], name="calls_call_branch_received"),
            models.Index(fields=["received_at"], name="calls_call_received"),
            models.Index(fields=["phone"], name="calls_call_phone"),
            models.Index(fields=["unit", "-received_at"], name="calls_call_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="linked") | Q(order__isnull=False), name="calls_linked_call_has_order"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class PhotoKind(models.TextChoices):
    FAULT = "fault", _("the fault")
    BEFORE = "before", _("before the work")
    AFTER = "after", _("after the work")
    OLD_PART = "old_part", _("old part")
    SITE = "site", _("site and installation")
    OTHER = "other", _("other")


class OrderPhoto(models.Model):
    """A photo taken for an order (on site, by the technician): stored re-encoded as JPEG without
    its EXIF data, with a thumbnail. Removing one keeps the row and who removed it, and why."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="photos")
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what it shows"), max_length=16, choices=PhotoKind.choices)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    image = models.FileField(_("photo"), upload_to="photos/%Y/%m/", max_length=200)
    thumbnail = models.FileField(upload_to="photos/%Y/%m/", max_length=200)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("taken by")
    )
    taken_at = models.DateTimeField(_("taken"), default=timezone.now)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["order", "removed_at"], name="calls_photo_order")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class FaultEscalation(models.Model):
    """A hard fault (疑难故障) reported from the site: to the branch supervisor the same day, who sets a
    solution with the chief engineer; if that solution fails, the technical department designs the
    fix. The order shows each step: who raised it, who was involved, the solution and the result."""

    class Level(models.TextChoices):
        SUPERVISOR = "supervisor", _("supervisor and chief engineer")
        TECHNICAL = "technical", _("technical department")

    class State(models.TextChoices):
        OPEN = "open", _("waiting for a solution")
        ANSWERED = "answered", _("solution given")
        RESOLVED = "resolved", _("the solution worked")
        FAILED = "failed", _("the solution failed")

    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="escalations")
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_step"
    )
    problem = models.TextField(_("the problem"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    solution = models.TextField(_("solution"), blank=True)
    involved = models.CharField(
        _("who was involved"),
        max_length=200,
        blank=True,
        help_text=_("e.g. the chief engineer, the designer of the unit"),
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    result_note = models.TextField(_("result"), blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_at = models.DateTimeField(_("result recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("hard-fault escalation")
        verbose_name_plural = _("hard-fault escalations")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(state__in=["open", "answered"]),
                name="calls_one_live_escalation_per_order",
            )
        ]
        indexes = [models.Index(fields=["branch", "state"], name="calls_escalation_branch_state")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.level} {self.state}"
