"""Forms of the installed base: they collect input only; the rules are in installed.services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.access.policy import ALL, Access
from aftersales.catalog.models import ProductModel
from aftersales.common.errors import InvalidInput
from aftersales.customers.forms import coordinate_fields
from aftersales.customers.models import Customer, Dealer
from aftersales.installed.models import ServiceContract, Site
from aftersales.installed.services import ContractData, UnitData

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        else:
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


def editable_customers(access: Access, perm: str) -> list[Customer]:
    branches = access.branches_for(perm)
    qs = Customer.objects.filter(active=True).order_by("name")
    if branches != ALL:
        qs = qs.filter(branch_id__in=sorted(branches))
    return list(qs[:1000])


class UnitForm(forms.Form):
    serial = forms.CharField(label=_("serial no."), max_length=80, required=False)
    product_model_id = forms.TypedChoiceField(label=_("model"), coerce=int)
    customer_id = forms.TypedChoiceField(label=_("customer"), coerce=int)
    sold_on = forms.DateField(label=_("sale date"), widget=DATE)
    installed_on = forms.DateField(label=_("installation date"), widget=DATE, required=False)
    site_id = forms.TypedChoiceField(label=_("site"), coerce=int, required=False, empty_value=None)
    dealer_id = forms.TypedChoiceField(label=_("dealer"), coerce=int, required=False, empty_value=None)
    contract_id = forms.TypedChoiceField(
        label=_("maintenance contract"), coerce=int, required=False, empty_value=None
    )
    software_version = forms.CharField(label=_("software version"), max_length=60, required=False)
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    reason = forms.CharField(label=_("reason for the change"), max_length=200, required=False)

    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customers = editable_customers(access, "installed.edit")
        ids = [c.pk for c in customers]
        self.fields["product_model_id"].choices = [  # type: ignore[attr-defined]
            (m.pk, f"{m.code} {m.name}") for m in ProductModel.objects.filter(active=True)
        ]
        self.fields["customer_id"].choices = [(c.pk, f"{c.number} {c.name}") for c in customers]  # type: ignore[attr-defined]
        sites = Site.objects.filter(customer_id__in=ids).select_related("customer")
        self.fields["site_id"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (s.pk, f"{s.customer.name} · {s.name}") for s in sites
        ]
        self.fields["dealer_id"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (d.pk, d.name) for d in Dealer.objects.filter(active=True)
        ]
        contracts = ServiceContract.objects.filter(customer_id__in=ids).exclude(
            state=ServiceContract.State.CANCELLED
        )
        self.fields["contract_id"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (c.pk, f"{c.number} ({c.get_state_display()})") for c in contracts.select_related("customer")
        ]
        _style(self)

    def to_data(self) -> UnitData:
        cd = self.cleaned_data
        return UnitData(
            serial=cd["serial"],
            product_model_id=cd["product_model_id"],
            customer_id=cd["customer_id"],
            sold_on=cd["sold_on"],
            installed_on=cd["installed_on"],
            site_id=cd["site_id"],
            dealer_id=cd["dealer_id"],
            contract_id=cd["contract_id"],
            software_version=cd["software_version"],
            notes=cd["notes"],
        )


class ContractForm(forms.Form):
    customer_id = forms.TypedChoiceField(label=_("customer"), coerce=int)
    starts_on = forms.DateField(label=_("valid from"), widget=DATE)
    ends_on = forms.DateField(label=_("valid until"), widget=DATE)
    fee = forms.DecimalField(label=_("fee"), max_digits=12, decimal_places=2, initial=Decimal(0))
    visits_per_year = forms.IntegerField(label=_("maintenance visits a year"), initial=2)
    covers_parts = forms.BooleanField(label=_("parts covered"), required=False, initial=True)
    covers_labour = forms.BooleanField(label=_("labour covered"), required=False, initial=True)
    covers_travel = forms.BooleanField(label=_("travel covered"), required=False, initial=True)
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_id"].choices = [  # type: ignore[attr-defined]
            (c.pk, f"{c.number} {c.name}") for c in editable_customers(access, "contracts.edit")
        ]
        _style(self)

    def to_data(self) -> ContractData:
        cd = self.cleaned_data
        return ContractData(
            customer_id=cd["customer_id"],
            starts_on=cd["starts_on"],
            ends_on=cd["ends_on"],
            fee=cd["fee"],
            covers_parts=cd["covers_parts"],
            covers_labour=cd["covers_labour"],
            covers_travel=cd["covers_travel"],
            visits_per_year=cd["visits_per_year"],
            notes=cd["notes"],
        )


class SiteForm(forms.Form):
    name = forms.CharField(label=_("site"), max_length=150, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    zone_id = forms.TypedChoiceField(label=_("zone"), coerce=int, required=False, empty_value=None)
    acceptance_date = forms.DateField(label=_("acceptance date"), widget=DATE, required=False)
    latitude, longitude = coordinate_fields()
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zone_id"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (z.pk, str(z)) for z in customer.branch.zones.all()
        ]
        _style(self)


def apply_errors(form: forms.Form, exc: InvalidInput) -> None:
    """Put a service's field errors on the form's fields (or on the form when unknown)."""
    for field, msgs in exc.fields.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)
    if not exc.fields:
        form.add_error(None, exc.message)
