"""The import page for customers, units and contracts: both languages, only the kinds one may import,
reachable from the lists."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aftersales.conftest import World


def lang(client: Client, code: str) -> Client:
    client.cookies["django_language"] = code
    return client


@pytest.mark.parametrize("code", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", ["customers", "units", "contracts"])
def test_import_page_renders_in_both_languages(world: World, code: str, kind: str) -> None:
    response = lang(world.client("sh_manager"), code).get(f"/installed/import/{kind}/")
    assert response.status_code == 200
    assert f'lang="{code}"' in response.text
    assert f"/installed/import/{kind}/template.xlsx" in response.text
    assert 'data-testid="import-columns"' in response.text
    assert response.text.count('href="/installed/import/') >= 3  # the three kinds
    label = {"zh-hans": {"units": "序列号"}, "en": {"units": "serial no.", "customers": "e-mail"}}
    if kind in label.get(code, {}):
        assert label[code][kind] in response.text


def test_each_person_sees_only_the_kinds_they_may_import(world: World) -> None:
    agent = world.client("sh_agent")
    text = agent.get("/installed/import/customers/").text
    assert 'data-testid="import-kinds"' not in text  # one kind only: no tabs
    assert agent.get("/installed/import/units/").status_code == 404
    assert agent.get("/installed/import/contracts/").status_code == 404
    supervisor = world.client("sh_supervisor")
    text = supervisor.get("/installed/import/contracts/").text
    assert "/installed/import/customers/" in text and "/installed/import/units/" not in text
    assert world.client("sh_manager").get("/installed/import/nothing/").status_code == 404
    assert Client().get("/installed/import/customers/").status_code == 302


def test_a_missing_or_unreadable_file_is_named(world: World) -> None:
    client = lang(world.client("sh_agent"), "en")
    response = client.post("/installed/import/customers/", {})
    assert response.status_code == 400 and 'data-field="file"' in response.text
    response = client.post("/installed/import/customers/", {"file": SimpleUploadedFile("c.txt", b"x")})
    assert response.status_code == 400 and ".xlsx or .csv" in response.text
    response = client.post(
        "/installed/import/customers/", {"file": SimpleUploadedFile("c.csv", b"phone\n1\n")}
    )
    assert response.status_code == 400 and "Missing columns: name" in response.text


def test_lists_link_to_import_and_export(world: World) -> None:
    text = world.client("sh_agent").get("/customers/").text
    assert "/installed/import/customers/" in text and "/customers/export.xlsx" in text
    text = world.client("sh_manager").get("/installed/units/").text
    assert "/installed/import/units/" in text and "/installed/units/export.xlsx" in text
    text = world.client("sh_manager").get("/installed/contracts/").text
    assert "/installed/import/contracts/" in text and "/installed/contracts/export.xlsx" in text
    text = world.client("sh_agent").get("/installed/contracts/").text
    assert "/installed/import/contracts/" not in text and "/installed/contracts/export.xlsx" in text
    text = world.client("sh_tech").get("/customers/").text
    assert "/installed/import/" not in text
