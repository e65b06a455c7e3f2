"""Send notifications. Callers pass already-translated text in the recipient's language."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from aftersales.notifications.models import Notification
from aftersales.org.models import User


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    subject_type: str = "",
    subject_id: int | None = None,
    email: bool = True,
) -> list[Notification]:
    """One notification per distinct active recipient; e-mail copies go out after commit."""
    seen: set[int] = set()
    rows: list[Notification] = []
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
                subject_type=subject_type,
                subject_id=subject_id,
            )
        )
    created = Notification.objects.bulk_create(rows)
    if email:
        addresses = sorted({u.email for u in recipients if u.pk in seen and u.email})
        if addresses:
            transaction.on_commit(lambda: notification_mail.enqueue(addresses, title[:200], body))
    return created


@task()
def notification_mail(addresses: list[str], title: str, body: str) -> int:
    return send_mail(title, body or title, None, addresses, fail_silently=True)


def mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, all) of the person's notifications read."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
