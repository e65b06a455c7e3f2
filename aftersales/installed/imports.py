"""Bulk import of units from Excel (.xlsx) or CSV: every row through ``unit_create``, all or nothing.

Each row is checked by the same rules as the page and the API. If any row fails, the whole
import is rolled back and the caller gets a row-by-row report (row number, column, message).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from aftersales.access.policy import Access
from aftersales.catalog.models import ProductModel
from aftersales.common.errors import DomainError, InvalidInput
from aftersales.customers.models import Customer
from aftersales.installed.models import Site
from aftersales.installed.services import UnitData, site_create, unit_create
from aftersales.org.models import User

# (column key, header in the template, accepted aliases)
COLUMNS: list[tuple[str, Any, tuple[str, ...]]] = [
    ("serial", gettext_lazy("serial no."), ("serial", "序列号", "serial no.", "机身编号")),
    ("model_code", gettext_lazy("model code"), ("model", "model code", "model_code", "型号")),
    (
        "customer_number",
        gettext_lazy("customer number"),
        ("customer", "customer number", "customer_number", "客户编号"),
    ),
    ("sale_date", gettext_lazy("sale date"), ("sale date", "sale_date", "sold_on", "销售日期")),
    (
        "installation_date",
        gettext_lazy("installation date"),
        ("installation date", "installation_date", "installed_on", "安装日期"),
    ),
    ("site", gettext_lazy("site"), ("site", "现场", "项目", "现场/项目")),
    (
        "software_version",
        gettext_lazy("software version"),
        ("software version", "software_version", "软件版本"),
    ),
]
REQUIRED = ("serial", "model_code", "customer_number", "sale_date")
# service field → import column, so that the service's own messages land on the right column
FIELD_TO_COLUMN = {
    "serial": "serial",
    "product_model_id": "model_code",
    "customer_id": "customer_number",
    "sold_on": "sale_date",
    "installed_on": "installation_date",
    "site_id": "site",
    "software_version": "software_version",
    "name": "site",
}
MAX_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


def column_label(key: str) -> str:
    return next((str(label) for k, label, _aliases in COLUMNS if k == key), key)


def _alias_map() -> dict[str, str]:
    out = {}
    for key, label, aliases in COLUMNS:
        for name in (key, str(label), *aliases):
            out[name.strip().lower()] = key
    return out


def read_rows(upload: IO[bytes], filename: str) -> list[dict[str, Any]]:
    """Rows as dicts keyed by column key; raises InvalidInput for an unreadable file or header."""
    name = filename.lower()
    raw_rows: list[list[Any]]
    try:
        if name.endswith(".csv"):
            text = upload.read().decode("utf-8-sig")
            raw_rows = [list(r) for r in csv.reader(io.StringIO(text))]
        elif name.endswith(".xlsx"):
            wb = load_workbook(upload, read_only=True, data_only=True)
            raw_rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        else:
            raise InvalidInput(_("Upload an .xlsx or .csv file."), fields={"file": [_("Wrong file type.")]})
    except (UnicodeDecodeError, OSError, ValueError, KeyError) as exc:
        raise InvalidInput(_("The file cannot be read."), fields={"file": [str(exc)[:200]]}) from exc
    if not raw_rows:
        raise InvalidInput(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    aliases = _alias_map()
    header = [aliases.get(str(h or "").strip().lower(), "") for h in raw_rows[0]]
    missing = [column_label(k) for k in REQUIRED if k not in header]
    if missing:
        msg = _("Missing columns: %(c)s.") % {"c": ", ".join(missing)}
        raise InvalidInput(msg, fields={"file": [msg]})
    rows: list[dict[str, Any]] = []
    for values in raw_rows[1:]:
        if all(v in (None, "") for v in values):
            rows.append({})
            continue
        rows.append({k: v for k, v in zip(header, values, strict=False) if k})
    if len(rows) > MAX_ROWS:
        raise InvalidInput(
            _("At most %(n)d rows per file.") % {"n": MAX_ROWS}, fields={"file": [_("Too many rows.")]}
        )
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    return dt.date.fromisoformat(text)


def import_units(*, rows: list[dict[str, Any]], access: Access, by: User) -> ImportResult:
    """Create every unit or none. Row numbers count the header as row 1, as Excel shows them."""
    result = ImportResult()
    try:
        with transaction.atomic():
            for index, row in enumerate(rows, start=2):
                if row:
                    _import_row(index, row, access=access, by=by, result=result)
            if result.errors:
                raise _Rollback()
    except _Rollback:
        result.created = 0
    return result


def _import_row(index: int, row: dict[str, Any], *, access: Access, by: User, result: ImportResult) -> None:
    errors: list[RowError] = []
    for key in REQUIRED:
        if not _text(row.get(key)):
            errors.append(RowError(index, column_label(key), _("Required.")))
    dates: dict[str, dt.date | None] = {}
    for key in ("sale_date", "installation_date"):
        try:
            dates[key] = _date(row.get(key))
        except (TypeError, ValueError):
            errors.append(RowError(index, column_label(key), _("Write the date as YYYY-MM-DD.")))
    code = _text(row.get("model_code"))
    model = ProductModel.objects.filter(code__iexact=code, active=True).first() if code else None
    if code and model is None:
        errors.append(RowError(index, column_label("model_code"), _("Unknown model %(m)s.") % {"m": code}))
    number = _text(row.get("customer_number"))
    customer = Customer.objects.filter(number__iexact=number).first() if number else None
    if number and customer is None:
        errors.append(
            RowError(index, column_label("customer_number"), _("Unknown customer %(c)s.") % {"c": number})
        )
    if errors or model is None or customer is None or dates.get("sale_date") is None:
        result.errors.extend(errors)
        return
    try:
        with transaction.atomic():
            site_id = None
            site_name = _text(row.get("site"))
            if site_name:
                site = Site.objects.filter(customer=customer, name=site_name).first()
                site = site or site_create(customer_id=customer.pk, name=site_name, access=access, by=by)
                site_id = site.pk
            data = UnitData(
                serial=_text(row.get("serial")),
                product_model_id=model.pk,
                customer_id=customer.pk,
                sold_on=dates["sale_date"],  # type: ignore[arg-type]
                installed_on=dates.get("installation_date"),
                site_id=site_id,
                software_version=_text(row.get("software_version"))[:60],
            )
            unit_create(data=data, access=access, by=by)
    except DomainError as exc:
        if exc.fields:
            for name, messages in exc.fields.items():
                col = column_label(FIELD_TO_COLUMN.get(name, name))
                result.errors.extend(RowError(index, col, m) for m in messages)
        else:
            result.errors.append(RowError(index, column_label("customer_number"), exc.message))
    else:
        result.created += 1


def template_headers() -> list[str]:
    return [str(label) for _k, label, _a in COLUMNS]
