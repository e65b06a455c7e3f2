"""Quote pages (S6 through the pages) and the accountant's list of invoices and payments."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.onsite import order_settle
from aftersales.charges.models import Quote
from aftersales.charges.tests.test_charges import order_on, setup  # noqa: F401  (fixture)
from aftersales.conftest import World


@pytest.fixture
def order(world: World, setup: dict[str, Any]) -> ServiceOrder:  # noqa: F811
    return order_on(world, setup, "2025-03-15")


def make_quote(world: World, order: ServiceOrder) -> Quote:
    response = world.client("sh_agent").post(f"/charges/orders/{order.pk}/quote/")
    assert response.status_code == 302
    return Quote.objects.get(order=order)


@pytest.mark.parametrize("who", ["sh_agent", "sh_supervisor", "sh_accountant", "hq_executive"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_quote_page_renders(world: World, order: ServiceOrder, who: str, language: str) -> None:
    quote = make_quote(world, order)
    client = world.client(who)
    client.cookies["django_language"] = language
    response = client.get(f"/charges/quotes/{quote.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert quote.number in body and "2000.00" in body
    assert ('data-testid="total-form"' in body) == (who in ("sh_agent", "sh_supervisor"))


def test_the_quote_page_refuses_outsiders(world: World, order: ServiceOrder) -> None:
    quote = make_quote(world, order)
    assert world.client("hz_supervisor").get(f"/charges/quotes/{quote.pk}/").status_code == 404
    assert world.client("customer").get(f"/charges/quotes/{quote.pk}/").status_code == 404
    assert world.client("hz_supervisor").post(f"/charges/quotes/{quote.pk}/submit/").status_code == 404
    assert world.client("hz_supervisor").post(f"/charges/orders/{order.pk}/quote/").status_code == 404


def test_s6_through_the_pages(world: World, order: ServiceOrder) -> None:
    quote = make_quote(world, order)
    agent = world.client("sh_agent")
    url = f"/charges/quotes/{quote.pk}/"
    assert agent.post(url, {"total": "1800.00"}).status_code == 302
    assert agent.post(url + "submit/").status_code == 302
    quote.refresh_from_db()
    assert quote.state == "ready"  # exactly 10 %: no approval
    assert 'data-action="send"' in agent.get(url).content.decode()

    assert agent.post(url, {"total": "1799.99", "reason": "老客户"}).status_code == 302
    assert agent.post(url + "submit/").status_code == 302
    quote.refresh_from_db()
    assert quote.state == "pending_approval"
    body = agent.get(url).content.decode()
    assert 'data-action="send"' not in body and 'data-action="approve"' not in body
    refused = agent.post(url + "send/")
    assert refused.status_code == 400 and 'data-testid="quote-error"' in refused.content.decode()
    assert agent.post(url + "approve/").status_code == 400  # only the executive
    quote.refresh_from_db()
    assert quote.state == "pending_approval"

    gm = world.client("hq_executive")
    body = gm.get(url).content.decode()
    assert 'data-action="approve"' in body and 'data-action="send"' not in body
    assert gm.post(url + "approve/", {"text": "同意，老客户"}).status_code == 302
    quote.refresh_from_db()
    assert quote.state == "ready" and quote.approval_comment == "同意，老客户"
    assert agent.post(url + "send/").status_code == 302
    assert agent.post(url + "accept/").status_code == 302
    quote.refresh_from_db()
    assert quote.state == "accepted"


def test_the_executive_refuses_with_a_reason(world: World, order: ServiceOrder) -> None:
    quote = make_quote(world, order)
    agent, gm = world.client("sh_agent"), world.client("hq_executive")
    url = f"/charges/quotes/{quote.pk}/"
    agent.post(url, {"total": "1000"})
    agent.post(url + "submit/")
    assert gm.post(url + "refuse/").status_code == 400
    assert gm.post(url + "refuse/", {"text": "折扣太大"}).status_code == 302
    quote.refresh_from_db()
    assert quote.state == "draft"


def test_a_bad_total_is_shown_by_field(world: World, order: ServiceOrder) -> None:
    quote = make_quote(world, order)
    response = world.client("sh_agent").post(f"/charges/quotes/{quote.pk}/", {"total": "-5"})
    assert response.status_code == 400 and "is-invalid" in response.content.decode()


def test_the_accountant_sees_invoices_to_issue_and_exports_them(world: World, order: ServiceOrder) -> None:
    from aftersales.charges.tests.test_money import accepted

    accepted(world, order)
    sup = world.users["sh_supervisor"]
    order_settle(order_id=order.pk, settlement="invoiced", access=access_for(sup), by=sup)
    client = world.client("sh_accountant")
    body = client.get("/charges/accounts/").content.decode()
    assert order.number in body
    assert order.number in client.get("/").content.decode()
    export = client.get("/charges/accounts/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active  # type: ignore[attr-defined,arg-type]
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == order.number
    assert world.client("hz_supervisor").get("/charges/accounts/").status_code == 404
    assert world.client("customer").get("/charges/accounts/").status_code == 404
