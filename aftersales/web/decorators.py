"""Page guards: sign-in, permission, and the mapping of domain errors to responses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from aftersales.access.policy import access_for
from aftersales.common.errors import NotFound, PermissionDenied
from aftersales.org.models import User

View = Callable[..., HttpResponseBase]


def page(perm: str) -> Callable[[View], View]:
    """Require sign-in and ``perm``; an outsider gets 404 (learns nothing), never a hint."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = access_for(request.user)
            if not access.can(perm):
                raise Http404()
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404() from exc
            except PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc

        return wrapped

    return decorator


def user_of(request: HttpRequest) -> User:
    """The signed-in person (pages guarded by :func:`page` always have one)."""
    user = request.user
    assert isinstance(user, User), "page views need a signed-in user"
    return user


def wants_partial(request: HttpRequest) -> bool:
    """An htmx request (not a boosted page load) gets only the named partial."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)
