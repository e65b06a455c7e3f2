"""Reference data shared by every branch: product lines, product models, the parts master."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductLine(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ProductModel(models.Model):
    """A product model (商品型号) of a product line; its warranty can differ from the rule."""

    code = models.CharField(_("model"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    product_line = models.ForeignKey(
        ProductLine, on_delete=models.PROTECT, related_name="models", verbose_name=_("product line")
    )
    warranty_months = models.PositiveSmallIntegerField(
        _("warranty (months)"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the warranty rule of the product line."),
    )
    is_system = models.BooleanField(
        _("installed system"), default=False, help_text=_("Installed systems get same-day service clocks")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["product_line", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Part(models.Model):
    """The parts master (配件): what a part is and costs. Stock lives in :mod:`aftersales.stock`."""

    code = models.CharField(_("part number"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    unit = models.CharField(_("unit of measure"), max_length=16, default="个")
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=0)
    price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2, default=0)
    product_lines = models.ManyToManyField(
        ProductLine, blank=True, related_name="parts", verbose_name=_("product lines")
    )
    part_model = models.CharField(_("model"), max_length=100, blank=True)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    substitutes = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=True,
        verbose_name=_("substitutes"),
        help_text=_("Parts that can be used instead (both ways)"),
    )
    usage = models.ManyToManyField(
        ProductModel,
        blank=True,
        related_name="parts",
        verbose_name=_("used in"),
        help_text=_("The product models this part is used in"),
    )
    reorder_point = models.PositiveIntegerField(
        _("reorder point"), default=0, help_text=_("Reorder when the stock falls to this quantity")
    )
    is_common = models.BooleanField(
        _("common part"), default=False, help_text=_("Commonly used: must never be out of stock")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost__gte=0) & models.Q(price__gte=0),
                name="catalog_part_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FaultCategory(models.Model):
    """A fault category (故障类别) shared by calls and orders; repeat repairs are judged by it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fault category")
        verbose_name_plural = _("fault categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
