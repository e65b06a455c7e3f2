"""Customers in a sheet: imported through ``customer_create`` / ``customer_update``, keyed by number.

An empty number registers a new customer (the system gives the number); the number of a customer
of your branches updates it; an unknown number is refused, and so is a new row whose customer is
already registered in that branch (same name; for a person, same name and phone).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.access.policy import ALL
from aftersales.customers.models import Customer, Dealer
from aftersales.customers.selectors import customers_visible
from aftersales.customers.services import CustomerData, customer_create, customer_update
from aftersales.installed.imports import (
    CREATED,
    LANGUAGES,
    UNCHANGED,
    UPDATED,
    Column,
    ImportContext,
    Row,
    RowFailed,
    Sheet,
)
from aftersales.org.models import Branch, Zone

COMPANY_ALIASES = {"公司", "企业", "单位", "法人"}
PERSON_ALIASES = {"个人", "自然人"}


def _branch(row: Row, ctx: ImportContext) -> Branch | None:
    text = row.text("branch")
    editable = ctx.access.branches_for("customers.edit")
    if not text:
        if editable != ALL and len(editable) == 1:
            return Branch.objects.filter(pk=next(iter(editable)), active=True).first()
        row.error("branch", _("Required: the code of one of your branches."))
        return None
    branch = Branch.objects.filter(
        Q(code__iexact=text) | Q(name=text) | Q(name_en__iexact=text), active=True
    ).first()
    if branch is None or not ctx.access.can("customers.edit", branch.pk):
        row.error(
            "branch", _("%(b)s is not one of your branches; allowed: %(a)s.") % {"b": text, "a": _codes(ctx)}
        )
        return None
    return branch


def _zone(row: Row, branch: Branch) -> Zone | None:
    """A zone of the branch by code or name, or by kind (市区 / urban) when the branch has one of it."""
    text = row.text("zone")
    if not text:
        return None
    zones = list(branch.zones.all())
    for zone in zones:
        if text.lower() in (zone.code.lower(), zone.name.lower()):
            return zone
    kinds: dict[str, list[Zone]] = {}
    for zone in zones:
        for code in LANGUAGES:
            with translation.override(code):
                kinds.setdefault(str(zone.get_kind_display()).lower(), []).append(zone)
        kinds.setdefault(zone.kind, []).append(zone)
    matches = {z.pk: z for z in kinds.get(text.lower(), [])}
    if len(matches) == 1:
        return next(iter(matches.values()))
    names = ", ".join(z.name for z in zones)
    row.error(
        "zone", _("Unknown zone %(z)s of %(b)s; allowed: %(a)s.") % {"z": text, "b": branch.code, "a": names}
    )
    return None


def _codes(ctx: ImportContext) -> str:
    editable = ctx.access.branches_for("customers.edit")
    qs = Branch.objects.filter(active=True)
    if editable != ALL:
        qs = qs.filter(pk__in=sorted(editable))
    return ", ".join(qs.values_list("code", flat=True))


def _customer_row(row: Row, ctx: ImportContext) -> str:
    number = row.text("number", max_length=40)
    name = row.text("name", max_length=150)
    kind = row.text("kind")
    if kind in COMPANY_ALIASES:
        kind = Customer.Kind.COMPANY
    elif kind in PERSON_ALIASES:
        kind = Customer.Kind.PERSON
    else:
        kind = row.choice("kind", Customer.Kind.choices, default=Customer.Kind.COMPANY)
    branch = _branch(row, ctx)
    zone = _zone(row, branch) if branch is not None else None
    dealer = None
    dealer_text = row.text("dealer")
    if dealer_text:
        dealer = Dealer.objects.filter(Q(code__iexact=dealer_text) | Q(name=dealer_text), active=True).first()
        if dealer is None:
            row.error(
                "dealer", _("Unknown dealer %(d)s: use the code of an active dealer.") % {"d": dealer_text}
            )
    contact = row.text("contact", max_length=100)
    phone = row.text("phone", max_length=40)
    email = row.text("email", max_length=254)
    address = row.text("address", max_length=200)
    notes = row.text("notes")
    latitude, longitude = row.coordinate("latitude"), row.coordinate("longitude")
    existing = None
    if number and ctx.claim("customer", number, row, "number"):
        existing = customers_visible(access=ctx.access).filter(number__iexact=number).first()
        if existing is None:
            row.error(
                "number",
                _("Unknown customer number %(n)s; leave it empty to register a new customer.")
                % {"n": number},
            )
    row.check()
    assert branch is not None
    data = CustomerData(
        name=name,
        kind=kind,
        branch_id=branch.pk,
        zone_id=zone.pk if zone else None,
        dealer_id=dealer.pk if dealer else None,
        contact_name=contact,
        phone=phone,
        email=email,
        address=address,
        # the notes column may be left out of a file: then the customer's notes stay
        notes=notes if row.has("notes") or existing is None else existing.notes,
        # so may the coordinates: then they stay
        latitude=latitude if row.has("latitude") or existing is None else existing.latitude,
        longitude=longitude if row.has("longitude") or existing is None else existing.longitude,
    )
    if existing is None:
        _refuse_duplicate(row, ctx, data)
        customer_create(data=data, access=ctx.access, by=ctx.by)
        return CREATED
    before = _values(existing)
    customer = customer_update(
        customer_id=existing.pk, data=data, access=ctx.access, by=ctx.by, reason=_("Excel import")
    )
    return UNCHANGED if _values(customer) == before else UPDATED


def _refuse_duplicate(row: Row, ctx: ImportContext, data: CustomerData) -> None:
    same = Customer.objects.filter(branch_id=data.branch_id, name__iexact=data.name.strip())
    key = f"{data.branch_id}|{data.name.strip()}"
    if data.kind == Customer.Kind.PERSON:
        same = same.filter(phone=data.phone.strip())
        key += f"|{data.phone.strip()}"
    if not ctx.claim("new customer", key, row, "name"):
        raise RowFailed()
    found = same.first()
    if found is not None:
        row.error(
            "name",
            _("%(c)s is already registered as %(n)s; put that number in the number column to update it.")
            % {"c": data.name, "n": found.number},
        )
        raise RowFailed()


def _values(customer: Customer) -> tuple[object, ...]:
    return (
        customer.name,
        customer.kind,
        customer.branch_id,
        customer.zone_id,
        customer.dealer_id,
        customer.contact_name,
        customer.phone,
        customer.email,
        customer.address,
        customer.notes,
        customer.latitude,
        customer.longitude,
    )


def customer_export_row(customer: Customer) -> list[Any]:
    """The import's columns, then what is only for reading (the import ignores those)."""
    return [
        customer.number,
        customer.name,
        customer.get_kind_display(),
        customer.branch.code,
        customer.zone.name if customer.zone else "",
        customer.dealer.code if customer.dealer else "",
        customer.contact_name,
        customer.phone,
        customer.email,
        customer.address,
        customer.notes,
        "" if customer.latitude is None else str(customer.latitude),
        "" if customer.longitude is None else str(customer.longitude),
        _("yes") if customer.active else _("no"),
        customer.created_at,
    ]


