"""Business calendar, clock policies (versioned data) and the clocks that run on records.

The arithmetic lives in :mod:`aftersales.sla.engine`; the rules in :mod:`aftersales.sla.services`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# --------------------------------------------------------------------------- calendar


class CalendarYear(models.Model):
    """A year whose official PRC arrangement (holidays and 调休) is known.

    Days of a year without a row are assumed Monday–Friday and the deadlines that touch them are
    marked *provisional* until the year's arrangement is entered (announced each November).
    """

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinesecalendar package")
        MANUAL = "manual", _("entered by an administrator")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.PACKAGE)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class OfficialDay(models.Model):
    """A date whose official status differs from Monday–Friday, or a named holiday date."""

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("official calendar day")
        verbose_name_plural = _("official calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'on' if self.is_working else 'off'} {self.name}"


class BranchDay(models.Model):
    """A branch's own exception: a closed day, or a (Saturday) shift with its own hours."""

    branch = models.ForeignKey("org.Branch", on_delete=models.CASCADE, related_name="calendar_days")
    date = models.DateField(_("date"))
    is_working = models.BooleanField(_("working day"))
    periods = models.JSONField(
        _("business hours"),
        null=True,
        blank=True,
        help_text=_('Only for a working day with its own hours, e.g. [["09:00", "12:00"]]'),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("branch calendar exception")
        verbose_name_plural = _("branch calendar exceptions")
        ordering = ["branch", "date"]
        constraints = [models.UniqueConstraint(fields=["branch", "date"], name="sla_branchday_unique")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.date} {'on' if self.is_working else 'off'}"


class CalendarRevision(models.Model):
    """One row; every calendar change gives it a new random token so every process rebuilds.

    A token, not a counter: a change that is rolled back must never produce a value that a later
    change produces again (a process may have cached the rolled-back state under it).
    """

    token = models.CharField(max_length=32, default="")

    def __str__(self) -> str:
        return f"calendar revision {self.token}"


# --------------------------------------------------------------------------- policies


class ClockKind(models.TextChoices):
    WORKING = "working", _("working time")
    CALENDAR = "calendar", _("calendar time")


class DurationUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days (24 h)")
    WORKING_DAYS = "working_days", _("working days")
    END_OF_DAY = "end_of_day", _("end of the working day")
    WINDOW = "window", _("end of an agreed window")
    DAY_OF_NEXT_MONTH = "day_of_next_month", _("day of the next month")
    MONTHS_BEFORE = "months_before", _("months before")


class StartRule(models.TextChoices):
    IMMEDIATE = "immediate", _("when the event happens")
    NEXT_WORKING_DAY = "next_working_day", _("at the opening of the next working day")


DEFAULT_ESCALATION = [
    {"role": "supervisor", "after": 1.0},
    {"role": "manager", "after": 1.5},
    {"role": "head", "after": 2.0},
]


def default_escalation() -> list[dict[str, object]]:
    return [dict(step) for step in DEFAULT_ESCALATION]


class ClockPolicy(models.Model):
    """One version of a clock's rule, for one scope (default, branch, zone, product line, customer).

    Rows are never edited once written: a change makes a new version and retires the old one, and a
    running clock keeps the version it started with. At most one version per code and scope is
    current (``active``).
    """

    code = models.SlugField(_("clock"), max_length=40)
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
    zone = models.ForeignKey(
        "org.Zone", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("zone")
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
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    kind = models.CharField(_("time"), max_length=16, choices=ClockKind.choices)
    amount = models.DecimalField(_("duration"), max_digits=8, decimal_places=2, default=0)
    unit = models.CharField(_("time unit"), max_length=24, choices=DurationUnit.choices)
    start_rule = models.CharField(
        _("starts"), max_length=24, choices=StartRule.choices, default=StartRule.IMMEDIATE
    )
    limit_amount = models.DecimalField(
        _("hard limit"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("An outer limit in the same unit, e.g. 7 days for longer workshop batches"),
    )
    warn_ratio = models.DecimalField(_("warn at"), max_digits=3, decimal_places=2, default=0.75)
    escalation = models.JSONField(_("escalation"), default=default_escalation)
    pause_states = models.JSONField(_("pauses while"), default=list, blank=True)
    starts_on = models.CharField(_("starts on"), max_length=200, blank=True)
    stops_on = models.CharField(_("stops on"), max_length=200, blank=True)
    active = models.BooleanField(_("current"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("clock policy")
        verbose_name_plural = _("clock policies")
        ordering = ["code", "scope_key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "scope_key", "version"], name="sla_policy_unique_version"
            ),
            models.UniqueConstraint(
                fields=["code", "scope_key"], condition=Q(active=True), name="sla_policy_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} {self.scope_key}"

    @staticmethod
    def make_scope_key(
        *, branch_id: int | None, zone_id: int | None, product_line_id: int | None, customer_id: int | None
    ) -> str:
        parts = [("b", branch_id), ("z", zone_id), ("p", product_line_id), ("c", customer_id)]
        key = "|".join(f"{k}{v}" for k, v in parts if v is not None)
        return key or "default"

    @property
    def scope_label(self) -> str:
        bits = [
            str(x)
            for x in (self.branch, self.zone, self.product_line, self.customer)
            if x is not None  # type: ignore[redundant-expr]
        ]
        return " / ".join(bits) if bits else str(_("default"))


# --------------------------------------------------------------------------- clocks


class ClockState(models.TextChoices):
    RUNNING = "running", _("running")
    PAUSED = "paused", _("paused")
    MET = "met", _("met")
    BREACHED = "breached", _("breached")
    CANCELLED = "cancelled", _("replaced")


OPEN_STATES = (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)


class Clock(models.Model):
    """A clock on one record (service call, order, RMA, return, parts request, complaint...)."""

    code = models.SlugField(_("clock"), max_length=40)
    policy = models.ForeignKey(ClockPolicy, on_delete=models.PROTECT, related_name="clocks")
    subject_type = models.CharField(max_length=100)
    subject_id = models.BigIntegerField()
    subject_label = models.CharField(_("record"), max_length=200, blank=True)
    subject_url = models.CharField(max_length=300, blank=True)
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clocks",
        verbose_name=_("responsible"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ClockState.choices, default=ClockState.RUNNING
    )
    started_at = models.DateTimeField(_("started"))
    effective_start = models.DateTimeField(_("counts from"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warns at"), null=True, blank=True)
    limit_at = models.DateTimeField(_("hard limit"), null=True, blank=True)
    allowance = models.DurationField(_("allowance"))
    remaining = models.DurationField(_("remaining while paused"), default=datetime.timedelta)
    paused_total = models.DurationField(_("paused"), default=datetime.timedelta)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    elapsed = models.DurationField(_("time used"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_action_at = models.DateTimeField(null=True, blank=True)
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("The deadline uses a year whose official calendar is missing"),
    )
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["next_action_at"],
                name="sla_clock_next_action",
                condition=Q(next_action_at__isnull=False),
            ),
            models.Index(fields=["subject_type", "subject_id"], name="sla_clock_subject"),
            models.Index(fields=["branch", "state", "due_at"], name="sla_clock_branch_state"),
            models.Index(fields=["responsible", "state"], name="sla_clock_responsible"),
            models.Index(fields=["code", "stopped_at"], name="sla_clock_code_stopped"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "code"],
                condition=Q(stopped_at__isnull=True) & ~Q(state="cancelled"),
                name="sla_clock_one_open_per_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label or self.subject_type + '#' + str(self.subject_id)} · {self.code}"

    @property
    def is_open(self) -> bool:
        return self.stopped_at is None and self.state != ClockState.CANCELLED


class ClockPause(models.Model):
    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField(_("paused"))
    resumed_at = models.DateTimeField(_("resumed"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["paused_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock"], condition=Q(resumed_at__isnull=True), name="sla_pause_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clock_id} paused {self.paused_at}–{self.resumed_at or ''}"


class ClockAlert(models.Model):
    """One warning or escalation step of a clock: the unique (clock, step) makes it happen once."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("warning")
        BREACH = "breach", _("breach")
        ESCALATION = "escalation", _("escalation")

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="alerts")
    step = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    role = models.CharField(max_length=24, blank=True)
    recipients = models.JSONField(default=list)
    at = models.DateTimeField()

    class Meta:
        ordering = ["clock", "step"]
        constraints = [models.UniqueConstraint(fields=["clock", "step"], name="sla_alert_once_per_step")]

    def __str__(self) -> str:
        return f"{self.clock_id} step {self.step} {self.kind}"
