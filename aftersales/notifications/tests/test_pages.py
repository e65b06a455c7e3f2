"""The notifications page and the navbar bell."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from aftersales.conftest import World
from aftersales.notifications.models import Notification
from aftersales.notifications.services import notify, unread_count

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def inbox(world: World) -> list[Notification]:
    tech = world.users["sh_tech"]
    first = notify(recipients=[tech], kind="clock_warning", title="上海申达 · 市区到场 即将超时", email=False)
    second = notify(
        recipients=[tech],
        kind="clock_breached",
        title="上海申达 · 市区到场 已超时",
        body="到场时限已过",
        url="/sla/clocks/",
        email=False,
    )
    notify(recipients=[world.users["hz_tech"]], kind="clock_warning", title="杭州 提醒", email=False)
    return [*first, *second]


def _ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'id="notification-(\d+)"', html)]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_list_shows_the_persons_notifications_newest_first(
    world: World, inbox: list[Notification], lang: str
) -> None:
    client = world.client("sh_tech")
    if lang == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/notifications/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert _ids(page) == [inbox[1].pk, inbox[0].pk]
    assert "杭州 提醒" not in page
    assert page.count('data-unread="1"') == 2 and 'href="/sla/clocks/"' in page


def test_the_bell_counts_unread_notifications_on_every_page(world: World, inbox: list[Notification]) -> None:
    for url in ("/", "/customers/", "/sla/clocks/"):
        page = world.client("sh_tech").get(url).content.decode()
        assert 'id="nav-bell"' in page
        assert re.search(r'data-testid="unread-count">2<', page), url
    page = world.client("sh_supervisor").get("/").content.decode()
    assert 'id="nav-bell"' in page and 'data-testid="unread-count"' not in page


def test_mark_one_read_with_htmx(world: World, inbox: list[Notification]) -> None:
    client = world.client("sh_tech")
    response = client.post(f"/notifications/{inbox[0].pk}/read/", headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="notification-{inbox[0].pk}"' in body and 'data-unread="0"' in body
    assert 'hx-swap-oob="true"' in body and 'data-testid="unread-count">1<' in body
    assert unread_count(user=world.users["sh_tech"]) == 1


def test_mark_all_read(world: World, inbox: list[Notification]) -> None:
    client = world.client("sh_tech")
    response = client.post("/notifications/read/", headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-unread="1"' not in body and 'hx-swap-oob="true"' in body
    assert unread_count(user=world.users["sh_tech"]) == 0
    assert unread_count(user=world.users["hz_tech"]) == 1  # someone else's stay unread
    response = client.post("/notifications/read/")
    assert response.status_code == 302


def test_unread_filter(world: World, inbox: list[Notification]) -> None:
    client = world.client("sh_tech")
    client.post(f"/notifications/{inbox[1].pk}/read/")
    assert _ids(client.get("/notifications/?unread=1").content.decode()) == [inbox[0].pk]


def test_it_refuses_outsiders(world: World, inbox: list[Notification]) -> None:
    response = world.client("hz_tech").post(f"/notifications/{inbox[0].pk}/read/")
    assert response.status_code == 404
    assert Notification.objects.get(pk=inbox[0].pk).read_at is None
    assert world.client("sh_tech").post("/notifications/999999/read/").status_code == 404
    assert world.client("sh_tech").get(f"/notifications/{inbox[0].pk}/read/").status_code == 405
    response = world.client("customer").get("/notifications/")
    assert response.status_code == 200 and _ids(response.content.decode()) == []
