from __future__ import annotations

import pytest
from django.test import Client

from aftersales.conftest import PASSWORD, World
from aftersales.customers.models import Customer

pytestmark = pytest.mark.django_db

ROLE_USERS = {
    "admin": "hq_admin",
    "agent": "sh_agent",
    "supervisor": "sh_supervisor",
    "manager": "sh_manager",
    "technician": "sh_tech",
    "warehouse": "sh_warehouse",
    "accountant": "sh_accountant",
    "quality": "hq_quality",
    "quality_manager": "hq_quality_manager",
    "assessor": "hq_assessor",
    "executive": "hq_executive",
    "customer": "customer",
    "dealer": "dealer",
}


@pytest.mark.parametrize(("role", "user"), ROLE_USERS.items())
def test_every_role_has_a_home_page(world: World, role: str, user: str) -> None:
    response = world.client(user).get("/")
    assert response.status_code == 200
    assert f'data-role="{role}"' in response.content.decode()


def test_home_panels_show_real_records(world: World) -> None:
    page = world.client("sh_agent").get("/").content.decode()
    assert "上海申达" in page and "杭州萧山纺机" not in page
    page = world.client("dealer").get("/").content.decode()
    assert "上海申达" in page


def test_login_page_is_chinese_by_default_and_english_on_request() -> None:
    client = Client()
    assert "登录" in client.get("/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Sign in" in client.get("/login/").content.decode()


def test_pages_send_a_content_security_policy(world: World) -> None:
    response = world.client("sh_agent").get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_sign_in_and_out(world: World) -> None:
    client = Client()
    response = client.post("/login/", {"username": "sh_agent", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_sign_in_refuses_an_outside_redirect(world: World) -> None:
    response = Client().post(
        "/login/", {"username": "sh_agent", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_customer_form_names_each_bad_field_and_saves_nothing(world: World) -> None:
    client = world.client("sh_agent")
    before = Customer.objects.count()
    response = client.post(
        "/customers/new/", {"name": "", "kind": "company", "branch_id": world.sh.pk, "email": "not-an-email"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-field="name"' in body and 'data-field="email"' in body
    response = client.post(
        "/customers/new/", {"name": "无联系方式", "kind": "company", "branch_id": world.sh.pk}
    )
    assert response.status_code == 400 and 'data-field="phone"' in response.content.decode()
    assert Customer.objects.count() == before


def test_customer_form_refuses_a_branch_of_someone_else(world: World) -> None:
    response = world.client("sh_agent").post(
        "/customers/new/", {"name": "X", "kind": "company", "branch_id": world.hz.pk, "phone": "13800000001"}
    )
    assert response.status_code == 400
    assert 'data-field="branch_id"' in response.content.decode()


def test_customer_create_and_edit_write_the_trail(world: World) -> None:
    client = world.client("sh_agent")
    response = client.post(
        "/customers/new/",
        {
            "name": "上海新客户",
            "kind": "company",
            "branch_id": world.sh.pk,
            "zone_id": world.sh.zones.get(code="urban").pk,
            "phone": "13811112222",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(name="上海新客户")
    assert customer.number == "SH-CU-2026-000002" or customer.number.startswith("SH-CU-")
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        {
            "name": "上海新客户",
            "kind": "company",
            "branch_id": world.sh.pk,
            "phone": "13899998888",
            "reason": "客户更换电话",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "13811112222" in page and "13899998888" in page and "客户更换电话" in page


def test_htmx_inline_deactivate_returns_the_partial(world: World) -> None:
    client = world.client("sh_agent")
    response = client.post(
        f"/customers/{world.sh_customer.pk}/active/", {"active": "0"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="customer-status"' in body and "<html" not in body
    world.sh_customer.refresh_from_db()
    assert world.sh_customer.active is False


def test_htmx_list_filter_returns_only_the_rows(world: World) -> None:
    response = world.client("hq_admin").get("/customers/?q=杭州", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="rows"' in body and "<html" not in body
    assert "杭州萧山纺机" in body and "上海申达" not in body


def test_audit_page_filters_by_person(world: World) -> None:
    admin = world.users["hq_admin"]
    page = world.client("hq_executive").get(f"/audit/?actor={admin.pk}").content.decode()
    assert "上海申达" in page


def test_health_check() -> None:
    assert Client().get("/healthz").content == b"ok"
