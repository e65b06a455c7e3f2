from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from aftersales.customers.models import Customer
from aftersales.demo.data import DEMO_PASSWORD, DEMO_ROLE_USERNAMES
from aftersales.org.models import User

pytestmark = pytest.mark.django_db

REQUIRED_USERS = DEMO_ROLE_USERNAMES


def test_demo_data_loads_twice_without_duplicates() -> None:
    call_command("demo")
    counts = (User.objects.count(), Customer.objects.count())
    call_command("demo")
    assert (User.objects.count(), Customer.objects.count()) == counts
    assert counts[1] >= 20


def test_every_demo_user_signs_in_and_sees_a_home_for_their_role() -> None:
    call_command("demo")
    for username in REQUIRED_USERS:
        client = Client()
        response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        home = client.get("/").content.decode()
        assert f'data-role="{username}"' in home, username
