"""The 补件 pages in both languages, the PDFs with the Chinese font embedded, and outsiders."""

from __future__ import annotations

import subprocess
import tempfile

import pytest
from django.test import Client

from aftersales.access.policy import access_for
from aftersales.conftest import World
from aftersales.supply.models import PartsRequest
from aftersales.supply.services import request_check, request_fulfil, request_ship
from aftersales.supply.tests.conftest import Supply


def _client(world: World, name: str, language: str = "zh-hans") -> Client:
    client = world.client(name)
    client.cookies["django_language"] = language
    return client


def _shipped(supply: Supply) -> PartsRequest:
    req = supply.approved()
    wh = supply.u("sh_warehouse")
    kw = {"access": access_for(wh), "by": wh}
    request_fulfil(
        request_id=req.pk, line_id=req.lines.get().pk, method="stock", warehouse_id=supply.sh.pk, **kw
    )
    request_check(request_id=req.pk, packaging_ok=True, labels_ok=True, stamp_ok=True, **kw)
    request_ship(request_id=req.pk, carrier="顺丰", loaded_by="王师傅", **kw)
    return req


@pytest.mark.parametrize(("language", "word"), [("zh-hans", "补件"), ("en", "Parts request")])
def test_pages_render_in_both_languages(supply: Supply, language: str, word: str) -> None:
    req = _shipped(supply)
    client = _client(supply.world, "sh_supervisor", language)
    for url in [
        "/supply/",
        f"/supply/{req.pk}/",
        "/supply/new/",
        "/supply/closeout/",
        "/supply/shipping/",
        "/supply/?state=shipped&overdue=1",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert word in client.get(f"/supply/{req.pk}/").content.decode()
    export = client.get("/supply/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def test_portal_customer_applies_in_the_page_and_sees_only_own(supply: Supply) -> None:
    client = _client(supply.world, "customer")
    response = client.post("/supply/new/", {"part_0": supply.part.pk, "qty_0": "3", "description": "坏了"})
    assert response.status_code == 302
    req = PartsRequest.objects.get()
    assert req.customer == supply.world.sh_customer and req.channel == "portal"
    assert client.get(f"/supply/{req.pk}/").status_code == 200
    other = _client(supply.world, "hz_supervisor")
    assert other.get(f"/supply/{req.pk}/").status_code == 404
    assert other.post(f"/supply/{req.pk}/approve/").status_code == 404


def test_a_refusal_shows_the_field_on_the_page(supply: Supply) -> None:
    req = supply.apply()
    client = _client(supply.world, "sh_agent", "en")
    response = client.post(
        f"/supply/{req.pk}/confirm/",
        {"cause": "material", "promised_on": "2999-01-01", "confirmed_with": "李"},
        follow=True,
    )
    assert "promised_on" in response.content.decode()
    req.refresh_from_db()
    assert req.state == "applied"


def test_pdfs_embed_the_chinese_font(supply: Supply) -> None:
    req = _shipped(supply)
    client = _client(supply.world, "sh_warehouse")
    for url in [f"/supply/{req.pk}/request.pdf", "/supply/shipping/list.pdf"]:
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(response.content)
            f.flush()
            fonts = subprocess.run(["pdffonts", f.name], capture_output=True, text=True, check=True).stdout
        embedded = [row for row in fonts.splitlines()[2:] if row.split()[-5:-4] == ["yes"]]
        assert embedded and "CID" in fonts, fonts
