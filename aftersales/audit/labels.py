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
    "clock_started": _("clock started"),
    "clock_paused": _("clock paused"),
    "clock_resumed": _("clock resumed"),
    "clock_due_changed": _("deadline recomputed"),
    "clock_met": _("clock stopped on time"),
    "clock_breached": _("deadline missed"),
    "clock_stopped_late": _("clock stopped late"),
    "clock_cancelled": _("clock replaced"),
    "clock_assigned": _("clock reassigned"),
    "clock_extended": _("deadline extended"),
    "clock_warned": _("deadline warning sent"),
    "clock_escalated": _("escalated"),
    "policy_revised": _("clock policy revised"),
    "policy_retired": _("clock policy override retired"),
    "calendar_year_set": _("official calendar year entered"),
    "calendar_day_set": _("branch calendar day set"),
    "calendar_day_cleared": _("branch calendar day cleared"),
    "rule_set": _("rule changed"),
    "triaged": _("phone triage recorded"),
    "moved": _("moved"),
    "photo_added": _("photo added"),
    "photo_removed": _("photo removed"),
    "escalation_raised": _("hard fault escalated"),
    "escalation_answered": _("solution for the hard fault"),
    "escalation_resolved": _("the solution worked"),
    "escalation_failed": _("the solution failed"),
    "appointment_booked": _("appointment booked"),
    "call_registered": _("service call registered"),
    "report_saved": _("service report saved"),
    "report_signed": _("signed by the customer"),
    "extra_work_authorised": _("extra work authorised by the customer"),
    "serviced": _("serviced"),
    "payment_received": _("payment received"),
    "refund_paid": _("refund paid (approved)"),
    "invoice_requested": _("invoice requested"),
    "contract_notice": _("contract expiry notice due"),
}


def event_label(kind: str) -> str:
    label = EVENT_LABELS.get(kind)
    return str(label) if label is not None else kind
