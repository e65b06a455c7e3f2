"""The editor's node form: collects input only; the rules are in triage.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.catalog.models import FaultCategory, Part, ProductLine
from aftersales.org.models import Skill
from aftersales.sla.templatetags.sla import local_name
from aftersales.triage.models import Outcome, TroubleshootingNode
from aftersales.triage.services import NodeData


class NodeForm(forms.Form):
    product_line_id = forms.TypedChoiceField(
        label=_("product line"), coerce=int, required=False, empty_value=None
    )
    answer = forms.CharField(label=_("answer that leads here"), max_length=200, required=False)
    outcome = forms.ChoiceField(
        label=_("this node"),
        choices=[("", _("asks a question")), *Outcome.choices],
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    question = forms.CharField(label=_("question to ask"), max_length=300, required=False)
    advice = forms.CharField(label=_("advice"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    skill_id = forms.TypedChoiceField(label=_("skill needed"), coerce=int, required=False, empty_value=None)
    fault_category_id = forms.TypedChoiceField(
        label=_("fault category"), coerce=int, required=False, empty_value=None
    )
    part_ids = forms.TypedMultipleChoiceField(
        label=_("parts likely needed"),
        coerce=int,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(
        self,
        *args: Any,
        parent: TroubleshootingNode | None = None,
        line: ProductLine | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.parent = parent
        self.fields["product_line_id"].choices = [("", _("every product line"))] + [  # type: ignore[attr-defined]
            (p.pk, p.name) for p in ProductLine.objects.filter(active=True)
        ]
        if parent is not None:
            del self.fields["product_line_id"]
        self.fields["skill_id"].choices = [("", "—")] + [(s.pk, s.name) for s in Skill.objects.all()]  # type: ignore[attr-defined]
        self.fields["fault_category_id"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (f.pk, local_name(f)) for f in FaultCategory.objects.filter(active=True)
        ]
        parts = Part.objects.filter(active=True)
        line_id = parent.product_line_id if parent is not None else (line.pk if line else None)
        if line_id is not None:
            parts = parts.filter(Q(product_lines=line_id) | Q(product_lines__isnull=True)).distinct()
        self.fields["part_ids"].choices = [(p.pk, f"{p.code} {p.name}") for p in parts]  # type: ignore[attr-defined]
        for f in self.fields.values():
            if isinstance(f.widget, forms.RadioSelect):
                continue
            css = (
                "form-select" if isinstance(f.widget, forms.Select | forms.SelectMultiple) else "form-control"
            )
            f.widget.attrs.setdefault("class", css)

    @classmethod
    def initial_for(cls, node: TroubleshootingNode) -> dict[str, Any]:
        return {
            "product_line_id": node.product_line_id,
            "answer": node.answer,
            "outcome": node.outcome,
            "question": node.question,
            "advice": node.advice,
            "skill_id": node.skill_id,
            "fault_category_id": node.fault_category_id,
            "part_ids": [p.pk for p in node.parts.all()],
        }

    def mark_errors(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def to_data(self) -> NodeData:
        cd = self.cleaned_data
        return NodeData(
            answer=cd["answer"],
            question=cd["question"],
            outcome=cd["outcome"],
            advice=cd["advice"],
            skill_id=cd["skill_id"],
            part_ids=list(cd["part_ids"] or []),
            fault_category_id=cd["fault_category_id"],
            product_line_id=cd.get("product_line_id"),
        )
