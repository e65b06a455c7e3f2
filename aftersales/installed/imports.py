"""Bulk import and export of master data from Excel (.xlsx) or CSV: all or nothing, row by row.

One :class:`Sheet` per kind (customers, units, maintenance contracts; see ``imports_*.py``) says
which columns it reads, which are required, what each allows, how one row is saved (always through
the real services, so a row obeys the same rules as the page and the API) and how a record is
written back as an export row in the same columns, so an export can be edited and re-imported.

:func:`import_rows` runs every row inside one transaction. If any row fails, the whole import is
rolled back and the caller gets a report naming each row (the header is row 1, as Excel shows it),
the column and what is allowed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import IO, Any

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from aftersales.access.policy import Access
from aftersales.common.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from aftersales.org.models import User

MAX_ROWS = 5000
LANGUAGES = ("en", "zh-hans")
type Label = str | Promise


@dataclass(frozen=True)
class Column:
    key: str
    label: Label
    aliases: tuple[str, ...] = ()
    required: bool = False
    allowed: Label = ""  # what the column takes, shown on the page and in messages


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RowFailed(Exception):
    """The row's errors are already on the row."""


class _Rollback(Exception):
    pass


@dataclass
class ImportContext:
    access: Access
    by: User
    # key kind → key → the row that first used it: the same record twice in one file is refused
    seen: dict[str, dict[str, int]] = field(default_factory=dict)
    # what a sheet needs across rows (e.g. the parts: which row names which substitutes)
    notes: dict[str, Any] = field(default_factory=dict)
    # run once every row is saved (links to records a later row creates); True: the record changed
    later: list[tuple[Row, Callable[[], bool]]] = field(default_factory=list)

    def claim(self, kind: str, key: str, row: Row, column: str) -> bool:
        rows = self.seen.setdefault(kind, {})
        first = rows.get(key.lower())
        if first is not None:
            row.error(
                column, _("%(v)s is also on row %(r)d; each record may appear once.") % {"v": key, "r": first}
            )
            return False
        rows[key.lower()] = row.number
        return True


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class Sheet:
    kind: str
    title: Label
    perm: str
    columns: tuple[Column, ...]
    import_row: Callable[[Row, ImportContext], str]
    # service field name → column key, so that the service's own messages land on the right column
    field_to_column: dict[str, str]
    key_column: str  # where a message that names no field goes
    example: tuple[Any, ...] = ()
    extra_headers: tuple[Label, ...] = ()  # informative export columns the import ignores
    # who may import when holding ``perm`` somewhere is not enough (the parts master: at head office)
    allowed: Callable[[Access], bool] | None = None

    def may_import(self, access: Access) -> bool:
        return self.allowed(access) if self.allowed is not None else access.can(self.perm)

    def label(self, key: str) -> str:
        return next((str(c.label) for c in self.columns if c.key == key), key)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def headers(self) -> list[str]:
        return [str(c.label) for c in self.columns]

    def export_headers(self) -> list[str]:
        return self.headers() + [str(h) for h in self.extra_headers]


# --------------------------------------------------------------------------- reading the file


def _alias_map(sheet: Sheet) -> dict[str, str]:
    """Header text → column key: the key, the aliases and the label in every language."""
    out: dict[str, str] = {}
    for column in sheet.columns:
        names = [column.key, *column.aliases, str(column.label)]
        for code in LANGUAGES:
            with translation.override(code):
                names.append(str(column.label))
        for name in names:
            out.setdefault(_norm(name), column.key)
    return out


def _norm(header: str) -> str:
    return re.sub(r"[\s*＊]+", " ", header).strip().lower()


