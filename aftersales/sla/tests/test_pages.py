"""The service-level pages: calendar, calendar years, policies, clocks, on-time report, home panels."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from aftersales.conftest import World
from aftersales.sla.models import BranchDay, CalendarYear, Clock, ClockPolicy, OfficialDay
from aftersales.sla.services import clock_start, clock_stop, due_for

pytestmark = pytest.mark.django_db

SH_TZ = ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true"}


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH_TZ)  # type: ignore[arg-type, misc]


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def cell(html: str, date: str) -> str:
    """The calendar cell of one date."""
    match = re.search(rf'<td class="cal-day[^"]*" data-date="{date}".*?</td>', html, re.S)
    assert match is not None, date
    return match.group(0)


def xlsx_rows(response) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]


@pytest.fixture
def clocks(world: World) -> dict[str, Clock]:
    """An SH clock overdue (sh_tech), an HZ clock (hz_tech); both started ten days ago."""
    admin = world.users["hq_admin"]
    now = dt.datetime.now(tz=SH_TZ)
    sh = clock_start(
        subject=world.sh_customer,
        code="arrival_urban",
        by=admin,
        at=now - dt.timedelta(days=10),
        responsible=world.users["sh_tech"],
        subject_url=f"/customers/{world.sh_customer.pk}/",
    )
    hz = clock_start(
        subject=world.hz_customer,
        code="arrival_suburban",
        by=admin,
        at=now - dt.timedelta(days=10),
        responsible=world.users["hz_tech"],
    )
    return {"sh": sh, "hz": hz}


@pytest.fixture
def october(world: World) -> dict[str, Clock]:
    """Clocks with an outcome in October 2025: SH met, SH breached (responsible sh_tech)."""
    admin = world.users["hq_admin"]
    clock_start(
        subject=world.sh_customer,
        code="reply",
        by=admin,
        at=at(2025, 10, 9, 9),
        responsible=world.users["sh_tech"],
    )
    met = clock_stop(subject=world.sh_customer, code="reply", by=admin, at=at(2025, 10, 9, 10))
    clock_start(
        subject=world.sh_customer,
        code="arrival_urban",
        by=admin,
        at=at(2025, 10, 13, 9),
        responsible=world.users["sh_tech"],
    )
    late = clock_stop(subject=world.sh_customer, code="arrival_urban", by=admin, at=at(2025, 10, 20, 9))
    return {"met": met, "breached": late}


# --------------------------------------------------------------------------- every page, every role

PAGES = [
    ("/sla/calendar/?branch=SH&month=2025-10", ["hq_admin", "sh_supervisor", "sh_manager", "sh_tech"]),
    ("/sla/calendar/years/", ["hq_admin"]),
    ("/sla/calendar/years/2025/", ["hq_admin"]),
    ("/sla/policies/", ["hq_admin", "sh_supervisor", "sh_tech"]),
    ("/sla/policies/new/", ["hq_admin"]),
    ("/sla/clocks/", ["hq_admin", "sh_supervisor", "sh_manager", "sh_tech", "sh_warehouse", "hq_executive"]),
    ("/sla/reports/", ["hq_admin", "sh_supervisor", "sh_manager", "hq_executive", "hq_assessor"]),
]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_each_page_renders_for_the_roles_that_use_it(
    world: World, clocks: dict[str, Clock], lang: str
) -> None:
    policy = ClockPolicy.objects.get(code="arrival_urban", scope_key="default", active=True)
    pages = [*PAGES, (f"/sla/policies/{policy.pk}/", ["hq_admin", "sh_supervisor"])]
    for url, users in pages:
        for name in users:
            client = world.client(name)
            if lang == "en":
                english(client)
            response = client.get(url)
            assert response.status_code == 200, (url, name, lang)
            assert f'<html lang="{lang}">' in response.content.decode(), (url, name)


OUTSIDER_GETS = [
    # (url, outsider)
    ("/sla/clocks/", "customer"),
    ("/sla/clocks/export.xlsx", "customer"),
    ("/sla/clocks/", "dealer"),
    ("/sla/calendar/?branch=SH&month=2025-10", "customer"),
    ("/sla/calendar/?branch=SH&month=2025-10", "hz_supervisor"),
    ("/sla/calendar/?branch=HZ&month=2025-10", "sh_tech"),
    ("/sla/calendar/years/", "sh_manager"),
    ("/sla/calendar/years/2025/", "sh_supervisor"),
    ("/sla/policies/", "customer"),
    ("/sla/policies/new/", "sh_manager"),
    ("/sla/reports/", "sh_tech"),
    ("/sla/reports/", "customer"),
    ("/sla/reports/export.xlsx", "sh_tech"),
    ("/sla/reports/breached.xlsx", "sh_agent"),
    ("/sla/policies/999999/", "hq_admin"),
]


@pytest.mark.parametrize(("url", "outsider"), OUTSIDER_GETS)
def test_it_refuses_outsiders(world: World, url: str, outsider: str) -> None:
    assert world.client(outsider).get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    for url in ("/sla/clocks/", "/sla/calendar/", "/sla/reports/", "/notifications/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_it_refuses_changes_from_outsiders(world: World) -> None:
    policy = ClockPolicy.objects.get(code="arrival_urban", scope_key="default", active=True)
    day = {"branch": "SH", "date": "2025-10-10", "mode": "closed"}
    assert world.client("hz_supervisor").post("/sla/calendar/day/", day).status_code == 404
    assert (
        world.client("sh_supervisor").post("/sla/calendar/day/", day).status_code == 404
    )  # no sla.calendar.branch
    assert world.client("sh_tech").post("/sla/calendar/day/", day).status_code == 404
    hz_day = {**day, "branch": "HZ"}
    assert world.client("sh_manager").post("/sla/calendar/day/", hz_day).status_code == 404
    assert world.client("sh_manager").post("/sla/calendar/years/", {"year": 2025}).status_code == 404
    assert world.client("sh_manager").post("/sla/calendar/years/2025/", {"days": ""}).status_code == 404
    revise = {**_policy_post(policy), "reason": "x"}
    assert world.client("sh_manager").post(f"/sla/policies/{policy.pk}/", revise).status_code == 404
    assert (
        world.client("sh_manager").post(f"/sla/policies/{policy.pk}/retire/", {"reason": "x"}).status_code
        == 404
    )
    assert not BranchDay.objects.exists()
    assert ClockPolicy.objects.filter(code="arrival_urban").count() == 1


# --------------------------------------------------------------------------- calendar


def test_calendar_shows_holidays_and_make_up_days(world: World) -> None:
    client = world.client("sh_supervisor")
    october = client.get("/sla/calendar/?branch=SH&month=2025-10").content.decode()
    assert "国庆节" in cell(october, "2025-10-01")
    assert 'data-kind="holiday"' in cell(october, "2025-10-01")
    assert 'data-kind="makeup"' in cell(october, "2025-10-11") and "班" in cell(october, "2025-10-11")
    september = client.get("/sla/calendar/?branch=SH&month=2025-09").content.decode()
    assert "班" in cell(september, "2025-09-28")
    assert 'data-kind="makeup"' in cell(september, "2025-09-28")
    assert 'data-kind="weekend"' in cell(september, "2025-09-27")
    assert 'data-testid="provisional-banner"' not in october
    # Mondays first: 2025-10-01 is a Wednesday, so two blank cells lead the first week.
    first_week = october.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert first_week.count('class="cal-blank"') == 2
    # Read-only for a supervisor: the days are not links.
    assert 'class="cal-cell" href' not in october


def test_calendar_in_english_names_the_holiday_in_english(world: World) -> None:
    page = (
        english(world.client("sh_supervisor")).get("/sla/calendar/?branch=SH&month=2025-10").content.decode()
    )
    assert "National Day" in cell(page, "2025-10-01")


def test_calendar_warns_when_the_year_is_not_official(world: World) -> None:
    last = CalendarYear.objects.order_by("-year").first()
    assert last is not None
    page = (
        world.client("sh_supervisor")
        .get(f"/sla/calendar/?branch=SH&month={last.year + 1}-03")
        .content.decode()
    )
    assert 'data-testid="provisional-banner"' in page


def test_calendar_defaults_to_the_home_branch_and_this_month(world: World) -> None:
    today = dt.datetime.now(tz=SH_TZ).date()
    for query in ("", "?month=9999-12", "?month=2025-13", "?month=x"):
        page = world.client("sh_supervisor").get(f"/sla/calendar/{query}").content.decode()
        assert 'data-branch="SH"' in page and f'data-month="{today:%Y-%m}"' in page, query


def test_a_branch_exception_set_on_the_page_moves_deadlines(world: World) -> None:
    start = "2025-10-09T16:00"
    before = due_for(code="arrival_urban", start=start, branch=world.sh).due_at
    client = world.client("sh_manager")
    page = client.get("/sla/calendar/?branch=SH&month=2025-10").content.decode()
    assert 'class="cal-cell" href' in page  # the manager may edit
    form = client.get("/sla/calendar/?branch=SH&month=2025-10&day=2025-10-10", headers=HTMX).content.decode()
    assert 'data-testid="day-form"' in form and 'id="calendar-body"' in form and "<html" not in form
    response = client.post(
        "/sla/calendar/day/",
        {"branch": "SH", "date": "2025-10-10", "mode": "closed", "note": "盘点"},
        headers=HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="day-saved"' in body and 'data-kind="branch_closed"' in cell(body, "2025-10-10")
    after = due_for(code="arrival_urban", start=start, branch=world.sh).due_at
    assert after is not None and before is not None and after > before
    # Hangzhou is not affected.
    assert due_for(code="arrival_urban", start=start, branch=world.hz).due_at == before
    client.post("/sla/calendar/day/", {"branch": "SH", "date": "2025-10-10", "mode": "clear"}, headers=HTMX)
    assert due_for(code="arrival_urban", start=start, branch=world.sh).due_at == before


def test_a_closed_day_ignores_hours_left_in_the_form(world: World) -> None:
    client = world.client("sh_manager")
    response = client.post(
        "/sla/calendar/day/", {"branch": "SH", "date": "2025-10-13", "mode": "closed", "hours": "09:00-12:00"}
    )
    assert response.status_code == 302
    day = BranchDay.objects.get(branch=world.sh, date=dt.date(2025, 10, 13))
    assert not day.is_working and day.periods is None


def test_a_working_day_with_its_own_hours(world: World) -> None:
    client = world.client("hq_admin")
    response = client.post(
        "/sla/calendar/day/", {"branch": "SH", "date": "2025-10-12", "mode": "open", "hours": "09:00-12:00"}
    )
    assert response.status_code == 302 and "month=2025-10" in response["Location"]
    day = BranchDay.objects.get(branch=world.sh, date=dt.date(2025, 10, 12))
    assert day.is_working and day.periods == [["09:00", "12:00"]]
    page = client.get("/sla/calendar/?branch=SH&month=2025-10").content.decode()
    assert "09:00–12:00" in cell(page, "2025-10-12")


def test_bad_hours_are_shown_next_to_the_field_and_nothing_is_saved(world: World) -> None:
    client = world.client("sh_manager")
    for hours in ("9 to 12", "12:00-09:00"):
        response = client.post(
            "/sla/calendar/day/",
            {"branch": "SH", "date": "2025-10-12", "mode": "open", "hours": hours},
            headers=HTMX,
        )
        assert response.status_code == 200
        assert 'data-field="hours"' in response.content.decode(), hours
    response = client.post(
        "/sla/calendar/day/", {"branch": "SH", "date": "2025-10-12", "mode": "open", "hours": "25:00-26:00"}
    )
    assert response.status_code == 400 and 'data-field="hours"' in response.content.decode()
    assert not BranchDay.objects.exists()


# --------------------------------------------------------------------------- calendar years


def test_years_page_lists_the_years(world: World) -> None:
    page = world.client("hq_admin").get("/sla/calendar/years/").content.decode()
    count = OfficialDay.objects.filter(date__year=2025).count()
    row = re.search(r'<tr data-year="2025">.*?</tr>', page, re.S)
    assert row is not None and f">{count}<" in row.group(0)


def test_a_year_is_loaded_from_the_package(world: World) -> None:
    OfficialDay.objects.filter(date__year=2025).delete()
    CalendarYear.objects.filter(year=2025).delete()
    response = world.client("hq_admin").post("/sla/calendar/years/", {"year": 2025})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2025).source == "package"
    assert OfficialDay.objects.get(date=dt.date(2025, 10, 1)).name == "National Day"


def test_a_year_the_package_does_not_know_is_refused_next_to_the_field(world: World) -> None:
    response = world.client("hq_admin").post("/sla/calendar/years/", {"year": 2099})
    assert response.status_code == 400 and 'data-field="year"' in response.content.decode()
    assert not CalendarYear.objects.filter(year=2099).exists()


def test_a_year_is_entered_as_text_prefilled_with_its_days(world: World) -> None:
    client = world.client("hq_admin")
    page = client.get("/sla/calendar/years/2025/").content.decode()
    assert "2025-10-01..2025-10-05 off National Day\n2025-10-06 off Mid-autumn Festival" in page
    assert "2025-09-28 on National Day" in page
    response = client.post(
        "/sla/calendar/years/2025/", {"days": "2025-10-01 off National Day\n2025-13-01 off x"}
    )
    assert response.status_code == 400 and 'data-field="days"' in response.content.decode()
    assert OfficialDay.objects.filter(date__year=2025).count() > 20  # nothing half saved
    text = "2030-01-01 off 元旦\n2030-02-02..2030-02-08 off 春节\n2030-02-10 on 春节"
    response = client.post("/sla/calendar/years/2030/", {"days": text, "note": "国务院办公厅通知"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2030).source == "manual"
    assert OfficialDay.objects.filter(date__year=2030).count() == 9
    assert client.get("/sla/calendar/years/?edit=2030").status_code == 302


# --------------------------------------------------------------------------- policies


def _policy_post(policy: ClockPolicy, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": policy.kind,
        "amount": str(policy.amount),
        "unit": policy.unit,
        "start_rule": policy.start_rule,
        "limit_amount": "",
        "warn_percent": "75",
        "escalation": "supervisor 1\nmanager 1.5\nhead 2",
        "pause_states": "",
        "reason": "",
    }
    data.update(changes)
    return data


def test_policy_list_shows_names_by_language(world: World) -> None:
    zh = world.client("sh_supervisor").get("/sla/policies/").content.decode()
    en = english(world.client("sh_supervisor")).get("/sla/policies/").content.decode()
    assert "市区到场" in zh and "arrival on site, urban" in en
    row = re.search(r'<tr data-code="arrival_urban" data-scope="default">.*?</tr>', zh, re.S)
    assert row is not None and "75 %" in row.group(0) and "v1" in row.group(0)


def test_revising_a_policy_on_the_page_creates_version_2(world: World) -> None:
    policy = ClockPolicy.objects.get(code="arrival_urban", scope_key="default", active=True)
    client = world.client("hq_admin")
    assert 'data-testid="revise-form"' in client.get(f"/sla/policies/{policy.pk}/").content.decode()
    # The reason is required.
    response = client.post(f"/sla/policies/{policy.pk}/", _policy_post(policy, amount="5"))
    assert response.status_code == 400 and 'data-field="reason"' in response.content.decode()
    # A rule the service refuses is shown next to its field, nothing saved.
    response = client.post(
        f"/sla/policies/{policy.pk}/", _policy_post(policy, kind="calendar", unit="working_days", reason="试")
    )
    assert response.status_code == 400 and 'data-field="unit"' in response.content.decode()
    response = client.post(f"/sla/policies/{policy.pk}/", _policy_post(policy, warn_percent="2", reason="试"))
    assert response.status_code == 400 and 'data-field="warn_percent"' in response.content.decode()
    assert ClockPolicy.objects.filter(code="arrival_urban").count() == 1
    response = client.post(
        f"/sla/policies/{policy.pk}/", _policy_post(policy, amount="5", warn_percent="80", reason="合同调整")
    )
    assert response.status_code == 302
    new = ClockPolicy.objects.get(code="arrival_urban", scope_key="default", active=True)
    assert new.version == 2 and new.amount == 5 and str(new.warn_ratio) == "0.80" and new.reason == "合同调整"
    assert response["Location"] == f"/sla/policies/{new.pk}/"
    page = client.get(f"/sla/policies/{new.pk}/").content.decode()
    assert 'data-version="1"' in page and 'data-version="2"' in page
    # The old version shows its history but can no longer be revised.
    old = client.get(f"/sla/policies/{policy.pk}/").content.decode()
    assert 'data-testid="revise-form"' not in old
    assert client.post(f"/sla/policies/{policy.pk}/", _policy_post(policy, reason="x")).status_code == 400


def test_people_without_the_right_see_policies_without_forms(world: World) -> None:
    policy = ClockPolicy.objects.get(code="arrival_urban", scope_key="default", active=True)
    page = world.client("sh_supervisor").get(f"/sla/policies/{policy.pk}/").content.decode()
    assert 'data-testid="revise-form"' not in page and 'data-version="1"' in page


def test_an_override_is_created_and_retired(world: World) -> None:
    client = world.client("hq_admin")
    default = ClockPolicy.objects.get(code="arrival_urban", scope_key="default", active=True)
    response = client.post(
        "/sla/policies/new/",
        {**_policy_post(default, amount="4", reason="上海大客户"), "code": "arrival_urban", "branch_id": ""},
    )
    assert response.status_code == 400 and 'data-field="branch_id"' in response.content.decode()
    response = client.post(
        "/sla/policies/new/",
        {
            **_policy_post(default, amount="4", reason="大客户"),
            "code": "arrival_urban",
            "customer_number": "nope",
        },
    )
    assert response.status_code == 400 and 'data-field="customer_number"' in response.content.decode()
    response = client.post(
        "/sla/policies/new/",
        {
            **_policy_post(default, amount="4", reason="大客户"),
            "code": "arrival_urban",
            "customer_number": world.sh_customer.number,
        },
    )
    assert response.status_code == 302
    override = ClockPolicy.objects.get(code="arrival_urban", customer=world.sh_customer, active=True)
    assert override.amount == 4
    assert "上海申达" in client.get("/sla/policies/").content.decode()
    page = client.get(f"/sla/policies/{override.pk}/").content.decode()
    assert 'data-testid="retire-form"' in page
    response = client.post(f"/sla/policies/{override.pk}/retire/", {"reason": ""})
    assert response.status_code == 400 and 'data-field="reason"' in response.content.decode()
    response = client.post(f"/sla/policies/{override.pk}/retire/", {"reason": "合同到期"})
    assert response.status_code == 302
    override.refresh_from_db()
    assert not override.active


# --------------------------------------------------------------------------- clocks


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-clock="(\d+)">', html)


def test_clock_list_shows_what_each_person_may_see(world: World, clocks: dict[str, Clock]) -> None:
    sh, hz = str(clocks["sh"].pk), str(clocks["hz"].pk)
    assert set(_rows(world.client("hq_admin").get("/sla/clocks/").content.decode())) == {sh, hz}
    assert _rows(world.client("sh_supervisor").get("/sla/clocks/").content.decode()) == [sh]
    assert _rows(world.client("hz_supervisor").get("/sla/clocks/").content.decode()) == [hz]
    assert _rows(world.client("sh_tech").get("/sla/clocks/").content.decode()) == [sh]
    assert _rows(world.client("hz_tech").get("/sla/clocks/").content.decode()) == [hz]
    page = world.client("sh_supervisor").get("/sla/clocks/").content.decode()
    assert "上海申达" in page and f'href="/customers/{world.sh_customer.pk}/"' in page
    assert 'data-level="overdue"' in page and "data-due=" in page


def test_clock_list_filters_and_pages(world: World, clocks: dict[str, Clock]) -> None:
    client = world.client("hq_admin")
    sh, hz = str(clocks["sh"].pk), str(clocks["hz"].pk)
    assert _rows(client.get("/sla/clocks/?branch=HZ").content.decode()) == [hz]
    assert _rows(client.get("/sla/clocks/?code=arrival_urban").content.decode()) == [sh]
    assert set(_rows(client.get("/sla/clocks/?due=overdue").content.decode())) == {sh, hz}
    assert _rows(client.get("/sla/clocks/?due=24h").content.decode()) == []
    assert _rows(client.get("/sla/clocks/?state=met").content.decode()) == []
    assert _rows(client.get(f"/sla/clocks/?before={max(int(sh), int(hz))}").content.decode()) == [
        str(min(int(sh), int(hz)))
    ]
    partial = client.get("/sla/clocks/?branch=SH", headers=HTMX).content.decode()
    assert partial.startswith('\n<div id="rows"') or partial.lstrip().startswith('<div id="rows"')


def test_clock_list_costs_the_same_queries_for_more_rows(world: World, clocks: dict[str, Clock]) -> None:
    client = world.client("hq_admin")
    client.get("/sla/clocks/")
    with CaptureQueriesContext(connection) as few:
        client.get("/sla/clocks/")
    admin = world.users["hq_admin"]
    for code in ("reply", "resolution", "rma_reply"):
        clock_start(subject=world.sh_customer, code=code, by=admin, responsible=world.users["sh_tech"])
    with CaptureQueriesContext(connection) as more:
        client.get("/sla/clocks/")
    assert len(more) == len(few)


def test_clock_export_opens_in_excel_with_the_rows(world: World, clocks: dict[str, Clock]) -> None:
    rows = xlsx_rows(world.client("sh_supervisor").get("/sla/clocks/export.xlsx?state=open"))
    assert len(rows) == 2
    assert "上海申达" in str(rows[1][0]) and rows[1][1] == "arrival_urban" and rows[1][3] == "SH"
    assert isinstance(rows[1][6], dt.datetime)
    rows = xlsx_rows(world.client("hq_admin").get("/sla/clocks/export.xlsx"))
    assert len(rows) == 3


def test_the_clock_panel_shows_the_clocks_of_a_record(world: World, clocks: dict[str, Clock]) -> None:
    template = Template("{% load sla %}{% clock_panel subject %}")

    def render(name: str) -> str:
        request = RequestFactory().get("/")
        request.user = world.users[name]
        return template.render(Context({"request": request, "subject": world.sh_customer}))

    html = render("sh_supervisor")
    assert 'data-clock="arrival_urban"' in html and "v1" in html and "sla/countdown.js" in html
    assert 'data-level="overdue"' in html
    assert 'data-clock="arrival_urban"' not in render("hz_supervisor")
    assert 'data-clock="arrival_urban"' not in render("hz_tech")
    assert 'data-clock="arrival_urban"' not in render("customer")


# --------------------------------------------------------------------------- report

OCTOBER = "from=2025-10-01&to=2025-10-31"


def test_report_groups_and_marks_the_target(world: World, october: dict[str, Clock]) -> None:
    client = world.client("sh_manager")
    page = client.get(f"/sla/reports/?{OCTOBER}").content.decode()
    assert 'id="report-chart"' in page and 'id="report-chart-data"' in page
    row = re.search(r'<tr class="kpi-row-miss" data-key="arrival_urban">.*?</tr>', page, re.S)
    assert row is not None and "0.0 %" in row.group(0)
    assert re.search(r'<tr class="" data-key="reply">.*?100.0 %', page, re.S)
    assert 'data-testid="total-rate">50.0 %' in page
    assert f'<tr data-clock="{october["breached"].pk}">' in page
    page = client.get(f"/sla/reports/?{OCTOBER}&group=responsible").content.decode()
    assert "Sh_Tech" in page
    page = client.get(f"/sla/reports/?{OCTOBER}&group=month").content.decode()
    assert 'data-key="2025-10"' in page
    # Another branch's supervisor sees nothing of Shanghai.
    page = world.client("hz_supervisor").get(f"/sla/reports/?{OCTOBER}").content.decode()
    assert 'data-key="reply"' not in page and f'data-clock="{october["breached"].pk}"' not in page


def test_report_costs_the_same_queries_for_more_clocks(world: World, october: dict[str, Clock]) -> None:
    client = world.client("sh_manager")
    client.get(f"/sla/reports/?{OCTOBER}")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/sla/reports/?{OCTOBER}")
    admin = world.users["hq_admin"]
    for code in ("resolution", "rma_reply"):
        clock_start(subject=world.sh_customer, code=code, by=admin, at=at(2025, 10, 13, 9))
        clock_stop(subject=world.sh_customer, code=code, by=admin, at=at(2025, 10, 30, 9))
    with CaptureQueriesContext(connection) as more:
        response = client.get(f"/sla/reports/?{OCTOBER}")
    assert len(more) == len(few)
    assert response.content.decode().count("<tr data-clock=") == 3


def test_report_defaults_to_this_month(world: World) -> None:
    page = world.client("sh_manager").get("/sla/reports/").content.decode()
    today = dt.datetime.now(tz=SH_TZ).date()
    assert f'name="from" value="{today:%Y-%m}-01"' in page


def test_report_exports_open_in_excel(world: World, october: dict[str, Clock]) -> None:
    client = world.client("sh_manager")
    rows = xlsx_rows(client.get(f"/sla/reports/export.xlsx?{OCTOBER}"))
    assert rows[1:] == [("市区到场", 0, 1, 1, 0), ("回复客户留言", 1, 0, 1, 100)]
    rows = xlsx_rows(client.get(f"/sla/reports/breached.xlsx?{OCTOBER}"))
    assert len(rows) == 2 and "上海申达" in str(rows[1][0]) and rows[1][1] == "arrival_urban"


# --------------------------------------------------------------------------- home and navigation


def test_home_panels_show_overdue_and_own_clocks(world: World, clocks: dict[str, Clock]) -> None:
    page = world.client("sh_supervisor").get("/").content.decode()
    panel = page.split('data-panel="overdue_clocks"', 1)[1].split('data-panel="', 1)[0]
    assert "上海申达" in panel and "杭州萧山纺机" not in panel
    assert 'data-panel="clocks_due_soon"' in page
    page = world.client("sh_tech").get("/").content.decode()
    panel = page.split('data-panel="my_clocks"', 1)[1].split('data-panel="', 1)[0]
    assert "上海申达" in panel and "text-bg-danger" in panel
    page = world.client("hz_tech").get("/").content.decode()
    panel = page.split('data-panel="my_clocks"', 1)[1].split('data-panel="', 1)[0]
    assert "上海申达" not in panel and "杭州萧山纺机" in panel


def test_home_panel_lists_clocks_due_within_two_working_hours(world: World) -> None:
    clock = clock_start(
        subject=world.sh_customer,
        code="reply",
        by=world.users["hq_admin"],
        at=dt.datetime.now(tz=SH_TZ) - dt.timedelta(hours=23),
    )
    page = world.client("sh_manager").get("/").content.decode()
    panel = page.split('data-panel="clocks_due_soon"', 1)[1].split('data-panel="', 1)[0]
    assert clock.due_at is not None
    # Due within an hour by the clock; whether that is within 2 working hours depends on now.
    assert ("上海申达" in panel) == (clock.due_at <= _two_working_hours_from_now(world))


def _two_working_hours_from_now(world: World) -> dt.datetime:
    from aftersales.sla.calendar import calendar_for
    from aftersales.sla.engine import add_working

    return add_working(calendar_for(world.sh).calendar, dt.datetime.now(tz=SH_TZ), dt.timedelta(hours=2))


def test_navigation_links_by_role(world: World) -> None:
    def nav(name: str) -> str:
        page = world.client(name).get("/").content.decode()
        return page.split('id="mainnav"', 1)[1].split("</ul>", 1)[0]

    admin = nav("hq_admin")
    assert all(u in admin for u in ('"/sla/clocks/"', '"/sla/reports/"'))
    # Calendar and policies are reached from the deadlines page (a shorter menu fits one line).
    clocks_page = world.client("hq_admin").get("/sla/clocks/").content.decode()
    assert '"/sla/calendar/"' in clocks_page and '"/sla/policies/"' in clocks_page
    supervisor = nav("sh_supervisor")
    assert (
        '"/sla/clocks/"' in supervisor
        and '"/sla/reports/"' in supervisor
        and '"/sla/calendar/"' not in supervisor
    )
    tech = nav("sh_tech")
    assert '"/sla/clocks/"' in tech and '"/sla/reports/"' not in tech
    assert "/sla/" not in nav("customer")


def test_customer_page_shows_its_clocks(world: World) -> None:
    """Until service calls exist, demo clocks run on customers: their page shows the panel."""
    import datetime as _dt
    from zoneinfo import ZoneInfo as _Z

    from aftersales.sla.services import clock_start as _start

    _start(
        subject=world.sh_customer,
        code="arrival_urban",
        by=None,
        at=_dt.datetime(2025, 3, 3, 9, 0, tzinfo=_Z("Asia/Shanghai")),
        responsible=world.users["sh_tech"],
    )
    page = world.client("sh_supervisor").get(f"/customers/{world.sh_customer.pk}/").content.decode()
    assert 'data-testid="clock-panel"' in page and 'data-clock="arrival_urban"' in page
    portal = world.client("customer").get(f"/customers/{world.sh_customer.pk}/")
    assert 'data-clock="arrival_urban"' not in portal.content.decode()
