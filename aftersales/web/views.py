from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aftersales.access.policy import access_for
from aftersales.audit.services import event_record
from aftersales.org.services import sign_in_check
from aftersales.web.decorators import page
from aftersales.web.home import home_context


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    error = ""
    username = ""
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        ip = client_ip(request)
        result = sign_in_check(request=request, username=username, password=password, ip=ip)
        if result.wait_seconds:
            minutes = max(1, (result.wait_seconds + 59) // 60)
            error = _("Too many failed sign-ins. Try again in %(m)d minutes.") % {"m": minutes}
            status = 429
        elif result.user is None:
            error = _("Username or password is wrong.")
            status = 400
        else:
            user = result.user
            login(request, user)
            event_record(
                kind="signed_in", subject=user, actor=user, branch=user.home_branch_id, data={"ip": ip}
            )
            return redirect(next_url or reverse("home"))
    return render(
        request, "web/login.html", {"error": error, "username": username, "next": next_url}, status=status
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@page("home.view")
def home(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    return render(request, "web/home.html", home_context(request.user, access))


def healthz(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
