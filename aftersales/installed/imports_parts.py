"""The parts master (配件档案) in a sheet: saved through ``catalog.services.part_save``, keyed by part number.

Head office's master data: only a person holding ``parts.edit`` at head office imports it. A new
part number creates the part, a known one updates it. A column left out of the file keeps what the
part has; an empty cost, price, reorder point, common or active cell keeps it too (a new part: 0,
no, yes). Substitutes work both ways and may name parts further down the same file: they are linked
once every row is saved, and a part's substitutes are those its row names plus the rows of the file
that name it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.catalog.models import Part, ProductLine, ProductModel
from aftersales.catalog.services import PartData, can_edit_parts, part_save, part_snapshot
from aftersales.installed.imports import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Column,
    ImportContext,
    Row,
    RowFailed,
    Sheet,
    split_list,
)

REASON = gettext_lazy("Excel import")


def _amount(row: Row, key: str, default: Decimal) -> Decimal:
    value = row.decimal(key, default=default)
    if value < 0:
        row.error(key, _("An amount of 0 or more, such as 1200.00."))
    return value


def _whole(row: Row, key: str, default: int) -> int:
    text = row.text(key)
    if not text:
        return default
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("-1")
    if not value.is_finite() or value < 0 or value != value.to_integral_value():
        row.error(key, _("A whole number, 0 or more."))
        return default
    return int(value)


def _codes[M: ProductLine | ProductModel](row: Row, key: str, model: type[M], what: str) -> list[int] | None:
    """Ids of the codes in the cell; None when the file has no such column (the links stay)."""
    if not row.has(key):
        return None
    ids: list[int] = []
    for code in (c.strip() for c in split_list(row.text(key))):
        pk = model._default_manager.filter(code__iexact=code).values_list("pk", flat=True).first()
        if pk is None:
            row.error(key, _("Unknown %(what)s %(c)s: use its code.") % {"what": what, "c": code})
        else:
            ids.append(pk)
    return ids


def _part_row(row: Row, ctx: ImportContext) -> str:
    code = row.text("code", max_length=60)
    existing = Part.objects.filter(code__iexact=code).first() if code else None
    if code:
        ctx.claim("part", code, row, "code")

    def text(key: str, attr: str, limit: int) -> str:
        if row.has(key) or existing is None:
            return row.text(key, max_length=limit)
        return str(getattr(existing, attr))

    data = PartData(
        code=code,
        name=text("name", "name", 150),
        name_en=text("name_en", "name_en", 150),
        part_model=text("model", "part_model", 100),
        specification=text("specification", "specification", 200),
        cost=_amount(row, "cost", existing.cost if existing else Decimal("0")),
        price=_amount(row, "price", existing.price if existing else Decimal("0")),
        reorder_point=_whole(row, "reorder_point", existing.reorder_point if existing else 0),
        is_common=row.boolean("is_common", default=existing.is_common if existing else False),
        active=row.boolean("active", default=existing.active if existing else True),
        product_line_ids=_codes(row, "product_lines", ProductLine, _("product line")),
        usage_ids=_codes(row, "usage", ProductModel, _("product model")),
    )
    substitutes = [c.strip() for c in split_list(row.text("substitutes"))] if row.has("substitutes") else None
    if substitutes and code.lower() in {c.lower() for c in substitutes}:
        row.error("substitutes", _("A part cannot be its own substitute."))
    row.check()
    before = part_snapshot(existing) if existing is not None else None
    saved = part_save(data=data, access=ctx.access, by=ctx.by, reason=str(REASON))
    if substitutes is not None:
        named: dict[str, tuple[str, dict[str, str]]] = ctx.notes.setdefault("substitutes", {})
        named[code.lower()] = (code, {c.lower(): c for c in substitutes})
        ctx.later.append((row, lambda: _link(row, ctx, saved.part, data, before)))
    if saved.created:
        return CREATED
    return UPDATED if saved.changes else UNCHANGED


def _link(row: Row, ctx: ImportContext, part: Part, data: PartData, before: dict[str, Any] | None) -> bool:
    """Once every row is saved: the row's substitutes and the file's rows naming this part."""
    named: dict[str, tuple[str, dict[str, str]]] = ctx.notes["substitutes"]
    me = part.code.lower()
    wanted = dict(named[me][1])
    wanted.update({other: name for other, (name, codes) in named.items() if me in codes})
    ids: list[int] = []
    for code in sorted(wanted.values()):
        pk = Part.objects.filter(code__iexact=code).values_list("pk", flat=True).first()
        if pk is None:
            row.error(
                "substitutes",
                _("Unknown part %(c)s: use the part number of a part in the master or in this file.")
                % {"c": code},
            )
        else:
            ids.append(pk)
    if row.errors:
        raise RowFailed()
    part_save(data=replace(data, substitute_ids=ids), access=ctx.access, by=ctx.by, reason=str(REASON))
    return before is not None and part_snapshot(part) != before


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def part_export_row(part: Part) -> list[Any]:
    """The import's columns: an export imports again unchanged."""
    return [
        part.code,
        part.name,
        part.name_en,
        part.part_model,
        part.specification,
        part.cost,
        part.price,
        part.reorder_point,
        _yes_no(part.is_common),
        ", ".join(sorted(line.code for line in part.product_lines.all())),
        ", ".join(sorted(model.code for model in part.usage.all())),
        ", ".join(sorted(sub.code for sub in part.substitutes.all())),
        _yes_no(part.active),
    ]


