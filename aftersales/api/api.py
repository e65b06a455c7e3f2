"""REST API ``/api/v1/``: token auth (``Authorization: Bearer <token>``) or the page session with CSRF.

Same selectors and services as the pages, so the same permissions. Errors are always
``{"code", "message", "fields"}``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from ninja.security import HttpBearer, SessionAuth

from aftersales.access.policy import access_for
from aftersales.api.requests import request_user
from aftersales.api.schemas import (
    BranchOut,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    ErrorOut,
    EventPage,
    GrantOut,
    MeOut,
    PersonOut,
    TokenIn,
    TokenOut,
)
from aftersales.api.services import token_issue, token_user
from aftersales.audit.models import Event
from aftersales.audit.selectors import events_visible
from aftersales.common.errors import DomainError, NotFound
from aftersales.common.paging import keyset_page
from aftersales.customers.models import Customer
from aftersales.customers.selectors import customer_get, customers_search
from aftersales.customers.services import CustomerData, customer_create, customer_update
from aftersales.org.models import User
from aftersales.org.selectors import branches_visible, people_visible
from aftersales.org.services import sign_in_check
from aftersales.web.views import client_ip


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="售后服务管理系统 API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, fields: dict[str, Any] | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(x) for x in err.get("loc", []) if x not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "request", []).append(str(err.get("msg", "invalid")))
    first = next(iter(fields.items()), ("request", ["invalid"]))
    return _error(request, 422, "invalid", f"{first[0]}: {first[1][0]}", fields)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", _("Sign in first: send Authorization: Bearer <token>."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", str(exc))


ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}

# --- auth ---------------------------------------------------------------------------------------
auth_router = Router(tags=["auth"])


@auth_router.post("/token", auth=None, response={200: TokenOut, **ERRORS})
def token(request: HttpRequest, payload: TokenIn) -> Any:
    ip = client_ip(request)
    result = sign_in_check(request=request, username=payload.username, password=payload.password, ip=ip)
    if result.wait_seconds:
        return Status(
            429,
            {
                "code": "throttled",
                "message": _("Too many failed sign-ins. Try again in %(s)d seconds.")
                % {"s": result.wait_seconds},
                "fields": {},
            },
        )
    if result.user is None:
        return Status(
            401, {"code": "invalid_credentials", "message": _("Username or password is wrong."), "fields": {}}
        )
    raw, tok = token_issue(user=result.user, ip=ip)
    return {"token": raw, "expires_at": tok.expires_at}


@auth_router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    user = request_user(request)
    access = access_for(user)
    grants = [
        GrantOut(role=a.role, branch=a.branch.code) for a in user.role_assignments.select_related("branch")
    ]  # type: ignore[union-attr]
    return {
        "id": user.pk,
        "username": user.username,
        "name": str(user),
        "grants": grants,  # type: ignore[union-attr]
        "customer_id": access.customer_id,
        "dealer_id": access.dealer_id,
    }


api.add_router("/auth", auth_router)

# --- org ------------------------------------------------------------------------------------------
org_router = Router(tags=["org"])


@org_router.get("/branches", response=list[BranchOut])
def branches(request: HttpRequest) -> Any:
    access = access_for(request.user)
    if not access.can("branches.view"):
        return []
    return list(branches_visible(access=access))


@org_router.get("/people", response=list[PersonOut])
def people(request: HttpRequest, branch: int | None = None, role: str = "", q: str = "") -> Any:
    access = access_for(request.user)
    rows = people_visible(access=access, branch_id=branch, role=role, q=q)[:500]
    return [
        {
            "id": p.pk,
            "username": p.username,
            "name": str(p),
            "phone": p.phone,
            "home_branch": p.home_branch.code if p.home_branch else None,
            "grants": [{"role": a.role, "branch": a.branch.code} for a in p.role_assignments.all()],
        }
        for p in rows
    ]


api.add_router("/", org_router)

# --- customers ---------------------------------------------------------------------------------------
customers_router = Router(tags=["customers"])


def _customer_out(c: Customer) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "name": c.name,
        "kind": c.kind,
        "branch_id": c.branch_id,
        "branch": c.branch.code,
        "zone_id": c.zone_id,
        "dealer_id": c.dealer_id,
        "contact_name": c.contact_name,
        "phone": c.phone,
        "email": c.email,
        "address": c.address,
        "latitude": c.latitude,
        "longitude": c.longitude,
        "active": c.active,
        "created_at": c.created_at,
    }


@customers_router.get("", response=CustomerPage)
def customers_list(
    request: HttpRequest,
    q: str = "",
    branch: int | None = None,
    zone: str = "",
    active: bool | None = True,
    before: int | None = None,
    size: int = Query(50, ge=1, le=500),
) -> Any:
    access = access_for(request.user)
    qs = customers_search(
        access=access, q=q, branch_id=branch, zone_kind=zone, active=active, before_id=before
    )
    page = keyset_page(qs, size=size)
    return {"items": [_customer_out(c) for c in page.items], "next_before": page.next_before}


@customers_router.get("/{customer_id}", response={200: CustomerOut, **ERRORS})
def customers_get(request: HttpRequest, customer_id: int) -> Any:
    return _customer_out(customer_get(access=access_for(request.user), pk=customer_id))


@customers_router.post("", response={201: CustomerOut, **ERRORS})
def customers_create(request: HttpRequest, payload: CustomerIn) -> Any:
    access = access_for(request.user)
    customer = customer_create(data=CustomerData(**payload.dict()), access=access, by=request_user(request))  # type: ignore[arg-type]
    return Status(201, _customer_out(customer_get(access=access, pk=customer.pk)))


@customers_router.put("/{customer_id}", response={200: CustomerOut, **ERRORS})
def customers_update(request: HttpRequest, customer_id: int, payload: CustomerIn, reason: str = "") -> Any:
    access = access_for(request.user)
    customer_update(
        customer_id=customer_id,
        data=CustomerData(**payload.dict()),
        access=access,
        by=request_user(request),
        reason=reason,
    )  # type: ignore[arg-type]
    return _customer_out(customer_get(access=access, pk=customer_id))


api.add_router("/customers", customers_router)

# --- audit (read only: there is no write endpoint for events) -------------------------------------
audit_router = Router(tags=["audit"])


def _event_out(e: Event) -> dict[str, Any]:
    return {
        "id": e.pk,
        "occurred_at": e.occurred_at,
        "actor": e.actor_name,
        "branch": e.branch.code if e.branch else None,
        "subject_type": e.subject_type,
        "subject_id": e.subject_id,
        "subject_label": e.subject_label,
        "kind": e.kind,
        "from_value": e.from_value,
        "to_value": e.to_value,
        "reason": e.reason,
        "data": e.data,
    }


@audit_router.get("/events", response={200: EventPage, **ERRORS})
def audit_events(
    request: HttpRequest,
    subject_type: str = "",
    subject_id: int | None = None,
    actor: int | None = None,
    kind: str = "",
    before: int | None = None,
    size: int = Query(100, ge=1, le=500),
) -> Any:
    access = access_for(request.user)
    if not access.can("audit.view"):
        raise NotFound()
    qs = events_visible(
        access=access,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=actor,
        kind=kind,
        before_id=before,
    )
    page = keyset_page(qs, size=size)
    return {"items": [_event_out(e) for e in page.items], "next_before": page.next_before}


api.add_router("/audit", audit_router)


# --- service-level clocks ---------------------------------------------------------------------------
from aftersales.sla.api import router as sla_router  # noqa: E402

api.add_router("/sla", sla_router)

# --- service calls and orders ---------------------------------------------------------------------
from aftersales.calls.api import router as calls_router  # noqa: E402

api.add_router("/", calls_router)

from aftersales.calls.photo_api import router as photos_router  # noqa: E402

api.add_router("/", photos_router)

from aftersales.calls.escalation_api import router as escalations_router  # noqa: E402

api.add_router("/", escalations_router)

# --- installed base ---------------------------------------------------------------------------------
from aftersales.installed.api import router as installed_router  # noqa: E402

api.add_router("/installed", installed_router)

# --- quotes -------------------------------------------------------------------------------------------
from aftersales.charges.api import router as charges_router  # noqa: E402

api.add_router("/", charges_router)

# --- troubleshooting tree (phone triage) --------------------------------------------------------------
from aftersales.triage.api import router as triage_router  # noqa: E402

api.add_router("/triage", triage_router)

# --- spare-parts stock -----------------------------------------------------------------------------------
from aftersales.stock.api import router as stock_router  # noqa: E402

api.add_router("/stock", stock_router)

# --- parts supply requests (补件) ---------------------------------------------------------------------
from aftersales.supply.api import router as supply_router  # noqa: E402

api.add_router("/supply", supply_router)

# --- stocktake (盘点) ------------------------------------------------------------------------------------
from aftersales.stocktake.api import router as stocktake_router  # noqa: E402

api.add_router("/stocktake", stocktake_router)

# --- parts reports: slow-moving flags, replenishment, monthly analysis ------------------------------------
from aftersales.partsreports.api import router as partsreports_router  # noqa: E402

api.add_router("/partsreports", partsreports_router)

# --- dispatch plans (the optimiser) ----------------------------------------------------------------------
from aftersales.dispatch.api import router as dispatch_router  # noqa: E402

api.add_router("/dispatch", dispatch_router)
