"""Reads of the notifications app, scoped to the caller: a person only ever sees their
own messages."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db.models import Case, IntegerField, Min, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from govhub.core.errors import NotFound
from govhub.core.requestid import request_cache
from govhub.notifications.models import Delivery, Message
from govhub.notifications.services import MAX_ATTEMPTS, SENDING_LEASE, event_key_for


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Message]:
    """The reader's messages: unread first, then newest first."""
    if not _signed_in(user):
        return Message.objects.none()
    messages = Message.objects.filter(recipient_id=user.pk)
    if unread_only:
        messages = messages.unread()
    return messages.annotate(
        read_rank=Case(
            When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("read_rank", "-created_at", "-id")


def message_for(user: Any, message_id: int) -> Message:
    """One of the reader's messages; `NotFound` for anyone else's (as for a missing one)."""
    message = (
        Message.objects.filter(pk=message_id, recipient_id=getattr(user, "pk", None)).first()
        if _signed_in(user)
        else None
    )
    if message is None:
        raise NotFound(_("找不到该消息。"))
    return message


def unread_count(user: Any) -> int:
    """How many unread messages the reader has; counted once per request."""
    if not _signed_in(user):
        return 0
    cache = request_cache()
    key = ("notifications.unread_count", user.pk)
    if cache is not None and key in cache:
        return int(cache[key])  # type: ignore[call-overload]
    count = Message.objects.unread().filter(recipient_id=user.pk).count()
    if cache is not None:
        cache[key] = count
    return count


def forget_unread_count(user: Any) -> None:
    cache = request_cache()
    if cache is not None and user is not None:
        cache.pop(("notifications.unread_count", getattr(user, "pk", None)), None)


def delivery_to_retry(*, event_id: int) -> Delivery | None:
    """The event's failed delivery with the most attempts that will be tried again; None
    when nothing of the event is left to retry."""
    return (
        Delivery.objects.filter(
            event_key=event_key_for(event_id),
            status=Delivery.Status.FAILED,
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("-attempts")
        .first()
    )


def events_with_deliveries_due(
    *,
    now: datetime.datetime,
    retry_delays: Sequence[datetime.timedelta],
    limit: int,
) -> list[int]:
    """Case events whose run was lost: a delivery that failed with attempts left and whose
    retry (`retry_delays[attempts - 1]`, plus `SENDING_LEASE` of slack for the deferred
    run that should have done it) is overdue, a claim whose worker died (older than
    `SENDING_LEASE`), or a delivery reset by the admin's retry that no run has taken up
    since. Oldest first, at most `limit`."""
    Status = Delivery.Status  # noqa: N806  (the choices class)
    overdue = Q(status=Status.SENDING, claimed_at__lt=now - SENDING_LEASE) | Q(
        status=Status.QUEUED, since__lt=now - SENDING_LEASE
    )
    for attempts in range(1, MAX_ATTEMPTS):
        delay = retry_delays[min(attempts, len(retry_delays)) - 1]
        overdue |= Q(status=Status.FAILED, attempts=attempts, since__lt=now - delay - SENDING_LEASE)
    rows = (
        Delivery.objects.filter(case_event__isnull=False)
        .alias(since=Coalesce("claimed_at", "created_at"))
        .filter(overdue)
        .values("case_event_id")
        .annotate(oldest=Min("since"))
        .order_by("oldest", "case_event_id")
    )
    return [row["case_event_id"] for row in rows[:limit]]
