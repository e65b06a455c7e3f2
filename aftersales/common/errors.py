"""Domain errors with codes; mapped in one place to API bodies and to form errors in pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule refused the request. ``fields`` maps field name → list of messages."""

    code = "invalid"
    status = 400
    default_message = _("The request was refused.")

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
    ):
        self.message = str(message) if message is not None else str(self.default_message)
        self.fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}
        if code:
            self.code = code
        super().__init__(self.message)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class InvalidInput(DomainError):
    code = "invalid"
    default_message = _("Some fields are not valid.")

    @classmethod
    def check(cls, errors: dict[str, list[str]]) -> None:
        """Raise with every field's messages (the first one in the message) if there are any."""
        if errors:
            name, messages = next(iter(errors.items()))
            raise cls(f"{name}: {messages[0]}", fields=errors)

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> InvalidInput:
        if hasattr(exc, "error_dict"):
            fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            first = next(iter(fields.items()), None)
            message = f"{first[0]}: {first[1][0]}" if first else str(cls.default_message)
            return cls(message, fields=fields)
        return cls("; ".join(str(m) for m in exc.messages))


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    default_message = _("You are not allowed to do this.")


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    default_message = _("This step is not allowed from the record's current state.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("The record was changed by someone else; reload and try again.")
