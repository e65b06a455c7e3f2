"""Reference data shared by every branch: product lines (models and price lists come with the service flow)."""

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
