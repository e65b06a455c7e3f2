"""Pages of the installed base: render in both languages, refuse outsiders, save through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.catalog.models import ProductModel
from aftersales.conftest import World
from aftersales.installed.models import ServiceContract, Site, Unit
from aftersales.installed.services import ContractData, contract_create

TODAY = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)


def lang(client: Client, code: str) -> Client:
    client.cookies["django_language"] = code
    return client


@pytest.mark.parametrize("code", ["zh-hans", "en"])
def test_unit_list_and_record_render_in_both_languages(world: World, sh_unit: Unit, code: str) -> None:
    client = lang(world.client("sh_agent"), code)
    response = client.get("/installed/units/")
    assert response.status_code == 200
    assert sh_unit.serial in response.text
    response = client.get(f"/installed/units/{sh_unit.pk}/")
    assert response.status_code == 200
    assert ("服表001" in response.text) and (sh_unit.serial in response.text)
    assert f"/installed/units/{sh_unit.pk}/record.pdf" in response.text
    assert 'data-testid="timeline"' in response.text


def test_search_as_you_type_returns_the_rows_partial(world: World, sh_unit: Unit) -> None:
    client = world.client("sh_agent")
    for q in ["SN-SH", "申达", "13800000000", "VMC"]:
        response = client.get("/installed/units/", {"q": q}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert sh_unit.serial in response.text, q
        assert "<html" not in response.text
    response = client.get("/installed/units/", {"q": "nothing-like-this"}, HTTP_HX_REQUEST="true")
    assert sh_unit.serial not in response.text


def test_list_shows_only_what_the_person_may_see(world: World, sh_unit: Unit, hz_unit: Unit) -> None:
    text = world.client("sh_agent").get("/installed/units/").text
    assert sh_unit.serial in text and hz_unit.serial not in text
    text = world.client("customer").get("/installed/units/").text
    assert sh_unit.serial in text and hz_unit.serial not in text
    text = world.client("hq_admin").get("/installed/units/").text
    assert sh_unit.serial in text and hz_unit.serial in text


def test_it_refuses_outsiders(world: World, sh_unit: Unit) -> None:
    for name in ["hz_agent", "hz_supervisor"]:
        client = world.client(name)
        assert client.get(f"/installed/units/{sh_unit.pk}/").status_code == 404
        assert client.get(f"/installed/units/{sh_unit.pk}/edit/").status_code == 404
        assert client.get(f"/installed/units/{sh_unit.pk}/record.pdf").status_code == 404
    assert world.client("customer").get(f"/installed/units/{sh_unit.pk}/edit/").status_code == 404
    assert Client().get(f"/installed/units/{sh_unit.pk}/").status_code == 302


def test_portal_user_of_another_customer_sees_nothing(world: World, hz_unit: Unit) -> None:
    assert world.client("customer").get(f"/installed/units/{hz_unit.pk}/").status_code == 404
    assert world.client("dealer").get(f"/installed/units/{hz_unit.pk}/").status_code == 404


def test_dealer_sees_units_it_sold(world: World, sh_unit: Unit) -> None:
    assert world.client("dealer").get(f"/installed/units/{sh_unit.pk}/").status_code == 200


def test_list_is_paged_by_keyset_with_constant_queries(
    world: World, model: ProductModel, django_assert_max_num_queries: object
) -> None:
    Unit.objects.bulk_create(
        Unit(
            serial=f"BULK-{i:03}",
            product_model=model,
            customer=world.sh_customer,
            branch=world.sh,
            sold_on=dt.date(2026, 1, 1),
            warranty_until=dt.date(2026, 12, 31),
        )
        for i in range(60)
    )
    client = world.client("sh_agent")
    response = client.get("/installed/units/")
    assert response.text.count("BULK-") == 50
    last = Unit.objects.order_by("-id")[49].pk
    assert f"before={last}" in response.text
    response = client.get("/installed/units/", {"before": last})
    assert response.text.count("BULK-") == 10
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        client.get("/installed/units/")


def test_excel_export(world: World, sh_unit: Unit) -> None:
    response = world.client("sh_agent").get("/installed/units/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@time_machine.travel(TODAY, tick=False)
def test_new_unit_saves_through_the_service_and_shows_errors_by_field(
    world: World, model: ProductModel
) -> None:
    client = world.client("sh_agent")
    assert client.get("/installed/units/new/").status_code == 200
    data = {
        "serial": "",
        "product_model_id": model.pk,
        "customer_id": world.sh_customer.pk,
        "sold_on": "2026-05-01",
        "installed_on": "2026-04-01",
    }
    response = client.post("/installed/units/new/", data)
    assert response.status_code == 400
    assert 'data-field="serial"' in response.text and 'data-field="installed_on"' in response.text
    assert not Unit.objects.exists()
    data.update(serial="SN-NEW-1", installed_on="2026-05-10")
    response = client.post("/installed/units/new/", data)
    unit = Unit.objects.get(serial="SN-NEW-1")
    assert response.status_code == 302 and response["Location"] == f"/installed/units/{unit.pk}/"
    assert unit.warranty_until == dt.date(2027, 5, 9)
    page = client.get(f"/installed/units/{unit.pk}/").text
    assert "2027-05-09" in page and "badge text-bg-success" in page


def test_edit_unit_records_a_reason(world: World, sh_unit: Unit) -> None:
    client = world.client("sh_supervisor")
    assert client.get(f"/installed/units/{sh_unit.pk}/edit/").status_code == 200
    response = client.post(
        f"/installed/units/{sh_unit.pk}/edit/",
        {
            "serial": sh_unit.serial,
            "product_model_id": sh_unit.product_model_id,
            "customer_id": sh_unit.customer_id,
            "sold_on": "2026-03-15",
            "software_version": "V3.0",
            "reason": "升级",
        },
    )
    assert response.status_code == 302
    sh_unit.refresh_from_db()
    assert sh_unit.software_version == "V3.0"
    assert Event.objects.filter(subject_type="installed.unit", subject_id=sh_unit.pk, reason="升级").exists()


def test_viewers_without_edit_rights_cannot_edit(world: World, sh_unit: Unit) -> None:
    for name in ["sh_tech", "sh_accountant", "customer"]:
        assert world.client(name).get("/installed/units/new/").status_code == 404
        assert world.client(name).get(f"/installed/units/{sh_unit.pk}/edit/").status_code == 404


def test_customer_page_lists_the_units_and_keeps_the_clock_panel(world: World, sh_unit: Unit) -> None:
    for code in ["zh-hans", "en"]:
        text = lang(world.client("sh_agent"), code).get(f"/customers/{world.sh_customer.pk}/").text
        assert 'data-testid="customer-units"' in text
        assert f"/installed/units/{sh_unit.pk}/" in text
        assert 'data-testid="clock-panel"' in text or "clock" in text


def test_site_created_from_the_customer_page(world: World) -> None:
    client = world.client("sh_agent")
    url = f"/installed/sites/new/{world.sh_customer.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": ""}).status_code == 400
    assert client.post(url, {"name": "一号车间"}).status_code == 302
    assert Site.objects.filter(customer=world.sh_customer, name="一号车间").exists()
    assert world.client("hz_agent").get(url).status_code == 404
    half = client.post(url, {"name": "二号车间", "latitude": "31.1"})
    assert half.status_code == 400 and 'data-field="longitude"' in half.content.decode()
    assert (
        client.post(url, {"name": "二号车间", "latitude": "31.05", "longitude": "121.2"}).status_code == 302
    )
    site = Site.objects.get(customer=world.sh_customer, name="二号车间")
    assert (site.latitude, site.longitude) == (Decimal("31.050000"), Decimal("121.200000"))


@pytest.mark.parametrize("code", ["zh-hans", "en"])
def test_contract_pages_and_state_buttons(world: World, sh_unit: Unit, code: str) -> None:
    client = lang(world.client("sh_supervisor"), code)
    assert client.get("/installed/contracts/").status_code == 200
    assert client.get("/installed/contracts/new/").status_code == 200
    response = client.post(
        "/installed/contracts/new/",
        {
            "customer_id": world.sh_customer.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "fee": "12000",
            "visits_per_year": "4",
            "covers_parts": "on",
        },
    )
    assert response.status_code == 302
    contract = ServiceContract.objects.get()
    assert not contract.covers_labour
    page = client.get(f"/installed/contracts/{contract.pk}/")
    assert page.status_code == 200 and 'data-to="active"' in page.text
    client.post(f"/installed/contracts/{contract.pk}/state/", {"to": "active"})
    contract.refresh_from_db()
    assert contract.state == "active"
    client.post(f"/installed/contracts/{contract.pk}/state/", {"to": "cancelled"})  # needs a reason
    contract.refresh_from_db()
    assert contract.state == "active"
    client.post(f"/installed/contracts/{contract.pk}/state/", {"to": "cancelled", "reason": "客户停产"})
    contract.refresh_from_db()
    assert contract.state == "cancelled"


def test_contract_refuses_outsiders(world: World) -> None:
    admin = world.users["hq_admin"]
    contract = contract_create(
        data=ContractData(
            customer_id=world.sh_customer.pk, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31)
        ),
        access=access_for(admin),
        by=admin,
    )
    assert world.client("hz_supervisor").get(f"/installed/contracts/{contract.pk}/").status_code == 404
    assert (
        world.client("hz_supervisor")
        .post(f"/installed/contracts/{contract.pk}/state/", {"to": "active"})
        .status_code
        == 404
    )
    assert world.client("sh_tech").get(f"/installed/contracts/{contract.pk}/").status_code == 404
    assert world.client("customer").get(f"/installed/contracts/{contract.pk}/").status_code == 200
    contract.refresh_from_db()
    assert contract.state == "draft"
