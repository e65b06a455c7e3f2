"""The signed-in person of an API request (token or session), for every router."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import AuthenticationError

from aftersales.org.models import User


def request_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise AuthenticationError()
    return user
