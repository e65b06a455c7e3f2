"""Human labels of event kinds (the trail stores the code; pages show the label in the user's language)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "created": _("created"),
    "updated": _("updated"),
    "state_changed": _("state changed"),
    "activated": _("reactivated"),
    "deactivated": _("deactivated"),
    "role_granted": _("role granted"),
    "role_revoked": _("role revoked"),
    "certified": _("certified"),
    "certification_changed": _("certification changed"),
    "signed_in": _("signed in"),
    "login_failed": _("sign-in failed"),
    "token_issued": _("API token issued"),
    "assigned": _("assigned"),
    "approved": _("approved"),
    "amount_set": _("amount set"),
}


def event_label(kind: str) -> str:
    label = EVENT_LABELS.get(kind)
    return str(label) if label is not None else kind
