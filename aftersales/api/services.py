from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aftersales.api.models import ApiToken, token_generate, token_hash
from aftersales.audit.services import event_record
from aftersales.org.models import User


@transaction.atomic
def token_issue(*, user: User, ip: str | None) -> tuple[str, ApiToken]:
    raw = token_generate()
    token = ApiToken.objects.create(
        user=user,
        key_hash=token_hash(raw),
        prefix=raw[:10],
        expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    event_record(
        kind="token_issued",
        subject=user,
        actor=user,
        branch=user.home_branch_id,
        data={"prefix": token.prefix, "ip": ip},
    )
    return raw, token


def token_user(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(raw), revoked=False, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