def read_rows(upload: IO[bytes], filename: str, sheet: Sheet | None = None) -> list[dict[str, Any]]:
    """Rows as dicts keyed by column key; raises InvalidInput for an unreadable file or header.

    An empty row is kept as ``{}`` so that row numbers stay those of the file.
    """
    if sheet is None:
        from aftersales.installed.imports_units import UNITS

        sheet = UNITS
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
    aliases = _alias_map(sheet)
    header = [aliases.get(_norm(str(h or "")), "") for h in raw_rows[0]]
    missing = [str(c.label) for c in sheet.columns if c.required and c.key not in header]
    if missing:
        msg = _("Missing columns: %(c)s.") % {"c": ", ".join(missing)}
        raise InvalidInput(msg, fields={"file": [msg]})
    rows: list[dict[str, Any]] = []
    for values in raw_rows[1:]:
        if all(v is None or str(v).strip() == "" for v in values):
            rows.append({})
            continue
        row: dict[str, Any] = {}
        for key, value in zip(header, values, strict=False):
            if key and key not in row:
                row[key] = value
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    if len(rows) > MAX_ROWS:
        raise InvalidInput(
            _("At most %(n)d rows per file.") % {"n": MAX_ROWS}, fields={"file": [_("Too many rows.")]}
        )
    return rows


# --------------------------------------------------------------------------- one row


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


YES = {"yes", "y", "true", "1", "是", "有", "包含", "含", "✓", "√"}
NO = {"no", "n", "false", "0", "否", "无", "不包含", "不含", "-", "×"}


class Row:
    """One file row: typed reads that collect errors naming the column and what is allowed."""

    def __init__(self, sheet: Sheet, number: int, values: dict[str, Any]):
        self.sheet = sheet
        self.number = number
        self.values = values
        self.errors: list[RowError] = []
        self.outcome = UNCHANGED

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.sheet.label(key), message))

    def check(self) -> None:
        if self.errors:
            raise RowFailed()

    def has(self, key: str) -> bool:
        return key in self.values

    def text(self, key: str, *, max_length: int | None = None) -> str:
        value = text_of(self.values.get(key))
        if not value and self.sheet.column(key).required:
            self.error(key, _("Required."))
        elif max_length is not None and len(value) > max_length:
            self.error(key, _("At most %(n)d characters.") % {"n": max_length})
            value = value[:max_length]
        return value

    def date(self, key: str) -> dt.date | None:
        value = self.values.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = self.text(key)
        if not text:
            return None
        try:
            return dt.date.fromisoformat(re.sub(r"[/.年月]", "-", text).removesuffix("日"))
        except ValueError:
            self.error(key, _("Write the date as YYYY-MM-DD."))
            return None

    def boolean(self, key: str, *, default: bool) -> bool:
        text = self.text(key).lower()
        if not text:
            return default
        if text in YES or text == _("yes").lower():
            return True
        if text in NO or text == _("no").lower():
            return False
        self.error(key, _("Allowed: yes or no (是 / 否)."))
        return default

    def decimal(self, key: str, *, default: Decimal) -> Decimal:
        text = self.text(key).replace(",", "").replace("¥", "").replace("￥", "").strip()
        if not text:
            return default
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.error(key, _("Write an amount such as 1200.00."))
            return default
        if not value.is_finite():
            self.error(key, _("Write an amount such as 1200.00."))
            return default
        return value.quantize(Decimal("0.01"))

    def coordinate(self, key: str) -> Decimal | None:
        """Degrees to 6 places, or None when blank (the range is the service's to check)."""
        text = self.text(key).replace("°", "").strip()
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.error(key, _("Write degrees as a decimal number such as 31.230416."))
            return None
        if not value.is_finite():
            self.error(key, _("Write degrees as a decimal number such as 31.230416."))
            return None
        from aftersales.customers.services import coordinate_value

        return coordinate_value(value)

    def integer(self, key: str, *, default: int) -> int:
        text = self.text(key)
        if not text:
            return default
        try:
            return int(Decimal(text))
        except (InvalidOperation, ValueError):
            self.error(key, _("Write a whole number."))
            return default

    def choice(self, key: str, choices: Iterable[tuple[str, Label]], *, default: str) -> str:
        """A value given as its code or its label in any language."""
        text = self.text(key).lower()
        if not text:
            return default
        pairs = list(choices)
        for value, label in pairs:
            names = {value.lower(), str(label).lower()}
            for code in LANGUAGES:
                with translation.override(code):
                    names.add(str(label).lower())
            if text in names:
                return value
        self.error(key, _("Allowed: %(v)s.") % {"v": ", ".join(str(label) for _v, label in pairs)})
        return default