def parts_for_export() -> Any:
    return Part.objects.order_by("code").prefetch_related("product_lines", "usage", "substitutes")


PARTS = Sheet(
    kind="parts",
    title=gettext_lazy("Parts master"),
    perm="parts.edit",
    allowed=can_edit_parts,
    columns=(
        Column(
            "code",
            gettext_lazy("part number"),
            ("code", "part code", "part no.", "配件编号", "配件编码", "编码", "料号", "物料编码"),
            required=True,
            allowed=gettext_lazy("unique; a known part number updates that part, a new one creates it"),
        ),
        Column(
            "name",
            gettext_lazy("name"),
            ("part name", "名称", "配件名称"),
            required=True,
            allowed=gettext_lazy("at most 150 characters"),
        ),
        Column(
            "name_en",
            gettext_lazy("English name"),
            ("name_en", "english name", "英文名称", "英文名"),
            allowed=gettext_lazy("at most 150 characters"),
        ),
        Column(
            "model",
            gettext_lazy("model"),
            ("part model", "part_model", "型号", "配件型号"),
            allowed=gettext_lazy("at most 100 characters"),
        ),
        Column(
            "specification",
            gettext_lazy("specification"),
            ("spec", "规格", "规格参数"),
            allowed=gettext_lazy("at most 200 characters"),
        ),
        Column(
            "cost",
            gettext_lazy("cost"),
            ("unit cost", "成本", "成本价", "单位成本"),
            allowed=gettext_lazy("an amount of 0 or more, such as 1200.00; empty keeps it (a new part: 0)"),
        ),
        Column(
            "price",
            gettext_lazy("sale price"),
            ("price", "list price", "售价", "销售价", "销售价格"),
            allowed=gettext_lazy(
                "an amount of 0 or more; may be below the cost; empty keeps it (a new part: 0)"
            ),
        ),
        Column(
            "reorder_point",
            gettext_lazy("reorder point"),
            ("reorder_point", "reorder level", "补货点", "再订货点", "订货点"),
            allowed=gettext_lazy("a whole number, 0 or more; empty keeps it (a new part: 0)"),
        ),
        Column(
            "is_common",
            gettext_lazy("common part"),
            ("common", "is_common", "常用件", "常用配件", "是否常用"),
            allowed=gettext_lazy("yes or no (是 / 否); empty keeps it (a new part: no)"),
        ),
        Column(
            "product_lines",
            gettext_lazy("product lines"),
            ("product line", "product_lines", "产品线"),
            allowed=gettext_lazy("product line codes separated by commas or 、; may be empty"),
        ),
        Column(
            "usage",
            gettext_lazy("used in models"),
            ("used in", "usage", "models", "适用机型", "适用型号", "使用机型"),
            allowed=gettext_lazy("product model codes separated by commas or 、; may be empty"),
        ),
        Column(
            "substitutes",
            gettext_lazy("substitutes"),
            ("substitute", "替代件", "替代配件", "可替代配件"),
            allowed=gettext_lazy(
                "part numbers separated by commas or 、, also of parts further down the file; "
                "both ways; never the part itself"
            ),
        ),
        Column(
            "active",
            gettext_lazy("active"),
            ("启用", "有效", "是否启用"),
            allowed=gettext_lazy("yes or no (是 / 否); empty keeps it (a new part: yes)"),
        ),
    ),
    import_row=_part_row,
    field_to_column={
        "code": "code",
        "name": "name",
        "name_en": "name_en",
        "part_model": "model",
        "specification": "specification",
        "cost": "cost",
        "price": "price",
        "reorder_point": "reorder_point",
        "product_line_ids": "product_lines",
        "usage_ids": "usage",
        "substitute_ids": "substitutes",
    },
    key_column="code",
    example=(
        "P-SPINDLE-01",
        "主轴轴承",
        "Spindle bearing",
        "7014C",
        "70×110×20 mm",
        Decimal("320.00"),
        Decimal("480.00"),
        5,
        "是",
        "cnc",
        "VMC-850",
        "",
        "是",
    ),
)
