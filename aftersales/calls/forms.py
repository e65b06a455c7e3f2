"""The intake form: collects input only; the rules are in calls.services.call_register."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.calls.models import Category, Channel, ServiceType, Urgency
from aftersales.calls.services import CallData
from aftersales.catalog.models import FaultCategory
from aftersales.org.models import Zone
from aftersales.sla.templatetags.sla import local_name


class CallForm(forms.Form):
    customer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices, initial=Channel.PHONE)
    category = forms.ChoiceField(label=_("category"), choices=Category.choices, initial=Category.REPAIR)
    urgency = forms.ChoiceField(label=_("urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    contact_name = forms.CharField(label=_("contact"), max_length=100, required=False)
    phone = forms.CharField(label=_("phone"), max_length=40, required=False)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    zone_id = forms.TypedChoiceField(label=_("zone"), coerce=int, required=False, empty_value=None)
    fault_category_id = forms.TypedChoiceField(
        label=_("fault category"), coerce=int, required=False, empty_value=None
    )
    fault_description = forms.CharField(
        label=_("fault and symptoms"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    human_damage_suspected = forms.BooleanField(label=_("human damage suspected"), required=False)
    service_type = forms.ChoiceField(
        label=_("service type"),
        choices=[("", _("as the unit and contract give it")), *ServiceType.choices],
        required=False,
    )
    service_type_reason = forms.CharField(
        label=_("why the service type differs"), max_length=200, required=False
    )
    resolved_remotely = forms.BooleanField(label=_("resolved by phone"), required=False)
    resolution_note = forms.CharField(
        label=_("resolution"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, branch_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zones = Zone.objects.filter(branch_id=branch_id) if branch_id else Zone.objects.none()
        self.fields["zone_id"].choices = [("", "—")] + [(z.pk, z.name) for z in zones]  # type: ignore[attr-defined]
        self.fields["fault_category_id"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (f.pk, local_name(f)) for f in FaultCategory.objects.filter(active=True)
        ]
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif not field.widget.is_hidden:
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def mark_errors(self) -> None:
        """Bootstrap's red outline on the fields with an error (after the service's errors too)."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def to_data(self) -> CallData:
        cd = self.cleaned_data
        return CallData(
            customer_id=cd["customer_id"],
            unit_id=cd["unit_id"],
            channel=cd["channel"],
            category=cd["category"],
            urgency=cd["urgency"],
            contact_name=cd["contact_name"],
            phone=cd["phone"],
            address=cd["address"],
            zone_id=cd["zone_id"],
            fault_category_id=cd["fault_category_id"],
            fault_description=cd["fault_description"],
            human_damage_suspected=cd["human_damage_suspected"],
            service_type=cd["service_type"],
            service_type_reason=cd["service_type_reason"],
            resolved_remotely=cd["resolved_remotely"],
            resolution_note=cd["resolution_note"],
        )
