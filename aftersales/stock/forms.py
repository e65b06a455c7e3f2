"""Forms of the stock pages; the choices are what the person may see and move."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.access.policy import Access
from aftersales.catalog.models import Part
from aftersales.stock.models import Bin, Warehouse, WriteOff
from aftersales.stock.selectors import bins_visible, warehouses_visible
from aftersales.stock.services import may_move


class _StockForm(forms.Form):
    part = forms.ModelChoiceField(label=_("part"), queryset=Part.objects.filter(active=True))
    warehouse = forms.ModelChoiceField(label=_("warehouse"), queryset=Warehouse.objects.none())
    quantity = forms.IntegerField(label=_("quantity"), min_value=1)

    def __init__(self, *args: Any, access: Access, **kwargs: Any):
        super().__init__(*args, **kwargs)
        movable = [w.pk for w in warehouses_visible(access=access).filter(active=True) if may_move(access, w)]
        warehouse_field = self.fields["warehouse"]
        assert isinstance(warehouse_field, forms.ModelChoiceField)
        warehouse_field.queryset = Warehouse.objects.filter(pk__in=movable).order_by("code")
        if "bin" in self.fields:
            bin_field = self.fields["bin"]
            assert isinstance(bin_field, forms.ModelChoiceField)
            bin_field.queryset = (
                bins_visible(access=access)
                .filter(active=True, warehouse_id__in=movable)
                .select_related("warehouse")
            )
            self.fields["bin"].label_from_instance = lambda b: f"{b.warehouse.code} · {b.code}"  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ReceiveForm(_StockForm):
    quantity = forms.IntegerField(label=_("passed inspection"), min_value=0)
    rejected = forms.IntegerField(label=_("rejected at inspection"), min_value=0, initial=0, required=False)
    unit_cost = forms.DecimalField(label=_("unit cost"), min_value=Decimal(0), decimal_places=2)
    bin = forms.ModelChoiceField(label=_("bin"), queryset=Bin.objects.none())
    reference = forms.CharField(label=_("reference"), max_length=60, required=False)


class IssueForm(_StockForm):
    order = forms.CharField(label=_("order no."), max_length=40, required=False)
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class TransferForm(_StockForm):
    to_warehouse = forms.ModelChoiceField(
        label=_("to warehouse"), queryset=Warehouse.objects.filter(active=True).order_by("code")
    )
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class WriteOffForm(_StockForm):
    disposition = forms.ChoiceField(label=_("disposition"), choices=WriteOff.Disposition.choices)
    reason = forms.CharField(label=_("reason"), max_length=300)


class LoanForm(_StockForm):
    """Lend finished goods (成品借用): only finished-goods warehouses are offered."""

    borrower = forms.CharField(label=_("borrower"), max_length=150)
    order = forms.CharField(label=_("order no."), max_length=40, required=False)
    due_on = forms.DateField(
        label=_("due back"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("reason"), max_length=300)

    def __init__(self, *args: Any, access: Access, **kwargs: Any):
        super().__init__(*args, access=access, **kwargs)
        warehouse_field = self.fields["warehouse"]
        assert isinstance(warehouse_field, forms.ModelChoiceField) and warehouse_field.queryset is not None
        warehouse_field.queryset = warehouse_field.queryset.filter(kind=Warehouse.Kind.FINISHED_GOODS)


class LoanReturnForm(forms.Form):
    qa_passed = forms.TypedChoiceField(
        label=_("QA check"),
        choices=[("1", _("passed: back into stock")), ("0", _("failed: not restocked"))],
        coerce=lambda v: v == "1",
    )
    qa_note = forms.CharField(label=_("QA note"), max_length=300, required=False)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("decision"),
        choices=[("1", _("approve")), ("0", _("reject"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)
