from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.access.policy import ALL, Access
from aftersales.customers.models import Customer, Dealer
from aftersales.customers.services import CustomerData
from aftersales.org.models import Branch, Zone


def coordinate_fields() -> tuple[forms.DecimalField, forms.DecimalField]:
    """Latitude and longitude as optional form fields (the rules are validate_coordinates')."""

    def field(label: Any, example: str) -> forms.DecimalField:
        widget = forms.NumberInput(attrs={"placeholder": example, "step": "0.000001"})
        return forms.DecimalField(label=label, required=False, decimal_places=6, widget=widget)

    return field(_("latitude"), "31.230416"), field(_("longitude"), "121.473701")


class CustomerForm(forms.Form):
    """Collects input only; the rules are in customers.services."""

    name = forms.CharField(label=_("name"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=Customer.Kind.choices)
    branch_id = forms.TypedChoiceField(label=_("branch"), coerce=int)
    zone_id = forms.TypedChoiceField(label=_("zone"), coerce=int, required=False, empty_value=None)
    dealer_id = forms.TypedChoiceField(label=_("dealer"), coerce=int, required=False, empty_value=None)
    contact_name = forms.CharField(label=_("contact"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    email = forms.CharField(label=_("e-mail"), max_length=254, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    latitude, longitude = coordinate_fields()
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    reason = forms.CharField(label=_("reason for the change"), max_length=200, required=False)

    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = access.branches_for("customers.edit")
        branches = Branch.objects.filter(active=True)
        if visible != ALL:
            branches = branches.filter(pk__in=sorted(visible))
        self.fields["branch_id"].choices = [(b.pk, f"{b.code} {b.name}") for b in branches]  # type: ignore[attr-defined]
        zones = Zone.objects.filter(branch__in=branches).select_related("branch")
        self.fields["zone_id"].choices = [("", "—")] + [(z.pk, str(z)) for z in zones]  # type: ignore[attr-defined]
        self.fields["dealer_id"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (d.pk, d.name) for d in Dealer.objects.filter(active=True)
        ]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def to_data(self) -> CustomerData:
        cd = self.cleaned_data
        return CustomerData(
            name=cd["name"],
            kind=cd["kind"],
            branch_id=cd["branch_id"],
            zone_id=cd["zone_id"],
            dealer_id=cd["dealer_id"],
            contact_name=cd["contact_name"],
            phone=cd["phone"],
            email=cd["email"],
            address=cd["address"],
            notes=cd["notes"],
            latitude=cd["latitude"],
            longitude=cd["longitude"],
        )
