"""One paid call from registration to closing through the real pages, as each person does it:
the agent registers it from the serial number, the supervisor assigns it on the board, the
technician (on a phone) travels, arrives, writes the report with the part used, takes a photo,
makes the quote the customer accepts, has the customer sign on screen and finishes; the supervisor
asks for the invoice, the accountant issues it and records the payment, the supervisor closes."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.calls.models import OrderPhoto, ServiceOrder
from aftersales.calls.tests.test_browser_flow import browser, sign_in  # noqa: F401 (fixture)
from aftersales.catalog.models import Part, ProductModel
from aftersales.charges.models import Invoice, LabourRate, Payment, Quote, TravelFee
from aftersales.conftest import World
from aftersales.installed.services import UnitData, unit_create
from aftersales.org.models import Certification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (40, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def test_a_paid_call_from_registration_to_closing(  # type: ignore[no-untyped-def]
    browser,  # noqa: F811
    live_server,
    world: World,
    settings,
    tmp_path,
) -> None:
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    admin, tech = world.users["hq_admin"], world.users["sh_tech"]
    model = ProductModel.objects.create(code="VMC-850", name="立式加工中心", product_line=world.line)
    Certification.objects.create(user=tech, product_line=world.line, certified_on=dt.date(2024, 1, 1))
    unit = unit_create(
        data=UnitData(
            serial="SN-E2E-7",
            product_model_id=model.pk,
            customer_id=world.sh_customer.pk,
            sold_on=timezone.localdate() - dt.timedelta(days=3 * 365),  # long out of warranty
        ),
        access=access_for(admin),
        by=admin,
    )
    LabourRate.objects.create(hourly=Decimal("200"))
    TravelFee.objects.create(zone_kind="urban", fee=Decimal("100"))
    TravelFee.objects.create(zone_kind="suburban", fee=Decimal("150"))
    part = Part.objects.create(code="P-ENC", name="主轴编码器", cost=Decimal("800"), price=Decimal("1200"))
    base = live_server.url
    contexts = []

    # 1. The agent registers the call from the serial number.
    ctx, agent, agent_errors = sign_in(browser, base, world.users["sh_agent"].username, DESKTOP)
    contexts.append(ctx)
    agent.goto(f"{base}/calls/new/")
    agent.fill("#lookup-q", "E2E-7")
    agent.locator(f'[data-testid="lookup-unit"][data-unit="{unit.pk}"]').click()
    expect(agent.locator('[data-testid="selected-unit"]')).to_have_text("SN-E2E-7")
    agent.fill("#id_fault_description", "主轴不转，报警 ALM-401")
    agent.fill("#id_contact_name", "李经理")
    agent.click("#call-submit")
    agent.wait_for_url(f"{base}/calls/*/")
    order = ServiceOrder.objects.get(unit=unit)
    expect(agent.locator('[data-testid="order-number"]')).to_have_text(order.number)
    assert order.service_type == "paid" and order.state == "open"

    # 2. The supervisor assigns it on the dispatch board.
    ctx, sup, sup_errors = sign_in(browser, base, world.users["sh_supervisor"].username, DESKTOP)
    contexts.append(ctx)
    sup.goto(f"{base}/calls/board/?branch=SH")
    card = sup.locator(f'[data-testid="unassigned"] [data-order="{order.number}"]')
    card.locator('[data-testid="open-controls"]').click()
    card.locator('[data-testid="technician-select"]').select_option(str(tech.pk))
    card.locator('[data-testid="assign"]').click()
    expect(sup.locator(f'[data-technician="{tech.username}"] [data-order="{order.number}"]')).to_be_visible()

    # 3. The technician, on a phone: travel, arrive, the report with the part, a photo.
    ctx, phone, tech_errors = sign_in(browser, base, tech.username, PHONE)
    contexts.append(ctx)
    phone.click(f'a[href="/calls/orders/{order.pk}/onsite/"]')
    phone.click('[data-testid="travel"]')
    phone.click('[data-testid="arrive"]')
    phone.fill("#cause", "主轴编码器损坏")
    phone.fill("#solution", "更换主轴编码器并校准零点")
    phone.fill("#labour", "90")
    phone.locator('[data-testid="part-row"] select[name="part_id"]').first.select_option(str(part.pk))
    phone.click('[data-testid="save-report"]')
    expect(phone.locator(".alert-success")).to_be_visible()
    phone.locator('[data-testid="photo-input"]').set_input_files(
        files=[{"name": "encoder.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    phone.click('[data-testid="photo-upload"]')
    expect(phone.locator("#order-photos img")).to_have_count(1)

    # The charge is explained and agreed before the work: the quote from the price list.
    phone.goto(f"{base}/calls/orders/{order.pk}/")
    phone.click('[data-testid="make-quote"]')
    expect(phone.locator('[data-testid="quote-state"]')).to_be_visible()
    quote = Quote.objects.get(order=order)
    assert quote.total > 0
    for action in ("submit", "send", "accept"):
        phone.click(f'[data-action="{action}"]')
        expect(phone.locator('[data-testid="quote-error"]')).to_have_count(0)
    quote.refresh_from_db()
    assert quote.state == "accepted"

    # The customer's opinion and signature, drawn on the screen; work done.
    phone.goto(f"{base}/calls/orders/{order.pk}/onsite/")
    phone.click('label[for="op-satisfied"]')
    expect(phone.locator("#signed-by")).to_have_value("李经理")
    pad = phone.locator('[data-testid="signature-pad"]')
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    phone.mouse.move(box["x"] + 20, box["y"] + 50)
    phone.mouse.down()
    for i in range(1, 14):
        phone.mouse.move(box["x"] + 20 + i * 20, box["y"] + 50 + (18 if i % 2 else -18), steps=2)
    phone.mouse.up()
    phone.click('[data-testid="sign"]')
    expect(phone.locator("svg.signature-view")).to_be_visible()
    phone.click('[data-testid="complete"]')
    expect(phone.locator('[data-testid="done"]')).to_be_visible()

    # 4. The supervisor asks the accountant for the invoice; closing waits for the money.
    sup.goto(f"{base}/calls/orders/{order.pk}/")
    sup.select_option("#settlement", "invoiced")
    sup.click('[data-testid="settle-submit"]')
    expect(sup.locator('[data-testid="money-records"]')).to_be_visible()
    invoice = Invoice.objects.get(order=order)
    assert invoice.amount == quote.total and invoice.state == "requested"

    # 5. The accountant issues the invoice and records the customer's transfer.
    ctx, acc, acc_errors = sign_in(browser, base, world.users["sh_accountant"].username, DESKTOP)
    contexts.append(ctx)
    acc.goto(f"{base}/charges/accounts/")
    row = acc.locator('[data-testid="to-issue"]')
    expect(row).to_contain_text(invoice.number)
    acc.fill(f"#tax-{invoice.pk}", "04400123456")
    acc.click(f'[data-testid="to-issue"] form[action$="/invoices/{invoice.pk}/issue/"] [data-action="issue"]')
    expect(acc.locator('[data-testid="unpaid"]')).to_contain_text("04400123456")
    acc.select_option(f"#method-{invoice.pk}", "bank_transfer")
    acc.click(f'[data-testid="unpaid"] form[action$="/invoices/{invoice.pk}/pay/"] [data-action="pay"]')
    expect(acc.locator('[data-testid="payments"]')).to_contain_text(str(invoice.amount))
    invoice.refresh_from_db()
    assert invoice.state == "paid" and invoice.amount_paid == quote.total

    # 6. The supervisor closes the order.
    sup.goto(f"{base}/calls/orders/{order.pk}/")
    sup.click('[data-action="close"]')
    expect(sup.locator(".alert-success")).to_be_visible()
    order.refresh_from_db()
    assert order.state == ServiceOrder.State.CLOSED
    assert order.report.signature.startswith("M") and order.report.parts.get().part_id == part.pk
    assert OrderPhoto.objects.filter(order=order).count() == 1
    assert Payment.objects.get(invoice=invoice).method == "bank_transfer"
    kinds = set(
        Event.objects.filter(subject_type="calls.serviceorder", subject_id=order.pk).values_list(
            "kind", flat=True
        )
    )
    assert {"created", "assigned", "photo_added"} <= kinds
    errors = agent_errors + sup_errors + tech_errors + acc_errors
    assert errors == [], errors
    for c in contexts:
        c.close()
