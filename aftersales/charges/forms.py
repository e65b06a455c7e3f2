"""Input of the quote page; the rules are in :mod:`aftersales.charges.services`."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class TotalForm(forms.Form):
    total = forms.DecimalField(
        label=_("quoted total"), min_value=Decimal(0), max_digits=12, decimal_places=2, localize=False
    )
    reason = forms.CharField(label=_("reason for the price"), max_length=200, required=False)
