"""Quotes through the API: S6 and who may see and decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.charges.models import Quote
from aftersales.charges.tests.test_charges import order_on, setup  # noqa: F401  (fixture)
from aftersales.conftest import World


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def test_s6_through_the_api(world: World, api: Any, setup: dict[str, Any]) -> None:  # noqa: F811
    order: ServiceOrder = order_on(world, setup, "2025-03-15")
    agent, gm = api("sh_agent"), api("hq_executive")
    created = post(agent, f"/api/v1/orders/{order.pk}/quotes")
    assert created.status_code == 201, created.content
    quote = created.json()
    assert Decimal(quote["list_total"]) == Decimal("2000.00")
    url = f"/api/v1/quotes/{quote['id']}"
    post(agent, f"{url}/total", {"total": "1799.99", "reason": "老客户"})
    submitted = post(agent, f"{url}/submit").json()
    assert submitted["state"] == Quote.State.PENDING_APPROVAL
    assert post(agent, f"{url}/send").status_code == 409  # not before approval
    assert post(api("sh_manager"), f"{url}/decide", {"approve": True}).status_code == 403
    assert post(gm, f"{url}/decide", {"approve": True, "comment": "同意"}).json()["state"] == "ready"
    assert post(agent, f"{url}/send").json()["state"] == "sent"


def test_outsiders_get_nothing(world: World, api: Any, client: Any, setup: dict[str, Any]) -> None:  # noqa: F811
    order = order_on(world, setup, "2025-03-15")
    agent = world.users["sh_agent"]
    from aftersales.charges.services import quote_build

    quote = quote_build(order_id=order.pk, access=access_for(agent), by=agent)
    assert client.get(f"/api/v1/quotes/{quote.pk}").status_code == 401
    for who in ("hz_supervisor", "hz_agent", "customer"):
        assert api(who).get(f"/api/v1/quotes/{quote.pk}").status_code == 404, who
        assert post(api(who), f"/api/v1/orders/{order.pk}/quotes").status_code == 404, who
