from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: datetime.datetime


class GrantOut(Schema):
    role: str
    branch: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    grants: list[GrantOut]
    customer_id: int | None
    dealer_id: int | None


class BranchOut(Schema):
    id: int
    code: str
    name: str
    city: str
    is_head_office: bool
    timezone: str
    business_hours: list[list[str]]


class PersonOut(Schema):
    id: int
    username: str
    name: str
    phone: str
    home_branch: str | None
    grants: list[GrantOut]


class CustomerIn(Schema):
    name: str
    kind: str = "company"
    branch_id: int
    zone_id: int | None = None
    dealer_id: int | None = None
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    notes: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class CustomerOut(Schema):
    id: int
    number: str
    name: str
    kind: str
    branch_id: int
    branch: str
    zone_id: int | None
    dealer_id: int | None
    contact_name: str
    phone: str
    email: str
    address: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    active: bool
    created_at: datetime.datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_before: int | None


class EventOut(Schema):
    id: int
    occurred_at: datetime.datetime
    actor: str
    branch: str | None
    subject_type: str
    subject_id: int | None
    subject_label: str
    kind: str
    from_value: str
    to_value: str
    reason: str
    data: dict[str, object]


class EventPage(Schema):
    items: list[EventOut]
    next_before: int | None
