"""Send notifications. Callers pass already-translated text in the recipient's language."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from aftersales.notifications.models import Notification
from aftersales.org.models import User


class Outbox:
    """Collects notifications (and their e-mail copies) and writes them in one go with ``send()``.

    For jobs that notify many people at once (the sweeper): one INSERT and one e-mail task per
    batch instead of one per message.
    """

    def __init__(self) -> None:
        self.rows: list[Notification] = []
        self.mails: list[tuple[list[str], str, str]] = []

    def add(
        self,
        *,
        recipients: Iterable[User],
        kind: str,
        title: str,
        body: str = "",
        url: str = "",
        subject_type: str = "",
        subject_id: int | None = None,
        email: bool = True,
    ) -> int:
        rows = _build(recipients, kind, title, body, url, subject_type, subject_id)
        self.rows.extend(rows)
        if email:
            addresses = sorted({row.recipient.email for row in rows if row.recipient.email})
            if addresses:
                self.mails.append((addresses, title[:200], body))
        return len(rows)

    def send(self) -> list[Notification]:
        created = Notification.objects.bulk_create(self.rows)
        mails = list(self.mails)
        if mails:
            transaction.on_commit(lambda: notification_mails.enqueue(mails))
        self.rows, self.mails = [], []
        return created


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
    outbox = Outbox()
    outbox.add(
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        url=url,
        subject_type=subject_type,
        subject_id=subject_id,
        email=email,
    )
    return outbox.send()


def _build(
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str,
    url: str,
    subject_type: str,
    subject_id: int | None,
) -> list[Notification]:
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
    return rows


@task()
def notification_mails(mails: list[tuple[list[str], str, str]]) -> int:
    """Send the e-mail copies: each item is (addresses, title, body)."""
    return sum(
        send_mail(title, body or title, None, addresses, fail_silently=True)
        for addresses, title, body in mails
    )


def mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, all) of the person's notifications read."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
