"""Customer master data. Every change is validated here and written to the trail."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.access.policy import Access
from aftersales.audit.services import changes_between, event_record
from aftersales.common.errors import InvalidInput, NotFound, PermissionDenied
from aftersales.common.numbering import number_next
from aftersales.customers.models import Customer, Dealer
from aftersales.org.models import Branch, User, Zone


@dataclass(frozen=True, kw_only=True)
class CustomerData:
    name: str
    kind: str = Customer.Kind.COMPANY
    branch_id: int
    zone_id: int | None = None
    dealer_id: int | None = None
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    notes: str = ""
    latitude: Decimal | None = None
    """Degrees north (WGS-84, as map apps show them); with ``longitude``, the place the dispatch
    optimiser drives to when the order's site has none."""
    longitude: Decimal | None = None


COORDINATE_STEP = Decimal("0.000001")


def validate_coordinates(latitude: Decimal | None, longitude: Decimal | None) -> dict[str, list[str]]:
    """Both or neither; latitude −90…90, longitude −180…180 (field errors, empty when fine)."""
    errors: dict[str, list[str]] = {}
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        errors[missing] = [_("Give both latitude and longitude, or neither.")]
        return errors
    if latitude is not None and not Decimal(-90) <= latitude <= Decimal(90):
        errors["latitude"] = [_("Latitude is between -90 and 90 degrees (e.g. 31.230416 for Shanghai).")]
    if longitude is not None and not Decimal(-180) <= longitude <= Decimal(180):
        errors["longitude"] = [_("Longitude is between -180 and 180 degrees (e.g. 121.473701 for Shanghai).")]
    return errors


def coordinate_value(value: Decimal | None) -> Decimal | None:
    """Degrees as stored: to 6 places (about 0.1 m)."""
    return None if value is None else Decimal(value).quantize(COORDINATE_STEP)


def _validate(data: CustomerData, *, access: Access) -> tuple[Branch, Zone | None, Dealer | None]:
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = [_("Enter the customer's name.")]
    elif len(data.name) > 150:
        errors["name"] = [_("At most 150 characters.")]
    if data.kind not in Customer.Kind.values:
        errors["kind"] = [_("Allowed: %(v)s") % {"v": ", ".join(Customer.Kind.values)}]
    branch = Branch.objects.filter(pk=data.branch_id, active=True).first()
    if branch is None or not access.can("customers.edit", branch.pk):
        errors["branch_id"] = [_("Choose one of your branches.")]
    zone = None
    if data.zone_id is not None:
        zone = Zone.objects.filter(pk=data.zone_id).first()
        if zone is None or (branch is not None and zone.branch_id != branch.pk):
            errors["zone_id"] = [_("Choose a zone of the customer's branch.")]
    dealer = None
    if data.dealer_id is not None:
        dealer = Dealer.objects.filter(pk=data.dealer_id, active=True).first()
        if dealer is None:
            errors["dealer_id"] = [_("Unknown dealer.")]
    if not data.phone.strip() and not data.email.strip():
        errors["phone"] = [_("Give a phone number or an e-mail address so the customer can be reached.")]
    if data.email.strip():
        try:
            validate_email(data.email.strip())
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address, e.g. name@example.com.")]
    errors.update(validate_coordinates(data.latitude, data.longitude))
    InvalidInput.check(errors)
    assert branch is not None
    return branch, zone, dealer


def _snapshot(customer: Customer) -> dict[str, object]:
    values = {f.name: getattr(customer, f.name) for f in fields(CustomerData)}
    for name in ("latitude", "longitude"):
        value = coordinate_value(values[name])  # type: ignore[arg-type]
        values[name] = None if value is None else str(value)
    return values


@transaction.atomic
def customer_create(*, data: CustomerData, access: Access, by: User) -> Customer:
    if not access.can("customers.edit"):
        raise PermissionDenied()
    branch, zone, dealer = _validate(data, access=access)
    customer = Customer(
        number=number_next(kind="customer", branch=branch),
        name=data.name.strip(),
        kind=data.kind,
        branch=branch,
        zone=zone,
        dealer=dealer,
        contact_name=data.contact_name.strip(),
        phone=data.phone.strip(),
        email=data.email.strip(),
        address=data.address.strip(),
        notes=data.notes,
        latitude=coordinate_value(data.latitude),
        longitude=coordinate_value(data.longitude),
    )
    customer.save()
    event_record(
        kind="created", subject=customer, actor=by, to_value=customer.number, data=_snapshot(customer)
    )
    return customer


@transaction.atomic
def customer_update(
    *, customer_id: int, data: CustomerData, access: Access, by: User, reason: str = ""
) -> Customer:
    from aftersales.customers.selectors import customers_visible

    customer = customers_visible(access=access).select_for_update(of=("self",)).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound()
    if not access.can("customers.edit", customer.branch_id):
        raise PermissionDenied()
    branch, zone, dealer = _validate(data, access=access)
    before = _snapshot(customer)
    customer.name, customer.kind, customer.branch, customer.zone, customer.dealer = (
        data.name.strip(),
        data.kind,
        branch,
        zone,
        dealer,
    )
    customer.contact_name, customer.phone, customer.email = (
        data.contact_name.strip(),
        data.phone.strip(),
        data.email.strip(),
    )
    customer.address, customer.notes = data.address.strip(), data.notes
    customer.latitude, customer.longitude = coordinate_value(data.latitude), coordinate_value(data.longitude)
    changes = changes_between(before, _snapshot(customer))
    if changes:
        customer.save()
        event_record(kind="updated", subject=customer, actor=by, data={"changes": changes}, reason=reason)
    return customer


@transaction.atomic
def customer_set_active(
    *, customer_id: int, active: bool, access: Access, by: User, reason: str = ""
) -> Customer:
    from aftersales.customers.selectors import customers_visible

    customer = customers_visible(access=access).select_for_update(of=("self",)).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound()
    if not access.can("customers.edit", customer.branch_id):
        raise PermissionDenied()
    if customer.active != active:
        customer.active = active
        customer.save(update_fields=["active", "updated_at"])
        event_record(
            kind="activated" if active else "deactivated",
            subject=customer,
            actor=by,
            from_value=str(not active),
            to_value=str(active),
            reason=reason,
        )
    return customer
