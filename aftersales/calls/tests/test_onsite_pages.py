"""The technician's on-site page: travel, arrival, the report, the signature, work done; the PDF."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from aftersales.access.policy import access_for
from aftersales.calls.models import ServiceOrder
from aftersales.calls.tests.test_board_pages import make_order
from aftersales.calls.workflow import order_assign
from aftersales.catalog.models import Part
from aftersales.conftest import World

SIGNATURE = "M10 10 L20 20 L30 10 L40 25 L55 12 L80 40"


@pytest.fixture
def assigned(world: World) -> ServiceOrder:
    order = make_order(world)
    sup = world.users["sh_supervisor"]
    return order_assign(
        order_id=order.pk, technician_id=world.users["sh_tech"].pk, access=access_for(sup), by=sup
    )


@pytest.fixture
def part(db: None) -> Part:
    return Part.objects.create(code="P-100", name="主轴编码器", cost=Decimal("800"), price=Decimal("1200"))


def post(world: World, order: ServiceOrder, who: str = "sh_tech", **data: object):  # type: ignore[no-untyped-def]
    return world.client(who).post(f"/calls/orders/{order.pk}/onsite/", data)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_onsite_page_renders_for_the_technician(
    world: World, assigned: ServiceOrder, language: str
) -> None:
    client = world.client("sh_tech")
    client.cookies["django_language"] = language
    body = client.get(f"/calls/orders/{assigned.pk}/onsite/").content.decode()
    assert 'data-testid="travel"' in body and 'data-testid="arrive"' in body
    home = client.get("/").content.decode()
    assert f"/calls/orders/{assigned.pk}/onsite/" in home
    assert client.get(f"/calls/orders/{assigned.pk}/").status_code == 200


def test_the_onsite_page_refuses_outsiders(world: World, assigned: ServiceOrder) -> None:
    assert world.client("hz_tech").get(f"/calls/orders/{assigned.pk}/onsite/").status_code == 404
    assert world.client("sh_agent").get(f"/calls/orders/{assigned.pk}/onsite/").status_code == 404
    assert world.client("hz_supervisor").get(f"/calls/orders/{assigned.pk}/onsite/").status_code == 404
    assert post(world, assigned, "hz_tech", action="travel").status_code == 404
    assigned.refresh_from_db()
    assert assigned.state == "assigned"


def test_the_whole_visit_through_the_page(world: World, assigned: ServiceOrder, part: Part) -> None:
    assert post(world, assigned, action="travel").status_code == 302
    assert post(world, assigned, action="arrive").status_code == 302
    response = post(world, assigned, action="complete")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="missing"' in body and "fault cause" not in body  # in Chinese by default
    assert "故障原因" in body or "fault cause" in body
    response = post(
        world,
        assigned,
        action="report",
        cause="编码器损坏",
        solution="更换编码器",
        labour_minutes="90",
        part_id=[str(part.pk), ""],
        quantity=["1", "1"],
        old_part=["return", "return"],
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = post(
        world, assigned, action="sign", opinion="satisfied", signed_by="李经理", signature=SIGNATURE
    )
    assert response.status_code == 302
    assert post(world, assigned, action="complete").status_code == 302
    assigned.refresh_from_db()
    assert assigned.state == "completed"
    assert assigned.report.parts.get().part_id == part.pk


def test_an_incomplete_report_says_what_is_missing_in_english(world: World, assigned: ServiceOrder) -> None:
    post(world, assigned, action="travel")
    post(world, assigned, action="arrive")
    client = world.client("sh_tech")
    client.cookies["django_language"] = "en"
    client.post(f"/calls/orders/{assigned.pk}/onsite/", {"action": "report", "cause": "编码器损坏"})
    response = client.post(f"/calls/orders/{assigned.pk}/onsite/", {"action": "complete"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "solution" in body and "customer&#x27;s signature" in body
    assigned.refresh_from_db()
    assert assigned.state == "on_site"


def test_a_bad_part_line_is_shown_and_parts_and_no_parts_conflict(
    world: World, assigned: ServiceOrder, part: Part
) -> None:
    post(world, assigned, action="travel")
    post(world, assigned, action="arrive")
    response = post(
        world,
        assigned,
        action="report",
        cause="x",
        solution="y",
        no_parts_used="on",
        part_id=[str(part.pk)],
        quantity=["1"],
        old_part=["return"],
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="onsite-error"' in body
    assert f'<option value="{part.pk}" selected>' in body  # the input is kept


def test_extra_work_must_be_authorised_before_signing(world: World, assigned: ServiceOrder) -> None:
    post(world, assigned, action="travel")
    post(world, assigned, action="arrive")
    post(world, assigned, action="report", cause="x", solution="y", no_parts_used="on", extra_work="更换导轨")
    response = post(world, assigned, action="sign", opinion="fair", signed_by="李", signature=SIGNATURE)
    assert response.status_code == 400
    assert post(world, assigned, action="authorise").status_code == 302
    assert (
        post(world, assigned, action="sign", opinion="fair", signed_by="李", signature=SIGNATURE).status_code
        == 302
    )


def test_not_fixed_needs_a_reason_then_takes_back(world: World, assigned: ServiceOrder) -> None:
    post(world, assigned, action="travel")
    post(world, assigned, action="arrive")
    assert post(world, assigned, action="not_fixed", next_step="take_back").status_code == 400
    assert (
        post(world, assigned, action="not_fixed", next_step="take_back", reason="需要返厂").status_code == 302
    )
    assigned.refresh_from_db()
    assert assigned.state == "take_back"


def test_settle_and_close_on_the_order_page(world: World, assigned: ServiceOrder) -> None:
    post(world, assigned, action="travel")
    post(world, assigned, action="arrive")
    post(world, assigned, action="report", cause="x", solution="y", no_parts_used="on")
    post(world, assigned, action="sign", opinion="satisfied", signed_by="李", signature=SIGNATURE)
    post(world, assigned, action="complete")
    sup = world.client("sh_supervisor")
    response = sup.post(f"/calls/orders/{assigned.pk}/close/")
    assert response.status_code == 400 and 'data-testid="order-error"' in response.content.decode()
    waive = sup.post(f"/calls/orders/{assigned.pk}/settle/", {"settlement": "waived", "reason": "老客户"})
    assert waive.status_code == 400 and 'data-testid="order-error"' in waive.content.decode()
    assigned.refresh_from_db()
    assert assigned.settlement == "pending"  # a supervisor may not waive
    assert sup.post(f"/calls/orders/{assigned.pk}/settle/", {"settlement": "none_due"}).status_code == 302
    assert sup.post(f"/calls/orders/{assigned.pk}/close/").status_code == 302
    assigned.refresh_from_db()
    assert assigned.state == "closed"


def test_the_service_report_pdf_embeds_the_font_and_the_signature(
    world: World, assigned: ServiceOrder, tmp_path: Path
) -> None:
    post(world, assigned, action="travel")
    post(world, assigned, action="arrive")
    post(world, assigned, action="report", cause="编码器损坏", solution="更换编码器", no_parts_used="on")
    post(world, assigned, action="sign", opinion="satisfied", signed_by="李经理", signature=SIGNATURE)
    response = world.client("sh_supervisor").get(f"/calls/orders/{assigned.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert world.client("hz_supervisor").get(f"/calls/orders/{assigned.pk}/report.pdf").status_code == 404
    if shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils missing")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [r for r in fonts.splitlines()[2:] if r.strip()]
    assert rows and all(" yes " in r for r in rows), fonts
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "售后服务报告单" in text and "编码器损坏" in text
