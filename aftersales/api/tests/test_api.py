from __future__ import annotations

import pytest
from django.test import Client

from aftersales.api.models import ApiToken
from aftersales.conftest import PASSWORD, World
from aftersales.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["info"]["version"] == "1"
    assert "/api/v1/auth/token" in schema["paths"]
    assert "/api/v1/customers" in schema["paths"]


def test_token_login_returns_a_token_stored_only_as_a_hash(world: World) -> None:
    r = Client().post(
        "/api/v1/auth/token", {"username": "sh_agent", "password": PASSWORD}, content_type="application/json"
    )
    assert r.status_code == 200
    token = r.json()["token"]
    stored = ApiToken.objects.get(user=world.users["sh_agent"])
    assert token not in stored.key_hash and stored.prefix == token[:10]
    me = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/auth/me").json()
    assert me["username"] == "sh_agent"
    assert me["grants"] == [{"role": "agent", "branch": "SH"}]


def test_a_wrong_or_revoked_token_is_refused(world: World, api) -> None:  # type: ignore[no-untyped-def]
    r = Client(HTTP_AUTHORIZATION="Bearer as_nonsense").get("/api/v1/customers")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    client = api("sh_agent")
    ApiToken.objects.update(revoked=True)
    assert client.get("/api/v1/customers").status_code == 401


def test_errors_name_the_field_and_save_nothing(world: World, api) -> None:  # type: ignore[no-untyped-def]
    before = Customer.objects.count()
    r = api("sh_agent").post(
        "/api/v1/customers",
        {"name": "", "branch_id": world.sh.pk, "email": "bad"},
        content_type="application/json",
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) >= {"name", "email"}
    r = api("sh_agent").post(
        "/api/v1/customers", {"name": "无联系方式", "branch_id": world.sh.pk}, content_type="application/json"
    )
    assert r.status_code == 400 and "phone" in r.json()["fields"]
    r = api("sh_agent").post("/api/v1/customers", {"branch_id": "x"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "invalid" and "name" in r.json()["fields"]
    assert Customer.objects.count() == before


def test_create_and_update_a_customer(world: World, api) -> None:  # type: ignore[no-untyped-def]
    client = api("sh_agent")
    r = client.post(
        "/api/v1/customers",
        {"name": "API 客户", "branch_id": world.sh.pk, "phone": "13700000000"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["number"].startswith("SH-CU-")
    r = client.put(
        f"/api/v1/customers/{created['id']}?reason=更名",
        {"name": "API 客户二", "branch_id": world.sh.pk, "phone": "13700000000"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["name"] == "API 客户二"
    events = client.get(f"/api/v1/audit/events?subject_type=customers.customer&subject_id={created['id']}")
    # An agent may not browse the audit trail.
    assert events.status_code == 404


def test_outsiders_cannot_update_another_branch_customer(world: World, api) -> None:  # type: ignore[no-untyped-def]
    r = api("sh_agent").put(
        f"/api/v1/customers/{world.hz_customer.pk}",
        {"name": "x", "branch_id": world.sh.pk, "phone": "1"},
        content_type="application/json",
    )
    assert r.status_code == 404
    world.hz_customer.refresh_from_db()
    assert world.hz_customer.name == "杭州萧山纺机"


def test_a_technician_cannot_create_customers(world: World, api) -> None:  # type: ignore[no-untyped-def]
    r = api("sh_tech").post(
        "/api/v1/customers",
        {"name": "x", "branch_id": world.sh.pk, "phone": "1"},
        content_type="application/json",
    )
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


def test_people_and_branches_are_scoped(world: World, api) -> None:  # type: ignore[no-untyped-def]
    people = {p["username"] for p in api("sh_supervisor").get("/api/v1/people").json()}
    assert "sh_tech" in people and "hz_tech" not in people
    assert api("sh_tech").get("/api/v1/people").json() == []
    codes = {b["code"] for b in api("sh_agent").get("/api/v1/branches").json()}
    assert codes == {"SH"}
    assert {b["code"] for b in api("hq_executive").get("/api/v1/branches").json()} == {"HQ", "SH", "HZ"}


def test_the_page_session_works_for_the_api_with_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["sh_agent"])
    assert client.get("/api/v1/customers").status_code == 200
    r = client.post(
        "/api/v1/customers",
        {"name": "x", "branch_id": world.sh.pk, "phone": "1"},
        content_type="application/json",
    )
    assert r.status_code in (401, 403)
