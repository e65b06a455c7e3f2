"""Money: settling an order creates payments and invoice requests; the invoice workflow; refunds;
cost against revenue."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.calls.models import ServiceOrder
from aftersales.calls.onsite import order_close, order_complete, order_settle, report_sign
from aftersales.charges.economics import margins, order_economics
from aftersales.charges.models import Invoice, Payment, Quote, TravelFee
from aftersales.charges.money import (
    amount_due,
    invoice_cancel,
    invoice_issue,
    invoice_pay,
    invoice_request,
    refund_record,
)
from aftersales.charges.services import quote_answer, quote_build, quote_send, quote_set_total, quote_submit
from aftersales.charges.tests.test_charges import order_on, setup, t  # noqa: F401  (fixture)
from aftersales.common.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from aftersales.conftest import World, requires_postgres
from aftersales.notifications.models import Notification
from aftersales.rules.services import rule_set


def accepted(world: World, order: ServiceOrder, total: str | None = None) -> Quote:
    agent = world.users["sh_agent"]
    a = access_for(agent)
    quote = quote_build(order_id=order.pk, access=a, by=agent)
    if total is not None:
        quote_set_total(quote_id=quote.pk, total=Decimal(total), access=a, by=agent)
    quote_submit(quote_id=quote.pk, access=a, by=agent)
    quote_send(quote_id=quote.pk, access=a, by=agent)
    return quote_answer(quote_id=quote.pk, accepted=True, access=a, by=agent)


@pytest.fixture
def order(world: World, setup: dict[str, Any]) -> ServiceOrder:  # noqa: F811
    return order_on(world, setup, "2025-03-15")  # out of warranty: 2 h × 200 + 100 travel + 1500 part


def settle(world: World, order: ServiceOrder, settlement: str, who: str = "sh_supervisor", **kw: Any) -> Any:
    user = world.users[who]
    return order_settle(order_id=order.pk, settlement=settlement, access=access_for(user), by=user, **kw)


def refusal(exc: pytest.ExceptionInfo[InvalidInput], field: str) -> str:
    assert field in exc.value.fields, exc.value.fields
    assert exc.value.message.startswith((f"{field}:", f"{field}：")), exc.value.message
    return exc.value.message


# --------------------------------------------------------------------------- settlement


def test_paid_on_site_defaults_to_the_accepted_total(world: World, order: ServiceOrder) -> None:
    accepted(world, order, "1900")
    settle(world, order, "paid", method="wechat")
    order.refresh_from_db()
    assert order.settlement == "paid"
    payment = Payment.objects.get(order=order)
    assert (payment.amount, payment.method, payment.kind) == (Decimal("1900.00"), "wechat", "payment")
    assert payment.number.startswith("SH-RC-")
    assert payment.received_by == world.users["sh_supervisor"]
    assert Event.objects.filter(subject_id=order.pk, kind="payment_received", to_value="1900.00").exists()
    assert amount_due(order) == 0


def test_paid_on_site_less_than_due_requests_an_invoice_for_the_rest(
    world: World, order: ServiceOrder
) -> None:
    accepted(world, order)
    settle(world, order, "paid", method="cash", amount="500")
    order.refresh_from_db()
    assert order.settlement == "invoiced"
    assert Payment.objects.get(order=order).amount == Decimal("500.00")
    assert Invoice.objects.get(order=order).amount == Decimal("1500.00")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"method": "cash", "amount": "0"}, "amount"),
        ({"method": "cash", "amount": "-5"}, "amount"),
        ({"method": "cash", "amount": "abc"}, "amount"),
        ({"method": "cash", "amount": "2000.01"}, "amount"),
        ({"method": "cheque"}, "method"),
        ({}, "method"),
    ],
)
def test_paid_on_site_refuses_bad_input(
    world: World, order: ServiceOrder, kw: dict[str, str], field: str
) -> None:
    accepted(world, order)
    with pytest.raises(InvalidInput) as exc:
        settle(world, order, "paid", **kw)
    refusal(exc, field)
    order.refresh_from_db()
    assert order.settlement == "pending" and not Payment.objects.exists() and not Invoice.objects.exists()


def test_paid_without_a_quote_needs_the_amount(world: World, order: ServiceOrder) -> None:
    with pytest.raises(InvalidInput) as exc:
        settle(world, order, "paid", method="cash")
    refusal(exc, "amount")
    settle(world, order, "paid", method="cash", amount="50")  # a small fee agreed on site
    assert Payment.objects.get(order=order).amount == Decimal("50.00")


def test_invoiced_requests_an_invoice_and_tells_the_accountants(
    world: World, order: ServiceOrder, django_capture_on_commit_callbacks: Any
) -> None:
    accepted(world, order, "1800")
    with django_capture_on_commit_callbacks(execute=True):
        settle(world, order, "invoiced")
    invoice = Invoice.objects.get(order=order)
    assert invoice.state == "requested" and invoice.amount == Decimal("1800.00")
    assert invoice.customer == world.sh_customer and invoice.title == world.sh_customer.name
    assert invoice.requested_by == world.users["sh_supervisor"]
    note = Notification.objects.get(kind="invoice_requested")
    assert note.recipient == world.users["sh_accountant"] and invoice.number in note.title


def test_invoiced_refused_when_nothing_is_due(world: World, order: ServiceOrder) -> None:
    with pytest.raises(InvalidInput) as exc:
        settle(world, order, "invoiced")
    refusal(exc, "settlement")


def test_none_due_refused_when_money_is_due(world: World, order: ServiceOrder) -> None:
    accepted(world, order)
    with pytest.raises(InvalidInput) as exc:
        settle(world, order, "none_due")
    assert "2000.00" in refusal(exc, "settlement")


def test_none_due_without_an_accepted_quote(world: World, order: ServiceOrder) -> None:
    settle(world, order, "none_due")
    order.refresh_from_db()
    assert order.settlement == "none_due"


def test_settling_twice_is_refused(world: World, order: ServiceOrder) -> None:
    accepted(world, order)
    settle(world, order, "paid", method="cash")
    with pytest.raises(InvalidInput) as exc:
        settle(world, order, "paid", method="cash")
    refusal(exc, "settlement")
    assert Payment.objects.count() == 1


def test_an_outsider_cannot_settle(world: World, order: ServiceOrder) -> None:
    with pytest.raises(NotFound):
        settle(world, order, "none_due", who="hz_supervisor")


# --------------------------------------------------------------------------- invoices


@pytest.fixture
def invoice(world: World, order: ServiceOrder) -> Invoice:
    accepted(world, order)
    settle(world, order, "invoiced")
    return Invoice.objects.get(order=order)


def act(world: World, who: str) -> dict[str, Any]:
    user = world.users[who]
    return {"access": access_for(user), "by": user}


def test_the_invoice_workflow(world: World, invoice: Invoice) -> None:
    acc = act(world, "sh_accountant")
    with pytest.raises(InvalidInput) as exc:
        invoice_issue(invoice_id=invoice.pk, tax_invoice_no="  ", **acc)
    refusal(exc, "tax_invoice_no")
    with pytest.raises(InvalidInput) as exc2:
        invoice_pay(invoice_id=invoice.pk, method="cash", **acc)
    refusal(exc2, "state")
    invoice_issue(invoice_id=invoice.pk, tax_invoice_no="04400123", **acc)
    invoice.refresh_from_db()
    assert invoice.state == "issued" and invoice.issued_by == world.users["sh_accountant"]
    with pytest.raises(InvalidTransition):
        invoice_issue(invoice_id=invoice.pk, tax_invoice_no="04400124", **acc)
    with pytest.raises(InvalidInput) as exc3:
        invoice_pay(invoice_id=invoice.pk, method="cash", amount="2000.01", **acc)
    refusal(exc3, "amount")
    invoice_pay(invoice_id=invoice.pk, method="bank_transfer", amount="1200", **acc)
    invoice.refresh_from_db()
    assert invoice.state == "issued" and invoice.amount_paid == Decimal("1200.00")
    invoice_pay(invoice_id=invoice.pk, method="bank_transfer", **acc)  # the rest
    invoice.refresh_from_db()
    assert invoice.state == "paid" and invoice.amount_paid == Decimal("2000.00") and invoice.paid_at
    assert Payment.objects.filter(invoice=invoice).count() == 2
    kinds = list(
        Event.objects.filter(subject_type="charges.invoice", subject_id=invoice.pk)
        .order_by("pk")
        .values_list("kind", "to_value")
    )
    assert kinds == [
        ("invoice_requested", "2000.00"),
        ("state_changed", "issued"),
        ("amount_set", "1200.00"),
        ("amount_set", "2000.00"),
        ("state_changed", "paid"),
    ]


def test_the_same_tax_number_is_refused_twice(world: World, order: ServiceOrder, invoice: Invoice) -> None:
    acc = act(world, "sh_accountant")
    invoice_issue(invoice_id=invoice.pk, tax_invoice_no="N-1", **acc)
    invoice_cancel(invoice_id=invoice.pk, reason="抬头错误", **acc)
    other = invoice_request(order_id=order.pk, **act(world, "sh_supervisor"))
    with pytest.raises(InvalidInput) as exc:
        invoice_issue(invoice_id=other.pk, tax_invoice_no="N-1", **acc)
    refusal(exc, "tax_invoice_no")


def test_who_may_issue(world: World, invoice: Invoice) -> None:
    with pytest.raises(PermissionDenied):
        invoice_issue(invoice_id=invoice.pk, tax_invoice_no="X1", **act(world, "sh_manager"))
    with pytest.raises(NotFound):
        invoice_issue(invoice_id=invoice.pk, tax_invoice_no="X1", **act(world, "sh_supervisor"))
    with pytest.raises(NotFound):
        invoice_pay(invoice_id=invoice.pk, method="cash", **act(world, "hz_supervisor"))


def test_cancel_needs_a_reason_and_no_money_received(
    world: World, order: ServiceOrder, invoice: Invoice
) -> None:
    acc = act(world, "sh_accountant")
    with pytest.raises(InvalidTransition) as exc:
        invoice_cancel(invoice_id=invoice.pk, reason="", **acc)
    assert "reason" in exc.value.fields
    invoice_issue(invoice_id=invoice.pk, tax_invoice_no="T-9", **acc)
    invoice_pay(invoice_id=invoice.pk, method="cash", amount="100", **acc)
    with pytest.raises(InvalidInput) as exc2:
        invoice_cancel(invoice_id=invoice.pk, reason="抬头错误", **acc)
    refusal(exc2, "amount_paid")


def test_a_cancelled_invoice_frees_the_amount_for_a_new_request(
    world: World, order: ServiceOrder, invoice: Invoice
) -> None:
    sup = act(world, "sh_supervisor")
    with pytest.raises(InvalidInput) as exc:
        invoice_request(order_id=order.pk, **sup)
    refusal(exc, "amount")
    invoice_cancel(invoice_id=invoice.pk, reason="抬头错误", **act(world, "sh_accountant"))
    assert amount_due(order) == Decimal("2000.00")
    with pytest.raises(InvalidInput) as exc2:
        invoice_request(order_id=order.pk, amount="2500", **sup)
    refusal(exc2, "amount")
    again = invoice_request(order_id=order.pk, title="上海申达机械有限公司", tax_no="91310000X", **sup)
    assert (again.amount, again.title, again.tax_no) == (
        Decimal("2000.00"),
        "上海申达机械有限公司",
        "91310000X",
    )


# --------------------------------------------------------------------------- refunds


def test_a_refund_needs_a_manager_and_at_most_what_was_received(world: World, order: ServiceOrder) -> None:
    accepted(world, order)
    settle(world, order, "paid", method="cash")
    with pytest.raises(PermissionDenied):
        refund_record(
            order_id=order.pk, amount="100", method="cash", reason="多收", **act(world, "sh_accountant")
        )
    mgr = act(world, "sh_manager")
    with pytest.raises(InvalidInput) as exc:
        refund_record(order_id=order.pk, amount="100", method="cash", reason=" ", **mgr)
    refusal(exc, "reason")
    with pytest.raises(InvalidInput) as exc2:
        refund_record(order_id=order.pk, amount="2000.01", method="cash", reason="多收", **mgr)
    refusal(exc2, "amount")
    refund = refund_record(order_id=order.pk, amount="100", method="cash", reason="多收", **mgr)
    assert refund.kind == "refund" and refund.approved_by == world.users["sh_manager"]
    assert Event.objects.filter(subject_id=order.pk, kind="refund_paid", to_value="100.00").exists()
    gm = refund_record(
        order_id=order.pk, amount="50", method="cash", reason="补偿", **act(world, "hq_executive")
    )
    assert gm.approved_by == world.users["hq_executive"]
    with pytest.raises(NotFound):
        refund_record(order_id=order.pk, amount="1", method="cash", reason="x", **act(world, "hz_supervisor"))


# --------------------------------------------------------------------------- economics


def test_order_economics_computed_by_hand(world: World, setup: dict[str, Any], order: ServiceOrder) -> None:  # noqa: F811
    TravelFee.objects.create(zone_kind="urban", fee=Decimal("130"), branch=world.sh)  # the branch's own fee
    admin = world.users["hq_admin"]
    rule_set(
        key="labour_cost_per_hour", value="75.50", branch_id=world.sh.pk, access=access_for(admin), by=admin
    )
    accepted(world, order)
    settle(world, order, "paid", method="cash", amount="800")  # quote 400 + 130 + 1500: invoice 1230
    refund_record(order_id=order.pk, amount="30", method="cash", reason="多收", **act(world, "sh_manager"))
    inv = Invoice.objects.get(order=order)
    acc = act(world, "sh_accountant")
    invoice_issue(invoice_id=inv.pk, tax_invoice_no="A1", **acc)
    invoice_pay(invoice_id=inv.pk, method="bank_transfer", amount="200", **acc)  # collection, not revenue
    e = order_economics(order)
    # parts: 1 × 1000; labour: 2 h × 75.50 = 151; travel: the branch's urban fee 130
    assert (e.parts_cost, e.labour_hours, e.labour_cost, e.travel_cost) == (
        Decimal("1000.00"),
        Decimal("2.00"),
        Decimal("151.00"),
        Decimal("130"),
    )
    assert e.cost == Decimal("1281.00")
    # revenue: 800 on site − 30 refunded + 1230 invoiced (the 200 collected on it is not counted again)
    assert (e.paid, e.refunded, e.invoiced, e.revenue) == (
        Decimal("800.00"),
        Decimal("30.00"),
        Decimal("1230.00"),
        Decimal("2000.00"),
    )
    assert e.margin == Decimal("719.00")


def test_margins_report_in_scope_and_by_group(
    world: World,
    setup: dict[str, Any],  # noqa: F811
    django_assert_max_num_queries: Any,
) -> None:
    tech = world.users["sh_tech"]

    def done(o: ServiceOrder) -> None:
        report_sign(
            order_id=o.pk,
            signed_by="张三",
            signature="M 10 10 L 100 100 L 200 50 L 300 120",
            opinion="satisfied",
            access=access_for(tech),
            by=tech,
        )
        order_complete(order_id=o.pk, access=access_for(tech), by=tech, at=t("2025-03-20T15:00"))
        sup = world.users["sh_supervisor"]
        order_close(order_id=o.pk, access=access_for(sup), by=sup)

    one = order_on(world, setup, "2025-03-15")
    accepted(world, one)
    settle(world, one, "paid", method="cash")
    done(one)
    two = order_on(world, setup, "2025-03-16")
    settle(world, two, "none_due")
    done(two)
    accountant = access_for(world.users["sh_accountant"])
    with django_assert_max_num_queries(3):  # travel fees, the rows, the branch's labour cost rule
        m = margins(
            access=accountant,
            start=t("2025-03-01T00:00"),
            end=t("2025-04-01T00:00"),
        )
    assert [r.number for r in m.rows] == [one.number, two.number]
    # each: 1000 parts + 2 h × 80 (default rule) + 100 travel = 1260
    assert m.total.cost == Decimal("2520.00") and m.total.revenue == Decimal("2000.00")
    assert [(g.label, g.orders) for g in m.groups] == [(world.sh.name, 2)]
    outsider = margins(
        access=access_for(world.users["hz_supervisor"]),
        start=t("2025-03-01T00:00"),
        end=t("2025-04-01T00:00"),
    )
    assert outsider.rows == []


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_accountants_paying_the_last_amount_at_once(world: World, invoice: Invoice) -> None:
    """Both see ¥2000 outstanding and record it: one succeeds, the other is refused."""
    acc = act(world, "sh_accountant")
    invoice_issue(invoice_id=invoice.pk, tax_invoice_no="P-1", **acc)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            invoice_pay(invoice_id=invoice.pk, method="bank_transfer", amount="2000", **acc)
            result = "paid"
        except InvalidInput as exc:
            result = next(iter(exc.fields))
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["paid", "state"]
    invoice.refresh_from_db()
    assert invoice.state == "paid" and invoice.amount_paid == Decimal("2000.00")
    assert Payment.objects.filter(invoice=invoice).count() == 1
