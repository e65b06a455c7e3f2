"""Writes to the parts master (配件档案): head office's master data.

Only a person holding ``parts.edit`` at head office changes it (:func:`can_edit_parts`); every
change is in the audit trail with the fields that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.access.policy import ALL, Access
from aftersales.audit.services import changes_between, event_record
from aftersales.catalog.models import Part, ProductLine, ProductModel
from aftersales.common.errors import InvalidInput, PermissionDenied
from aftersales.org.models import User

MAX_AMOUNT = Decimal("9999999999.99")  # 12 digits, 2 after the point
MAX_REORDER_POINT = 2_147_483_647
TEXT_LIMITS = {"code": 60, "name": 150, "name_en": 150, "part_model": 100, "specification": 200}


def can_edit_parts(access: Access) -> bool:
    """The parts master is head office's: ``parts.edit`` held at head office."""
    return access.branches_for("parts.edit") == ALL


@dataclass(frozen=True)
class PartData:
    """A part's master data; the code is the key. A list left as None keeps the part's links."""

    code: str
    name: str
    name_en: str = ""
    part_model: str = ""
    specification: str = ""
    cost: Decimal = Decimal("0")
    price: Decimal = Decimal("0")
    reorder_point: int = 0
    is_common: bool = False
    active: bool = True
    product_line_ids: Sequence[int] | None = None
    usage_ids: Sequence[int] | None = None  # product models the part is used in
    substitute_ids: Sequence[int] | None = None


@dataclass(frozen=True)
class PartSaved:
    part: Part
    created: bool
    changes: dict[str, list[Any]] = field(default_factory=dict)


def _errors(data: PartData, part_id: int | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, limit in TEXT_LIMITS.items():
        value = getattr(data, name).strip()
        if name in ("code", "name") and not value:
            errors[name] = [_("Required.")]
        elif len(value) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    for name in ("cost", "price"):
        amount: Decimal = getattr(data, name)
        if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
            errors[name] = [_("An amount from 0 to %(m)s.") % {"m": MAX_AMOUNT}]
    if not 0 <= data.reorder_point <= MAX_REORDER_POINT:
        errors["reorder_point"] = [_("A whole number, 0 or more.")]
    if data.product_line_ids is not None:
        found = ProductLine.objects.filter(pk__in=data.product_line_ids).count()
        if found != len(set(data.product_line_ids)):
            errors["product_line_ids"] = [_("Unknown product line.")]
    if data.usage_ids is not None:
        found = ProductModel.objects.filter(pk__in=data.usage_ids).count()
        if found != len(set(data.usage_ids)):
            errors["usage_ids"] = [_("Unknown product model.")]
    if data.substitute_ids is not None:
        if part_id is not None and part_id in data.substitute_ids:
            errors["substitute_ids"] = [_("A part cannot be its own substitute.")]
        elif Part.objects.filter(pk__in=data.substitute_ids).count() != len(set(data.substitute_ids)):
            errors["substitute_ids"] = [_("Unknown part.")]
    return errors


def part_snapshot(part: Part) -> dict[str, Any]:
    """The part's master data as the trail records it (links as sorted codes)."""
    return {
        "code": part.code,
        "name": part.name,
        "name_en": part.name_en,
        "part_model": part.part_model,
        "specification": part.specification,
        "cost": str(part.cost),
        "price": str(part.price),
        "reorder_point": part.reorder_point,
        "is_common": part.is_common,
        "active": part.active,
        "product_lines": ", ".join(sorted(part.product_lines.values_list("code", flat=True))),
        "usage": ", ".join(sorted(part.usage.values_list("code", flat=True))),
        "substitutes": ", ".join(sorted(part.substitutes.values_list("code", flat=True))),
    }


@transaction.atomic
def part_save(*, data: PartData, access: Access, by: User, reason: str = "") -> PartSaved:
    """Create the part of ``data.code`` or update it; records what changed. Nothing when unchanged."""
    if not can_edit_parts(access):
        raise PermissionDenied()
    code = data.code.strip()
    part = Part.objects.select_for_update().filter(code__iexact=code).first() if code else None
    InvalidInput.check(_errors(data, part.pk if part else None))
    created = part is None
    before = part_snapshot(part) if part is not None else {}
    if part is None:
        part = Part(code=code)
    part.name, part.name_en = data.name.strip(), data.name_en.strip()
    part.part_model, part.specification = data.part_model.strip(), data.specification.strip()
    part.cost, part.price = data.cost.quantize(Decimal("0.01")), data.price.quantize(Decimal("0.01"))
    part.reorder_point, part.is_common, part.active = data.reorder_point, data.is_common, data.active
    part.save()
    if data.product_line_ids is not None:
        part.product_lines.set(data.product_line_ids)
    if data.usage_ids is not None:
        part.usage.set(data.usage_ids)
    if data.substitute_ids is not None:
        part.substitutes.set(data.substitute_ids)  # symmetrical: the other part lists this one too
    after = part_snapshot(part)
    if created:
        event_record(
            kind="created",
            subject=part,
            actor=by,
            branch=access.head_office_id,
            to_value=part.code,
            data={k: str(v) for k, v in after.items()},
            reason=reason,
        )
        return PartSaved(part=part, created=True)
    changes = changes_between(before, after)
    if changes:
        event_record(
            kind="updated",
            subject=part,
            actor=by,
            branch=access.head_office_id,
            data={"changes": changes},
            reason=reason,
        )
    return PartSaved(part=part, created=False, changes=changes)
