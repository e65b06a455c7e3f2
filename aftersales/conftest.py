"""Shared fixtures: a small world of branches, people in every role, customers and an outsider.

Following healthchecks' alice/bob/charlie: for every endpoint there is someone allowed and an outsider
(a Shanghai person asking for a Hangzhou record) who must get "not found".
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client

from aftersales.access.policy import access_for
from aftersales.catalog.models import ProductLine
from aftersales.customers.models import Customer, Dealer, PortalAccount
from aftersales.customers.services import CustomerData, customer_create
from aftersales.org.models import Branch, User, Zone
from aftersales.org.roles import Role
from aftersales.org.services import person_create, role_grant

PASSWORD = "correct horse battery"


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        from django.conf import settings

        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            raise pytest.UsageError("REQUIRE_POSTGRES=1 but DATABASE_URL does not select PostgreSQL")


@dataclass
class World:
    hq: Branch
    sh: Branch
    hz: Branch
    line: ProductLine
    users: dict[str, User]
    sh_customer: Customer
    hz_customer: Customer
    sh_dealer: Dealer

    def client(self, name: str) -> Client:
        client = Client()
        client.force_login(self.users[name])
        return client


def make_person(username: str, role: str, branch: Branch, by: User | None = None) -> User:
    user = person_create(
        username=username,
        name=username.title(),
        password=PASSWORD,
        home_branch=branch,
        by=by,
        check_password=False,
    )
    role_grant(user=user, role=role, branch=branch, by=by)
    return user


@pytest.fixture
def world(db: None) -> World:
    hq = Branch.objects.create(code="HQ", name="总部", city="上海", is_head_office=True)
    sh = Branch.objects.create(code="SH", name="上海服务中心", city="上海")
    hz = Branch.objects.create(code="HZ", name="杭州服务中心", city="杭州")
    for branch in (hq, sh, hz):
        Zone.objects.create(branch=branch, code="urban", name="市区", kind="urban")
        Zone.objects.create(branch=branch, code="suburban", name="郊区", kind="suburban")
    line = ProductLine.objects.create(code="cnc", name="数控机床")
    users: dict[str, User] = {}
    users["hq_admin"] = make_person("hq_admin", Role.ADMIN, hq)
    for name, role, branch in [
        ("hq_executive", Role.EXECUTIVE, hq),
        ("hq_quality_manager", Role.QUALITY_MANAGER, hq),
        ("hq_assessor", Role.ASSESSOR, hq),
        ("hq_quality", Role.QUALITY, hq),
        ("sh_agent", Role.AGENT, sh),
        ("sh_supervisor", Role.SUPERVISOR, sh),
        ("sh_manager", Role.MANAGER, sh),
        ("sh_tech", Role.TECHNICIAN, sh),
        ("sh_warehouse", Role.WAREHOUSE, sh),
        ("sh_accountant", Role.ACCOUNTANT, sh),
        ("hz_supervisor", Role.SUPERVISOR, hz),
        ("hz_agent", Role.AGENT, hz),
        ("hz_tech", Role.TECHNICIAN, hz),
    ]:
        users[name] = make_person(name, role, branch, users["hq_admin"])
    admin_access = access_for(users["hq_admin"])
    sh_dealer = Dealer.objects.create(code="D-SH", name="上海恒通", branch=sh)
    sh_customer = customer_create(
        data=CustomerData(
            name="上海申达",
            branch_id=sh.pk,
            zone_id=sh.zones.get(code="urban").pk,
            dealer_id=sh_dealer.pk,
            phone="13800000000",
        ),
        access=admin_access,
        by=users["hq_admin"],
    )
    hz_customer = customer_create(
        data=CustomerData(
            name="杭州萧山纺机",
            branch_id=hz.pk,
            zone_id=hz.zones.get(code="suburban").pk,
            phone="13900000000",
        ),
        access=admin_access,
        by=users["hq_admin"],
    )
    users["customer"] = make_person("customer_user", Role.CUSTOMER, sh, users["hq_admin"])
    PortalAccount.objects.create(user=users["customer"], customer=sh_customer)
    users["dealer"] = make_person("dealer_user", Role.DEALER, sh, users["hq_admin"])
    PortalAccount.objects.create(user=users["dealer"], dealer=sh_dealer)
    return World(
        hq=hq,
        sh=sh,
        hz=hz,
        line=line,
        users=users,
        sh_customer=sh_customer,
        hz_customer=hz_customer,
        sh_dealer=sh_dealer,
    )


def api_token(client: Client, username: str, password: str = PASSWORD) -> str:
    response = client.post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


@pytest.fixture
def api(world: World):  # type: ignore[no-untyped-def]
    """api("sh_tech") → a client whose requests carry that person's token."""

    def make(name: str) -> Client:
        client = Client()
        token = api_token(client, world.users[name].username)
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return make


requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs truly parallel transactions: runs in CI's PostgreSQL pass",
)
