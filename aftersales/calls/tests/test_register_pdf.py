"""服表002 as a daily PDF: landscape A4, the day's calls of the branches one may see, font embedded."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceCall
from aftersales.calls.services import CallData, call_register
from aftersales.conftest import World
from aftersales.installed.tests.test_pdf import assert_fonts_embedded, pdf_streams

SH = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 3, 12)

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler's pdftotext")


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run(
            ["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True, check=True
        ).stdout


def _register(world: World, customer_id: int, at: dt.datetime, **kw: object) -> ServiceCall:
    admin = world.users["hq_admin"]
    data = CallData(customer_id=customer_id, fault_description="主轴异响", received_at=at, **kw)  # type: ignore[arg-type]
    return call_register(data=data, access=access_for(admin), by=admin).call


@pytest.fixture
def calls(world: World) -> dict[str, ServiceCall]:
    at = dt.datetime.combine(DAY, dt.time(9, 30), tzinfo=SH)
    return {
        "sh1": _register(world, world.sh_customer.pk, at),
        "sh2": _register(
            world,
            world.sh_customer.pk,
            at + dt.timedelta(hours=2),
            category="consultation",
            resolved_remotely=True,
            resolution_note="电话指导复位",
        ),
        "sh_late": _register(
            world, world.sh_customer.pk, dt.datetime.combine(DAY, dt.time(23, 50), tzinfo=SH)
        ),
        "sh_yesterday": _register(world, world.sh_customer.pk, at - dt.timedelta(days=1)),
        "hz": _register(world, world.hz_customer.pk, at),
    }


def test_the_days_register_of_a_branch(world: World, calls: dict[str, ServiceCall]) -> None:
    response = world.client("sh_agent").get(f"/calls/register.pdf?day={DAY.isoformat()}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert_fonts_embedded(pdf)
    assert re.search(rb"/MediaBox ?\[0 0 841\.\d+ 595", b"".join([pdf, *pdf_streams(pdf)]))  # A4 landscape
    text = pdf_text(pdf)
    assert "服表002" in text and "上海服务中心" in text and "2026-03-12" in text
    for key in ("sh1", "sh2", "sh_late"):
        assert calls[key].number in text, key
    assert calls["sh_yesterday"].number not in text
    assert calls["hz"].number not in text
    assert "09:30" in text and "上海申达" in text and "主轴异响" in text
    assert "电话解决" in text or "resolved by phone" in text
    assert re.search(r"1 / 1", text)


def test_head_office_gets_a_page_per_branch_or_the_branch_chosen(
    world: World, calls: dict[str, ServiceCall]
) -> None:
    client = world.client("hq_admin")
    text = pdf_text(client.get(f"/calls/register.pdf?day={DAY.isoformat()}").content)
    assert calls["sh1"].number in text and calls["hz"].number in text
    assert "杭州服务中心" in text and "上海服务中心" in text
    assert "1 / 2" in text and "2 / 2" in text
    text = pdf_text(client.get(f"/calls/register.pdf?day={DAY.isoformat()}&branch={world.hz.pk}").content)
    assert calls["hz"].number in text and calls["sh1"].number not in text


def test_a_day_without_calls_still_prints_the_form(world: World, calls: dict[str, ServiceCall]) -> None:
    text = pdf_text(world.client("sh_agent").get("/calls/register.pdf?day=2026-01-01").content)
    assert "服表002" in text and calls["sh1"].number not in text


def test_the_register_pdf_refuses_outsiders(world: World, calls: dict[str, ServiceCall]) -> None:
    assert Client().get(f"/calls/register.pdf?day={DAY.isoformat()}").status_code == 302
    text = pdf_text(world.client("hz_agent").get(f"/calls/register.pdf?day={DAY.isoformat()}").content)
    assert calls["sh1"].number not in text and calls["hz"].number in text
    text = pdf_text(
        world.client("hz_agent")
        .get(f"/calls/register.pdf?day={DAY.isoformat()}&branch={world.sh.pk}")
        .content
    )
    assert calls["sh1"].number not in text and "上海服务中心" not in text
    assert world.client("sh_warehouse").get(f"/calls/register.pdf?day={DAY.isoformat()}").status_code == 404


def test_the_register_page_links_the_pdf(world: World) -> None:
    body = world.client("sh_agent").get("/calls/?day=2026-03-12").content.decode()
    assert 'href="/calls/register.pdf?day=2026-03-12"' in body