def split_list(value: str) -> list[str]:
    """Serial numbers separated by commas, semicolons, 、 or line breaks."""
    return [part for part in re.split(r"[,，;；、\n]+", value) if part.strip()] if value else []


# --------------------------------------------------------------------------- the run


def import_rows(*, sheet: Sheet, rows: Sequence[dict[str, Any]], access: Access, by: User) -> ImportResult:
    """Save every row or none. Each row runs in a savepoint so a failed row leaves nothing behind."""
    if not sheet.may_import(access):
        raise PermissionDenied()
    result = ImportResult()
    context = ImportContext(access=access, by=by)
    outcomes: dict[int, str] = {}
    try:
        with transaction.atomic():
            for number, values in enumerate(rows, start=2):
                if not values:
                    continue
                row = Row(sheet, number, values)
                if _run(sheet, row, partial(sheet.import_row, row, context)):
                    outcomes[number] = row.outcome
                result.errors.extend(row.errors)
            for row, action in context.later:
                row.errors = []
                changed = _run(sheet, row, partial(_changed, action)) and row.outcome == UPDATED
                if changed and outcomes.get(row.number) == UNCHANGED:
                    outcomes[row.number] = UPDATED
                result.errors.extend(row.errors)
            if result.errors:
                raise _Rollback()
    except _Rollback:
        pass
    else:
        for outcome in outcomes.values():
            setattr(result, outcome, getattr(result, outcome) + 1)
    result.errors.sort(key=lambda e: e.row)
    return result


def _changed(action: Callable[[], bool]) -> str:
    return UPDATED if action() else UNCHANGED


def _run(sheet: Sheet, row: Row, action: Callable[[], str]) -> bool:
    """Run one step of a row in a savepoint; False (with the errors on the row) if it failed."""
    try:
        with transaction.atomic():
            row.outcome = action()
            row.check()
    except RowFailed:
        return False
    except (InvalidInput, NotFound, PermissionDenied, DomainError) as exc:
        _report(sheet, row, exc)
        return False
    return True


def _report(sheet: Sheet, row: Row, exc: DomainError) -> None:
    if exc.fields:
        for name, messages in exc.fields.items():
            key = sheet.field_to_column.get(name, name)
            for message in messages:
                row.error(key if any(c.key == key for c in sheet.columns) else sheet.key_column, message)
    elif isinstance(exc, NotFound | PermissionDenied):
        row.error(sheet.key_column, _("You may not change this record."))
    else:
        row.error(sheet.key_column, exc.message)


def sheet_for(kind: str) -> Sheet:
    """The sheet of ``customers``, ``units``, ``contracts`` or ``parts``; NotFound for anything else."""
    sheets = all_sheets()
    if kind not in sheets:
        raise NotFound()
    return sheets[kind]


def all_sheets() -> dict[str, Sheet]:
    from aftersales.installed.imports_contracts import CONTRACTS
    from aftersales.installed.imports_customers import CUSTOMERS
    from aftersales.installed.imports_parts import PARTS
    from aftersales.installed.imports_units import UNITS

    return {"customers": CUSTOMERS, "units": UNITS, "contracts": CONTRACTS, "parts": PARTS}


# --------------------------------------------------------------------------- kept for the unit import's callers


def import_units(*, rows: list[dict[str, Any]], access: Access, by: User) -> ImportResult:
    return import_rows(sheet=sheet_for("units"), rows=rows, access=access, by=by)


def template_headers() -> list[str]:
    return sheet_for("units").headers()
