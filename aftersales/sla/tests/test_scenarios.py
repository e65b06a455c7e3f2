"""scenarios.md S1–S5, S14–S16 through the public interfaces: the command and the API."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aftersales.conftest import World

# (clock, start, extra options, expected due) — start times are head-office local time.
CASES: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("S1 urban", "arrival_urban", "2025-09-30T15:00", {}, "2025-10-09T12:00:00+08:00"),
    ("S1 suburban", "arrival_suburban", "2025-09-30T15:00", {}, "2025-10-09T14:00:00+08:00"),
    ("S2", "arrival_urban", "2025-09-27T10:00", {}, "2025-09-28T15:30:00+08:00"),
    (
        "S3 with pause",
        "rma_repair",
        "2025-01-24T16:00",
        {"pause": ["2025-01-27T10:00/2025-02-05T10:00"]},
        "2025-02-08T17:30:00+08:00",
    ),
    ("S3 without pause", "rma_repair", "2025-01-24T16:00", {}, "2025-02-07T17:30:00+08:00"),
    ("S4 inspection", "return_inspection", "2025-03-03T09:00", {}, "2025-03-05T09:00:00+08:00"),
    ("S4 record", "return_record", "2025-03-03T09:00", {}, "2025-03-06T09:00:00+08:00"),
    ("S4 deemed", "return_confirmation", "2025-03-04T15:00", {}, "2025-03-06T15:00:00+08:00"),
    ("S4 disposition", "return_disposition", "2025-03-03T09:00", {}, "2025-03-18T09:00:00+08:00"),
    ("S5", "arrival_urban", "2025-03-03T09:00", {}, "2025-03-03T16:00:00+08:00"),
    ("S14 reply", "rma_reply", "2025-03-03T10:00", {}, "2025-03-04T10:00:00+08:00"),
    ("S14 resolution", "resolution", "2025-04-30T10:00", {}, "2025-05-08T10:00:00+08:00"),
    ("S15 arrival", "arrival_urban", "2025-03-03T09:00", {}, "2025-03-03T16:00:00+08:00"),
    (
        "S15 appointment",
        "arrival_appointment",
        "2025-03-03T11:00",
        {"window_end": "2025-03-04T16:00"},
        "2025-03-04T16:00:00+08:00",
    ),
    ("S16 50 pcs", "supplier_repair_50", "2025-03-07T10:00", {}, "2025-03-11T10:00:00+08:00"),
    ("S16 51 pcs", "supplier_repair_100", "2025-03-07T10:00", {}, "2025-03-14T10:00:00+08:00"),
    ("S16 workshop", "workshop_repair", "2025-03-07T10:00", {}, "2025-03-10T10:00:00+08:00"),
]
IDS = [c[0] for c in CASES]


def run_due(*args: str) -> str:
    out = io.StringIO()
    call_command("sla", "due", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.mark.parametrize(("name", "clock", "start", "extra", "expected"), CASES, ids=IDS)
def test_command(
    world: World, name: str, clock: str, start: str, extra: dict[str, Any], expected: str
) -> None:
    args = ["--clock", clock, "--start", start]
    for p in extra.get("pause", []):
        args += ["--pause", p]
    if "window_end" in extra:
        args += ["--window-end", extra["window_end"]]
    assert run_due(*args) == expected


@pytest.mark.parametrize(("name", "clock", "start", "extra", "expected"), CASES, ids=IDS)
def test_api(
    world: World, api: Any, name: str, clock: str, start: str, extra: dict[str, Any], expected: str
) -> None:
    params: dict[str, Any] = {"clock": clock, "start": start, **extra}
    response = api("sh_agent").get("/api/v1/sla/due", params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["due_at"] == expected
    assert body["branch"] == "HQ"
    assert body["provisional"] is False


def test_s3_effective_start_is_make_up_sunday(world: World, api: Any) -> None:
    body = api("sh_agent").get("/api/v1/sla/due", {"clock": "rma_repair", "start": "2025-01-24T16:00"}).json()
    assert body["effective_start"] == "2025-01-26T08:30:00+08:00"


def test_s5_warning_at_75_percent(world: World, api: Any) -> None:
    body = (
        api("sh_agent").get("/api/v1/sla/due", {"clock": "arrival_urban", "start": "2025-03-03T09:00"}).json()
    )
    assert body["warn_at"] == "2025-03-03T14:30:00+08:00"
    assert body["due_at"] == "2025-03-03T16:00:00+08:00"
    out = io.StringIO()
    call_command(
        "sla", "due", "--clock", "arrival_urban", "--start", "2025-03-03T09:00", "--json", stdout=out
    )
    assert '"warn_at": "2025-03-03T14:30:00+08:00"' in out.getvalue()


def test_offset_given_in_another_zone_is_respected(world: World) -> None:
    # 07:00 UTC is 15:00 in Shanghai: the S1 call again.
    assert (
        run_due("--clock", "arrival_urban", "--start", "2025-09-30T07:00:00+00:00")
        == "2025-10-09T12:00:00+08:00"
    )


def test_branch_option(world: World) -> None:
    assert run_due("--clock", "arrival_urban", "--start", "2025-09-30T15:00", "--branch", "SH") == (
        "2025-10-09T12:00:00+08:00"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clock", "nope", "--start", "2025-03-03T09:00"], "clock"),
        (["--clock", "arrival_urban", "--start", "yesterday"], "start"),
        (["--clock", "arrival_urban", "--start", "2025-03-03T09:00", "--branch", "XX"], "branch"),
        (["--clock", "rma_repair", "--start", "2025-01-24T16:00", "--pause", "2025-01-27T10:00"], "pause"),
        (["--clock", "arrival_appointment", "--start", "2025-03-03T09:00"], "window_end"),
        (["--clock", "arrival_urban", "--start", "1999-03-03T09:00"], "start"),
    ],
)
def test_command_bad_input_names_the_field(world: World, args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as exc:
        run_due(*args)
    assert str(exc.value).startswith(message)


def test_api_bad_input_names_the_field(world: World, api: Any) -> None:
    response = api("sh_agent").get("/api/v1/sla/due", {"clock": "nope", "start": "2025-03-03T09:00"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "clock" in body["fields"]
    assert "arrival_urban" in body["fields"]["clock"][0]


def test_api_open_pause_reports_remaining(world: World, api: Any) -> None:
    body = (
        api("sh_agent")
        .get(
            "/api/v1/sla/due",
            {"clock": "rma_repair", "start": "2025-01-24T16:00", "pause": "2025-01-27T10:00/"},
        )
        .json()
    )
    assert body["due_at"] is None
    assert body["paused_since"] == "2025-01-27T10:00:00+08:00"
    # Sun 26 Jan 8 h + Mon 27 Jan 08:30–10:00 1.5 h used of 40 h
    assert body["remaining_seconds"] == int((40 - 9.5) * 3600)


def test_api_outsiders_get_nothing(world: World, api: Any, client: Any) -> None:
    params = {"clock": "arrival_urban", "start": "2025-03-03T09:00"}
    assert client.get("/api/v1/sla/due", params).status_code == 401
    assert api("customer").get("/api/v1/sla/due", params).status_code == 404
    assert api("dealer").get("/api/v1/sla/due", params).status_code == 404
