"""Import of customers: through customer_create / customer_update, all or nothing, keyed by number."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from aftersales.audit.models import Event
from aftersales.conftest import World
from aftersales.customers.models import Customer

URL = "/installed/import/customers/"
HEADER = [
    "number",
    "name",
    "kind",
    "branch",
    "zone",
    "dealer",
    "contact",
    "phone",
    "e-mail",
    "address",
    "notes",
]


def xlsx(
    rows: list[list[object]], header: list[str] = HEADER, name: str = "customers.xlsx"
) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def en(client: Client) -> Client:
    """Reports name columns in the page's language; these tests read them in English."""
    client.cookies["django_language"] = "en"
    return client


def report(text: str) -> list[tuple[str, str, str]]:
    """(row, column, message) of every line of the error report."""
    import re

    part = text[text.index('data-testid="import-report"') :]
    part = part[: part.index("</table>")]
    cells = re.findall(r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>", part, re.S)
    return [(r.strip(), c.strip(), m.strip()) for r, c, m in cells]


def test_good_xlsx_registers_every_customer_through_the_service(world: World) -> None:
    file = xlsx(
        [
            [
                "",
                "上海精工机械",
                "企业",
                "SH",
                "市区",
                "D-SH",
                "王工",
                "13811112222",
                "",
                "嘉定区叶城路1号",
                "老客户",
            ],
            ["", "李明", "person", "sh", "suburban", "", "", "", "li@example.com", "", ""],
        ]
    )
    response = en(world.client("sh_agent")).post(URL, {"file": file})
    assert response.status_code == 302 and response["Location"] == "/customers/"
    jg = Customer.objects.get(name="上海精工机械")
    assert (jg.kind, jg.branch, jg.zone.code, jg.dealer, jg.contact_name, jg.phone, jg.address, jg.notes) == (  # type: ignore[union-attr]
        "company",
        world.sh,
        "urban",
        world.sh_dealer,
        "王工",
        "13811112222",
        "嘉定区叶城路1号",
        "老客户",
    )
    li = Customer.objects.get(name="李明")
    assert (li.kind, li.zone.code, li.email, li.dealer) == ("person", "suburban", "li@example.com", None)  # type: ignore[union-attr]
    assert jg.number.startswith("SH-") and jg.number != li.number
    assert Event.objects.filter(subject_type="customers.customer", subject_id=jg.pk, kind="created").exists()


def test_csv_with_chinese_headers_takes_the_only_branch_when_none_is_given(world: World) -> None:
    text = "客户名称,类型,联系人,电话,地址\n苏州新材料,个人,张三,13700000001,苏州工业园区\n"
    response = en(world.client("sh_agent")).post(
        URL, {"file": SimpleUploadedFile("c.csv", text.encode("utf-8-sig"))}
    )
    assert response.status_code == 302
    c = Customer.objects.get(name="苏州新材料")
    assert (c.branch, c.kind, c.contact_name, c.phone) == (world.sh, "person", "张三", "13700000001")
    # head office may edit every branch: it must say which
    response = en(world.client("hq_admin")).post(URL, {"file": SimpleUploadedFile("c.csv", text.encode())})
    assert response.status_code == 400
    assert ("2", "branch", "Required: the code of one of your branches.") in report(response.text)


def test_errors_in_several_rows_save_nothing_and_each_is_reported(world: World) -> None:
    before = Customer.objects.count()
    file = xlsx(
        [
            ["", "好客户", "", "SH", "", "", "", "13800000001", "", "", ""],  # fine alone
            ["", "坏区域", "", "SH", "山区", "", "", "13800000002", "", "", ""],
            ["", "没电话", "", "SH", "", "", "", "", "", "", ""],
            ["", "", "robot", "SH", "", "NOPE", "", "13800000003", "not-an-email", "", ""],
            ["", "别的中心", "", "HZ", "", "", "", "13800000004", "", "", ""],
        ]
    )
    client = en(world.client("sh_agent"))
    response = client.post(URL, {"file": file})
    assert response.status_code == 400
    assert Customer.objects.count() == before
    lines = report(response.text)
    rows = {(r, c) for r, c, _m in lines}
    assert ("3", "zone") in rows
    assert ("4", "phone") in rows
    assert {("5", "name"), ("5", "kind"), ("5", "dealer")} <= rows
    assert ("6", "branch") in rows
    assert "2" not in {r for r, _c, _m in lines}
    zone = next(m for r, c, m in lines if (r, c) == ("3", "zone"))
    assert "市区" in zone and "郊区" in zone  # what is allowed
    assert "company" in next(m for r, c, m in lines if (r, c) == ("5", "kind"))
    assert "SH" in next(m for r, c, m in lines if (r, c) == ("6", "branch"))


def test_a_number_updates_that_customer_and_duplicates_are_refused(world: World) -> None:
    number = world.sh_customer.number
    client = en(world.client("sh_agent"))
    # a new row for a customer already registered in the branch, the same number twice, an unknown number
    file = xlsx(
        [
            ["", "上海申达", "", "SH", "", "", "", "13800000000", "", "", ""],
            [number, "上海申达", "", "SH", "", "", "", "13800000009", "", "", ""],
            [number, "上海申达", "", "SH", "", "", "", "13800000000", "", "", ""],
            ["SH-C-999999", "无此客户", "", "SH", "", "", "", "13800000000", "", "", ""],
        ]
    )
    response = client.post(URL, {"file": file})
    assert response.status_code == 400
    lines = report(response.text)
    assert [(r, c) for r, c, _m in lines] == [("2", "name"), ("4", "number"), ("5", "number")]
    assert number in lines[0][2]
    world.sh_customer.refresh_from_db()
    assert world.sh_customer.phone == "13800000000"

    file = xlsx([[number, "上海申达股份", "", "SH", "市区", "D-SH", "赵经理", "13800000009", "", "", ""]])
    response = client.post(URL, {"file": file})
    assert response.status_code == 302
    world.sh_customer.refresh_from_db()
    assert (world.sh_customer.name, world.sh_customer.phone, world.sh_customer.contact_name) == (
        "上海申达股份",
        "13800000009",
        "赵经理",
    )
    event = Event.objects.get(
        subject_type="customers.customer", subject_id=world.sh_customer.pk, kind="updated"
    )
    assert event.reason == "Excel import" and "phone" in event.data["changes"]
    assert Customer.objects.count() == 2


def test_other_branch_and_no_permission_import_nothing(world: World) -> None:
    # Hangzhou's agent cannot reach a Shanghai customer by its number, nor register one in Shanghai
    file = xlsx(
        [
            [world.sh_customer.number, "改名", "", "HZ", "", "", "", "13800000000", "", "", ""],
            ["", "新客户", "", "SH", "", "", "", "13800000001", "", "", ""],
        ]
    )
    response = en(world.client("hz_agent")).post(URL, {"file": file})
    assert response.status_code == 400
    assert [(r, c) for r, c, _m in report(response.text)] == [("2", "number"), ("3", "branch")]
    world.sh_customer.refresh_from_db()
    assert world.sh_customer.name == "上海申达" and Customer.objects.count() == 2
    # people who may not edit customers: no page, no template, no import
    good = xlsx([["", "新客户", "", "SH", "", "", "", "13800000001", "", "", ""]])
    for name in ["sh_tech", "sh_accountant", "hq_executive", "customer", "dealer"]:
        client = world.client(name)
        assert client.get(URL).status_code == 404, name
        assert client.get(URL + "template.xlsx").status_code == 404, name
        assert client.post(URL, {"file": good}).status_code == 404, name
    assert Customer.objects.count() == 2


def test_template_has_the_columns_and_imports_as_is(world: World) -> None:
    client = en(world.client("sh_agent"))
    response = client.get(URL + "template.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert [str(h) for h in rows[0]] == [*HEADER, "latitude", "longitude"]
    response = client.post(URL, {"file": xlsx([list(rows[1])], header=[str(h) for h in rows[0]])})
    assert response.status_code == 302
    made = Customer.objects.get(name="上海精工机械有限公司", zone__code="urban")
    assert (str(made.latitude), str(made.longitude)) == ("31.375000", "121.265000")


def test_coordinates_are_checked_and_kept_when_the_file_has_no_such_columns(world: World) -> None:
    client = en(world.client("sh_agent"))
    number = world.sh_customer.number
    header = [*HEADER, "纬度", "经度"]
    row = [number, "上海申达", "", "SH", "", "", "", "13800000000", "", "", ""]
    response = client.post(URL, {"file": xlsx([[*row, "31.2", ""]], header=header)})
    assert response.status_code == 400
    assert "longitude" in response.content.decode()
    response = client.post(URL, {"file": xlsx([[*row, "abc", "121.4"]], header=header)})
    assert response.status_code == 400
    assert "31.230416" in response.content.decode()  # the error shows what to write
    assert client.post(URL, {"file": xlsx([[*row, "31.2304", "121.4737"]], header=header)}).status_code == 302
    world.sh_customer.refresh_from_db()
    assert str(world.sh_customer.latitude) == "31.230400"
    # an older file without the two columns leaves the coordinates alone
    assert client.post(URL, {"file": xlsx([[*row[:7], "13900000000", "", "", ""]])}).status_code == 302
    world.sh_customer.refresh_from_db()
    assert world.sh_customer.phone == "13900000000" and str(world.sh_customer.longitude) == "121.473700"
