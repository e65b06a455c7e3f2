"""The installed base: sites, sold units (服务凭证) and maintenance contracts (合同服务 B)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Site(models.Model):
    """A customer's site or project (installed systems): where units are, with its documents."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="sites", verbose_name=_("customer")
    )
    name = models.CharField(_("site"), max_length=150)
    address = models.CharField(_("address"), max_length=200, blank=True)
    zone = models.ForeignKey(
        "org.Zone", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("zone")
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    acceptance_date = models.DateField(_("acceptance date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["customer", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceContract(models.Model):
    """A maintenance contract: coverage, period, fee; an expiry notice one month ahead."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("in force")
        EXPIRED = "expired", _("expired")
        CANCELLED = "cancelled", _("cancelled")

    number = models.CharField(_("contract no."), max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="contracts", verbose_name=_("customer")
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    starts_on = models.DateField(_("valid from"))
    ends_on = models.DateField(_("valid until"))
    fee = models.DecimalField(_("fee"), max_digits=12, decimal_places=2, default=0)
    covers_parts = models.BooleanField(_("parts covered"), default=True)
    covers_labour = models.BooleanField(_("labour covered"), default=True)
    covers_travel = models.BooleanField(_("travel covered"), default=True)
    visits_per_year = models.PositiveSmallIntegerField(_("maintenance visits a year"), default=2)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    notice_sent_on = models.DateField(_("expiry notice sent"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("maintenance contract")
        verbose_name_plural = _("maintenance contracts")
        ordering = ["-ends_on", "number"]
        indexes = [models.Index(fields=["state", "ends_on"], name="installed_contract_expiry")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="installed_contract_period"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="installed_contract_fee"),
        ]

    def __str__(self) -> str:
        return self.number

    def covers(self, day: object) -> bool:
        return self.state == self.State.ACTIVE and self.starts_on <= day <= self.ends_on  # type: ignore[operator]


class Unit(models.Model):
    """A sold unit: the service record (服务凭证 服表001), the history of all service on it."""

    serial = models.CharField(_("serial no."), max_length=80, unique=True)
    product_model = models.ForeignKey(
        "catalog.ProductModel", on_delete=models.PROTECT, related_name="units", verbose_name=_("model")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="units", verbose_name=_("customer")
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="units", verbose_name=_("site")
    )
    dealer = models.ForeignKey(
        "customers.Dealer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("dealer"),
    )
    contract = models.ForeignKey(
        ServiceContract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("maintenance contract"),
    )
    sold_on = models.DateField(_("sale date"))
    installed_on = models.DateField(_("installation date"), null=True, blank=True)
    warranty_until = models.DateField(_("warranty until"), help_text=_("inclusive"))
    warranty_rule = models.ForeignKey(
        "rules.Rule", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    software_version = models.CharField(_("software version"), max_length=60, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["customer", "-id"], name="installed_unit_customer"),
            models.Index(fields=["branch", "-id"], name="installed_unit_branch"),
            models.Index(Lower("serial"), name="installed_unit_serial_lower"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(installed_on__isnull=True) | Q(installed_on__gte=models.F("sold_on")),
                name="installed_unit_installed_after_sale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.product_model.code}"