CUSTOMERS = Sheet(
    kind="customers",
    title=gettext_lazy("Customers"),
    perm="customers.edit",
    columns=(
        Column(
            "number",
            gettext_lazy("number"),
            ("customer number", "customer_number", "no.", "客户编号", "编号"),
            allowed=gettext_lazy("empty for a new customer; a customer's number updates that customer"),
        ),
        Column(
            "name",
            gettext_lazy("name"),
            ("customer", "customer name", "客户名称", "客户", "名称"),
            required=True,
            allowed=gettext_lazy("at most 150 characters"),
        ),
        Column(
            "kind",
            gettext_lazy("kind"),
            ("type", "customer kind", "类型", "客户类型"),
            allowed=gettext_lazy("company or person (企业 / 个人); empty: company"),
        ),
        Column(
            "branch",
            gettext_lazy("branch"),
            ("branch code", "服务中心", "分公司", "网点"),
            allowed=gettext_lazy("the code of one of your branches; may be empty if you have only one"),
        ),
        Column(
            "zone",
            gettext_lazy("zone"),
            ("service zone", "区域", "服务区域"),
            allowed=gettext_lazy("the name or code of a zone of that branch"),
        ),
        Column(
            "dealer",
            gettext_lazy("dealer"),
            ("dealer code", "经销商", "经销商编号"),
            allowed=gettext_lazy("the code of an active dealer; may be empty"),
        ),
        Column(
            "contact",
            gettext_lazy("contact"),
            ("contact name", "contact_name", "联系人"),
            allowed=gettext_lazy("the main contact person"),
        ),
        Column(
            "phone",
            gettext_lazy("phone"),
            ("telephone", "mobile", "电话", "手机", "联系电话"),
            allowed=gettext_lazy("a phone or an e-mail address is required"),
        ),
        Column("email", gettext_lazy("e-mail"), ("email", "mail", "邮箱", "电子邮件")),
        Column("address", gettext_lazy("address"), ("地址",), allowed=gettext_lazy("at most 200 characters")),
        Column("notes", gettext_lazy("notes"), ("备注",)),
        Column(
            "latitude",
            gettext_lazy("latitude"),
            ("lat", "纬度"),
            allowed=gettext_lazy("degrees north, e.g. 31.230416; with the longitude, or both empty"),
        ),
        Column(
            "longitude",
            gettext_lazy("longitude"),
            ("lng", "lon", "经度"),
            allowed=gettext_lazy("degrees east, e.g. 121.473701; the dispatch optimiser drives there"),
        ),
    ),
    import_row=_customer_row,
    field_to_column={
        "name": "name",
        "kind": "kind",
        "branch_id": "branch",
        "zone_id": "zone",
        "dealer_id": "dealer",
        "contact_name": "contact",
        "phone": "phone",
        "email": "email",
        "address": "address",
        "notes": "notes",
        "latitude": "latitude",
        "longitude": "longitude",
    },
    key_column="number",
    example=(
        "",
        "上海精工机械有限公司",
        "企业",
        "SH",
        "市区",
        "",
        "王工",
        "13800000000",
        "",
        "上海市嘉定区",
        "",
        "31.375",
        "121.265",
    ),
    extra_headers=(gettext_lazy("active"), gettext_lazy("created")),
)
