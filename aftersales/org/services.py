"""People, roles and sign-in rules."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.services import event_record
from aftersales.common.errors import InvalidInput
from aftersales.org.models import Branch, Certification, LoginFailure, RoleAssignment, User
from aftersales.org.roles import Role


@transaction.atomic
def person_create(
    *,
    username: str,
    name: str,
    password: str | None,
    home_branch: Branch | None,
    by: User | None,
    phone: str = "",
    email: str = "",
    employee_no: str = "",
    check_password: bool = True,
) -> User:
    username = username.strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("Enter a username.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("The username “%(u)s” is taken.") % {"u": username}]
    if not name.strip():
        errors["name"] = [_("Enter the person's name.")]
    if password and check_password:
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    user = User(
        username=username,
        name=name.strip(),
        phone=phone,
        email=email,
        employee_no=employee_no,
        home_branch=home_branch,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    event_record(kind="created", subject=user, actor=by, branch=home_branch, to_value=username)
    return user


@transaction.atomic
def role_grant(*, user: User, role: str, branch: Branch, by: User | None, reason: str = "") -> RoleAssignment:
    if role not in Role.values:
        raise InvalidInput(
            _("Unknown role “%(r)s”.") % {"r": role},
            fields={"role": [_("Allowed: %(v)s") % {"v": ", ".join(Role.values)}]},
        )
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, branch=branch)
    if created:
        event_record(
            kind="role_granted",
            subject=user,
            actor=by,
            branch=branch,
            to_value=f"{role}@{branch.code}",
            reason=reason,
        )
    return assignment


@transaction.atomic
def role_revoke(*, user: User, role: str, branch: Branch, by: User | None, reason: str = "") -> None:
    deleted, _n = RoleAssignment.objects.filter(user=user, role=role, branch=branch).delete()
    if deleted:
        event_record(
            kind="role_revoked",
            subject=user,
            actor=by,
            branch=branch,
            from_value=f"{role}@{branch.code}",
            reason=reason,
        )


@transaction.atomic
def certification_set(
    *,
    user: User,
    product_line_id: int,
    certified_on: datetime.date,
    expires_on: datetime.date | None,
    certificate_no: str = "",
    by: User | None,
) -> Certification:
    if expires_on is not None and expires_on <= certified_on:
        raise InvalidInput(
            _("The expiry date must be after the certification date."),
            fields={"expires_on": [_("Must be after %(d)s.") % {"d": certified_on}]},
        )
    cert, created = Certification.objects.update_or_create(
        user=user,
        product_line_id=product_line_id,
        defaults={"certified_on": certified_on, "expires_on": expires_on, "certificate_no": certificate_no},
    )
    event_record(
        kind="certified" if created else "certification_changed",
        subject=user,
        actor=by,
        branch=user.home_branch_id,
        to_value=f"{cert.product_line} {certified_on}–{expires_on or '∞'}",
    )
    return cert


# --- Sign-in throttling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    user: User | None
    wait_seconds: int = 0  # > 0: throttled, try again after this many seconds


def sign_in_check(*, request: HttpRequest | None, username: str, password: str, ip: str | None) -> SignIn:
    """The one sign-in rule for pages and API: throttle, authenticate, count the failure or clear the count."""
    wait = login_locked_for(username=username, ip=ip)
    if wait:
        return SignIn(user=None, wait_seconds=wait)
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        login_failure_record(username=username, ip=ip)
        return SignIn(user=None)
    login_failures_clear(username=username)
    return SignIn(user=user)


def login_locked_for(*, username: str, ip: str | None, now: datetime.datetime | None = None) -> int:
    """Seconds until the next attempt is allowed (0 when allowed)."""
    now = now or timezone.now()
    window = datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gt=now - window)
    limit = settings.LOGIN_MAX_FAILURES
    waits = []
    for condition in (Q(username__iexact=username.strip()), Q(ip=ip) if ip else None):
        if condition is None:
            continue
        times = list(recent.filter(condition).order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            waits.append(int((times[-1] + window - now).total_seconds()) + 1)
    return max(waits, default=0)


def login_failure_record(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.strip()[:150], ip=ip or None)
    event_record(
        kind="login_failed",
        subject_type="org.user",
        subject_label=username.strip()[:150],
        actor=None,
        data={"ip": ip},
    )


def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username.strip()).delete()


def login_failures_prune(*, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    cutoff = (
        now - datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS) - datetime.timedelta(days=1)
    )
    deleted, _n = LoginFailure.objects.filter(at__lt=cutoff).delete()
    return deleted
