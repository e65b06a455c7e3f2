"""Branches, zones, people, roles and certifications."""

from __future__ import annotations

import datetime
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.org.roles import Role

DEFAULT_BUSINESS_HOURS = [["08:30", "12:00"], ["13:00", "17:30"]]


def default_business_hours() -> list[list[str]]:
    return [list(p) for p in DEFAULT_BUSINESS_HOURS]


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(value)s is not a known time zone (e.g. Asia/Shanghai)"), params={"value": value}
        ) from exc


def parse_business_hours(value: object) -> list[tuple[datetime.time, datetime.time]]:
    """Parse ``[["08:30","12:00"],["13:00","17:30"]]``; raise ValidationError naming what is wrong."""
    if not isinstance(value, list) or not value:
        raise ValidationError(
            _("Business hours must be a non-empty list of [start, end] pairs like 08:30–12:00.")
        )
    periods: list[tuple[datetime.time, datetime.time]] = []
    for item in value:
        if not (isinstance(item, list | tuple) and len(item) == 2):
            raise ValidationError(_("Each business-hours period must be a [start, end] pair."))
        try:
            start, end = (datetime.time.fromisoformat(str(x)) for x in item)
        except ValueError as exc:
            raise ValidationError(_("Times must be written HH:MM, e.g. 08:30.")) from exc
        if start >= end:
            raise ValidationError(
                _("A period must end after it starts (got %(s)s–%(e)s)."), params={"s": start, "e": end}
            )
        if periods and start < periods[-1][1]:
            raise ValidationError(_("Periods must be in order and must not overlap."))
        periods.append((start, end))
    return periods


class Branch(models.Model):
    """A service centre / branch; head office (the service department) is a branch too."""

    code = models.CharField(
        _("code"), max_length=8, unique=True, help_text=_("Short code used in numbers, e.g. SH")
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    is_head_office = models.BooleanField(_("head office"), default=False)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    business_hours = models.JSONField(_("business hours"), default=default_business_hours)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["-is_head_office", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_head_office"],
                condition=models.Q(is_head_office=True),
                name="org_branch_one_head_office",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            parse_business_hours(self.business_hours)
        except ValidationError as exc:
            raise ValidationError({"business_hours": exc.messages}) from exc

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Zone(models.Model):
    """A service zone of a branch (urban, suburban, more allowed); arrival clocks depend on it."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="zones", verbose_name=_("branch")
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=[("urban", _("urban")), ("suburban", _("suburban")), ("remote", _("remote"))],
        default="urban",
    )

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["branch", "code"]
        constraints = [models.UniqueConstraint(fields=["branch", "code"], name="org_zone_unique_code")]

    def __str__(self) -> str:
        return f"{self.branch.code} {self.name}"


class Skill(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: staff of a branch, or a customer's or dealer's portal user."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=32, blank=True)
    home_branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home branch"),
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="people", verbose_name=_("skills"))
    preferred_language = models.CharField(
        _("language"), max_length=10, choices=[("zh-hans", "简体中文"), ("en", "English")], default="zh-hans"
    )
    start_latitude = models.DecimalField(
        _("day starts at: latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_(
            "A technician who sets out from home (with the van): the dispatch optimiser starts "
            "and ends his day there. Empty: at the branch."
        ),
    )
    start_longitude = models.DecimalField(
        _("day starts at: longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name or self.get_full_name() or self.username

    def clean(self) -> None:
        """The admin form's check of the start place (both or neither, in range)."""
        from django.core.exceptions import ValidationError

        from aftersales.customers.services import validate_coordinates

        super().clean()
        errors = validate_coordinates(self.start_latitude, self.start_longitude)
        if errors:
            raise ValidationError({f"start_{name}": messages for name, messages in errors.items()})

    @property
    def display_name(self) -> str:
        return str(self)


class RoleAssignment(models.Model):
    """A person holds a role in a branch; a person may hold several roles in several branches."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("branch")
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "role", "branch"], name="org_role_unique")]
        indexes = [models.Index(fields=["branch", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.branch.code}"


class Certification(models.Model):
    """Training and certification for a product line: only certified staff may be dispatched on it."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="certifications", verbose_name=_("person")
    )
    product_line = models.ForeignKey(
        "catalog.ProductLine",
        on_delete=models.PROTECT,
        related_name="certifications",
        verbose_name=_("product line"),
    )
    certificate_no = models.CharField(_("certificate number"), max_length=40, blank=True)
    certified_on = models.DateField(_("certified on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["user", "product_line"]
        constraints = [
            models.UniqueConstraint(fields=["user", "product_line"], name="org_certification_unique"),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gt=models.F("certified_on")),
                name="org_certification_expires_after_certified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.product_line}"

    def valid_on(self, day: datetime.date) -> bool:
        return self.certified_on <= day and (self.expires_on is None or day <= self.expires_on)


class LoginFailure(models.Model):
    """One failed sign-in; counted per username and per client address to throttle guessing."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {self.at:%Y-%m-%d %H:%M}"
