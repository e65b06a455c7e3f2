"""Import and export of the parts master: head office only, all or nothing, substitutes both ways."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from aftersales.access.policy import access_for
from aftersales.audit.models import Event
from aftersales.catalog.models import Part, ProductModel
from aftersales.catalog.services import PartData, part_save
from aftersales.conftest import World, make_person
from aftersales.installed.imports import sheet_for
from aftersales.installed.tests.test_export_roundtrip import sheet_rows, upload
from aftersales.installed.tests.test_import_customers import en, report
from aftersales.org.roles import Role

URL = "/installed/import/parts/"
ZH = [
    "配件编号",
    "名称",
    "英文名称",
    "型号",
    "规格",
    "成本",
    "售价",
    "补货点",
    "常用件",
    "产品线",
    "适用机型",
    "替代件",
    "启用",
]


def subs(code: str) -> list[str]:
    return sorted(Part.objects.get(code=code).substitutes.values_list("code", flat=True))


def test_xlsx_and_csv_with_chinese_headers_create_parts_substitutes_further_down(
    world: World, model: ProductModel
) -> None:
    client = en(world.client("hq_admin"))
    rows = [
        ZH,
        ["P-001", "主轴轴承", "Spindle bearing", "7014C", "70×110", "320", "480.5", "5", "是", "cnc", "vmc-850", "P-002、P-003", ""],
        ["P-002", "主轴轴承(国产)", "", "", "", "", "", "", "否", "", "", "", "否"],
    ]  # fmt: skip
    response = client.post(URL, {"file": upload(rows, "parts.xlsx")})
    assert response.status_code == 400  # P-003 is nowhere
    assert report(response.text) == [
        (
            "2",
            "substitutes",
            "Unknown part P-003: use the part number of a part in the master or in this file.",
        )
    ]
    assert not Part.objects.exists()

    csv = "配件编号,名称,成本,售价\nP-003,密封圈,1.5,0\n"
    response = client.post(URL, {"file": SimpleUploadedFile("p.csv", csv.encode("utf-8-sig"))})
    assert response.status_code == 302 and response["Location"] == "/stock/"
    p3 = Part.objects.get(code="P-003")
    assert (p3.name, p3.cost, p3.price, p3.is_common, p3.active) == (
        "密封圈",
        Decimal("1.50"),
        0,
        False,
        True,
    )

    assert client.post(URL, {"file": upload(rows, "parts.xlsx")}).status_code == 302
    p1 = Part.objects.get(code="P-001")
    assert (p1.name_en, p1.part_model, p1.cost, p1.price, p1.reorder_point, p1.is_common) == (
        "Spindle bearing",
        "7014C",
        Decimal("320.00"),
        Decimal("480.50"),
        5,
        True,
    )
    assert list(p1.product_lines.all()) == [world.line] and list(p1.usage.all()) == [model]
    # P-002 lists nothing but P-001 names it: substitutes work both ways
    assert subs("P-001") == ["P-002", "P-003"] and subs("P-002") == ["P-001"] and subs("P-003") == ["P-001"]
    assert Part.objects.get(code="P-002").active is False


def test_bad_rows_save_nothing_and_each_is_reported(world: World) -> None:
    rows = [
        ZH,
        ["P-1", "好配件", "", "", "", "10", "12", "1", "是", "", "", "", ""],
        ["P-2", "", "", "", "", "-1", "abc", "1.5", "也许", "nope", "X-9", "P-2", ""],
        ["P-1", "重复", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    response = en(world.client("hq_admin")).post(URL, {"file": upload(rows, "parts.xlsx")})
    assert response.status_code == 400
    assert report(response.text) == [
        ("3", "name", "Required."),
        ("3", "cost", "An amount of 0 or more, such as 1200.00."),
        ("3", "sale price", "Write an amount such as 1200.00."),
        ("3", "reorder point", "A whole number, 0 or more."),
        ("3", "common part", "Allowed: yes or no (是 / 否)."),
        ("3", "product lines", "Unknown product line nope: use its code."),
        ("3", "used in models", "Unknown product model X-9: use its code."),
        ("3", "substitutes", "A part cannot be its own substitute."),
        ("4", "part number", "P-1 is also on row 2; each record may appear once."),
    ]
    assert not Part.objects.exists()


def test_update_is_in_the_audit_trail_and_a_column_left_out_stays(world: World) -> None:
    admin = world.users["hq_admin"]
    part = part_save(
        data=PartData(code="P-9", name="旧名", cost=Decimal("5"), is_common=True),
        access=access_for(admin),
        by=admin,
    ).part
    keeper = world.users["hq_warehouse"] = make_person("hq_warehouse", Role.WAREHOUSE, world.hq, admin)
    response = en(world.client("hq_warehouse")).post(
        URL, {"file": upload([["part number", "name", "sale price"], ["p-9", "新名", "8"]], "p.xlsx")}
    )
    assert response.status_code == 302
    part.refresh_from_db()
    assert (part.name, part.cost, part.price, part.is_common) == (
        "新名",
        Decimal("5.00"),
        Decimal("8.00"),
        True,
    )
    event = Event.objects.get(subject_type="catalog.part", subject_id=part.pk, kind="updated")
    assert event.actor == keeper and event.branch_id == world.hq.pk
    assert event.data["changes"] == {"name": ["旧名", "新名"], "price": ["0.00", "8.00"]}


def test_only_head_office_imports_the_parts_master(world: World) -> None:
    world.users["hq_warehouse"] = make_person(
        "hq_warehouse", Role.WAREHOUSE, world.hq, world.users["hq_admin"]
    )
    text = world.client("hq_warehouse").get(URL).text
    assert 'data-testid="import-columns"' in text and "/installed/import/parts/export.xlsx" in text
    for name in ("sh_manager", "sh_warehouse", "sh_agent"):
        client = world.client(name)
        assert client.get(URL).status_code == 404, name
        assert client.get(URL + "template.xlsx").status_code == 404, name
        assert client.post(URL, {"file": upload([["part number", "name"], ["X", "x"]])}).status_code == 404
    assert (
        'href="/installed/import/parts/"'
        not in world.client("sh_manager").get("/installed/import/units/").text
    )
    assert not Part.objects.exists()


def test_export_reimports_unchanged(world: World, model: ProductModel) -> None:
    admin = world.users["hq_admin"]
    access = access_for(admin)
    a = part_save(
        data=PartData(code="A-1", name="甲", cost=Decimal("1.10"), price=Decimal("0.5")),
        access=access,
        by=admin,
    ).part
    part_save(
        data=PartData(
            code="B-2", name="乙", name_en="B", part_model="M", specification="S, 2", reorder_point=3,
            is_common=True, active=False, product_line_ids=[world.line.pk], usage_ids=[model.pk],
            substitute_ids=[a.pk],
        ),
        access=access,
        by=admin,
    )  # fmt: skip
    assert world.client("sh_tech").get("/stock/").status_code == 200  # sees parts stock: may export
    rows = sheet_rows(en(world.client("sh_warehouse")).get("/installed/import/parts/export.xlsx"))
    with translation.override("en"):
        assert rows[0] == sheet_for("parts").headers()
    assert rows[2] == ["B-2", "乙", "B", "M", "S, 2", 0, 0, 3, "yes", "cnc", "VMC-850", "A-1", "no"]

    def values() -> list[tuple[object, ...]]:
        return [
            (*p, tuple(sorted(Part.objects.get(pk=p[0]).substitutes.values_list("code", flat=True))))
            for p in Part.objects.order_by("pk").values_list(
                "pk", "code", "name", "name_en", "part_model", "specification", "cost", "price",
                "reorder_point", "is_common", "active", "product_lines", "usage",
            )
        ]  # fmt: skip

    before, events = values(), Event.objects.count()
    client = world.client("hq_admin")
    client.cookies["django_language"] = "zh-hans"  # exported in English, imported in Chinese
    assert client.post(URL, {"file": upload(rows)}).status_code == 302
    assert values() == before and Event.objects.count() == events  # nothing changed, nothing recorded
