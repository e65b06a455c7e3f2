"""Each role sees what it should; an outsider gets "not found" for another branch's records (S13)."""

from __future__ import annotations

import pytest

from aftersales.access.policy import access_for
from aftersales.conftest import World
from aftersales.customers.selectors import customers_visible

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("hq_admin", {"上海申达", "杭州萧山纺机"}),
        ("hq_executive", {"上海申达", "杭州萧山纺机"}),
        ("sh_agent", {"上海申达"}),
        ("sh_supervisor", {"上海申达"}),
        ("hz_supervisor", {"杭州萧山纺机"}),
        ("customer", {"上海申达"}),
        ("dealer", {"上海申达"}),
        # A technician sees only work assigned to them; customers come with that work (none assigned here).
        ("sh_tech", set()),
    ],
)
def test_customer_scope_by_role_and_branch(world: World, user: str, expected: set[str]) -> None:
    names = set(customers_visible(access=access_for(world.users[user])).values_list("name", flat=True))
    assert names == expected


def test_shanghai_staff_get_not_found_for_a_hangzhou_customer_page(world: World) -> None:
    url = f"/customers/{world.hz_customer.pk}/"
    for name in ("sh_agent", "sh_supervisor", "sh_tech", "customer", "dealer"):
        response = world.client(name).get(url)
        assert response.status_code == 404, name
        assert "杭州萧山纺机" not in response.content.decode()
    assert world.client("hz_supervisor").get(url).status_code == 200
    assert world.client("hq_executive").get(url).status_code == 200


def test_shanghai_staff_get_not_found_for_a_hangzhou_customer_by_api(world: World, api) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/customers/{world.hz_customer.pk}"
    response = api("sh_agent").get(url)
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": response.json()["message"], "fields": {}}
    assert "杭州" not in response.content.decode()
    assert api("sh_tech").get(url).status_code == 404
    assert api("customer").get(url).status_code == 404
    assert api("hz_supervisor").get(url).json()["name"] == "杭州萧山纺机"
    assert api("hq_admin").get(url).status_code == 200


def test_lists_and_exports_leave_out_other_branches(world: World, api) -> None:  # type: ignore[no-untyped-def]
    page = world.client("sh_agent").get("/customers/").content.decode()
    assert "上海申达" in page and "杭州萧山纺机" not in page
    listed = api("sh_agent").get("/api/v1/customers").json()["items"]
    assert [c["name"] for c in listed] == ["上海申达"]
    from io import BytesIO

    from openpyxl import load_workbook

    response = world.client("sh_agent").get("/customers/export.xlsx")
    assert response.status_code == 200
    wb = load_workbook(BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    names = [row[1] for row in wb.active.iter_rows(min_row=2, values_only=True)]  # type: ignore[union-attr]
    assert names == ["上海申达"]


def test_a_customer_cannot_guess_another_customer(world: World) -> None:
    client = world.client("customer")
    assert client.get(f"/customers/{world.sh_customer.pk}/").status_code == 200
    assert client.get(f"/customers/{world.hz_customer.pk}/").status_code == 404
    # Portal users have no staff pages at all.
    assert client.get("/people/").status_code == 404
    assert client.get("/audit/").status_code == 404
    assert client.get("/customers/new/").status_code == 404


def test_roles_held_in_two_branches_add_up(world: World) -> None:
    from aftersales.org.services import role_grant

    tech = world.users["sh_tech"]
    role_grant(user=tech, role="supervisor", branch=world.hz, by=world.users["hq_admin"])
    tech = type(tech).objects.get(pk=tech.pk)
    names = set(customers_visible(access=access_for(tech)).values_list("name", flat=True))
    assert names == {"杭州萧山纺机"}


def test_people_directory_is_scoped_by_branch(world: World) -> None:
    page = world.client("sh_supervisor").get("/people/").content.decode()
    assert "sh_tech" in page and "hz_tech" not in page
    assert world.client("sh_supervisor").get(f"/people/{world.users['hz_tech'].pk}/").status_code == 404
    assert world.client("hz_supervisor").get(f"/people/{world.users['hz_tech'].pk}/").status_code == 200
    # Technicians have no people directory.
    assert world.client("sh_tech").get("/people/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    from django.test import Client

    response = Client().get(f"/customers/{world.sh_customer.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Client().get("/api/v1/customers").status_code == 401


def test_a_permission_on_one_record_in_the_branch_or_on_ones_own() -> None:
    """``can_on``: a warehouse keeper moves stock anywhere in his branch; a technician only in
    his own van, and only in the branch where he is a technician."""
    from aftersales.access.policy import Access

    keeper = Access(user_id=1, grants=frozenset({("warehouse", 10)}), head_office_id=99)
    tech = Access(user_id=2, grants=frozenset({("technician", 10)}), head_office_id=99)
    assert keeper.can_on("stock.move", branch_id=10, owner_id=None)
    assert keeper.can_on("stock.move", branch_id=10, owner_id=2)
    assert not keeper.can_on("stock.move", branch_id=11, owner_id=None)
    assert tech.can_on("stock.move", branch_id=10, owner_id=2)
    assert not tech.can_on("stock.move", branch_id=10, owner_id=3)  # someone else's van
    assert not tech.can_on("stock.move", branch_id=10, owner_id=None)  # the branch store
    assert not tech.can_on("stock.move", branch_id=11, owner_id=2)  # not a technician there
