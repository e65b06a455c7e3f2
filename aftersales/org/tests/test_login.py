from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client, override_settings

from aftersales.audit.models import Event
from aftersales.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db


def _fail(client: Client, username: str, n: int) -> list[int]:
    return [client.post("/login/", {"username": username, "password": "wrong"}).status_code for _ in range(n)]


@override_settings(LOGIN_MAX_FAILURES=5, LOGIN_FAILURE_WINDOW_SECONDS=900)
def test_bad_sign_ins_are_throttled_even_with_the_right_password_after(world: World) -> None:
    client = Client()
    assert _fail(client, "sh_agent", 5) == [400] * 5
    response = client.post("/login/", {"username": "sh_agent", "password": PASSWORD})
    assert response.status_code == 429
    assert "15" in response.content.decode()  # minutes to wait
    assert Event.objects.filter(kind="login_failed", subject_label="sh_agent").count() == 5


@override_settings(LOGIN_MAX_FAILURES=5, LOGIN_FAILURE_WINDOW_SECONDS=900)
def test_the_lock_lifts_after_the_window(world: World) -> None:
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        _fail(Client(), "sh_agent", 5)
    with time_machine.travel(start + datetime.timedelta(minutes=16), tick=False):
        response = Client().post("/login/", {"username": "sh_agent", "password": PASSWORD})
        assert response.status_code == 302


@override_settings(LOGIN_MAX_FAILURES=5)
def test_guessing_many_usernames_from_one_address_is_throttled(world: World) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    for i in range(5):
        client.post("/login/", {"username": f"nobody{i}", "password": "x"})
    response = client.post("/login/", {"username": "sh_agent", "password": PASSWORD})
    assert response.status_code == 429


@override_settings(LOGIN_MAX_FAILURES=3)
def test_api_token_endpoint_shares_the_throttle(world: World) -> None:
    client = Client()
    for _ in range(3):
        r = client.post(
            "/api/v1/auth/token", {"username": "sh_agent", "password": "no"}, content_type="application/json"
        )
        assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    r = client.post(
        "/api/v1/auth/token", {"username": "sh_agent", "password": PASSWORD}, content_type="application/json"
    )
    assert r.status_code == 429 and r.json()["code"] == "throttled"


def test_a_successful_sign_in_clears_the_count(world: World) -> None:
    client = Client()
    _fail(client, "sh_agent", 4)
    assert client.post("/login/", {"username": "sh_agent", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    assert _fail(client, "sh_agent", 4) == [400] * 4


def test_passwords_are_hashed_strongly_outside_tests() -> None:
    from pathlib import Path

    import aftersales.settings as s

    text = Path(s.__file__).read_text(encoding="utf-8")
    assert (
        '"django.contrib.auth.hashers.Argon2PasswordHasher",' in text.split("PASSWORD_HASHERS = [", 1)[1][:80]
    )
