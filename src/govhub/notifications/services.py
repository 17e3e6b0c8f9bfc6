"""Every write of the notifications app.

Delivering a case event (`case_event_deliver`, run in the event's background task and by
the `deliver_case_event` task for retries):

1. The `Delivery` rows keyed by (event, channel, recipient) of every recipient and
   channel are created where missing (one insert), locked (one read) and *claimed* (the
   in-site message's row saved with its outcome, one update for the rest): a row already
   sent or skipped, one another worker is sending right now, or one that has used up
   its attempts is left alone. So a task that runs twice, or two workers at once, send
   nothing twice.
2. The in-site message is written in the same transaction as its row is marked sent:
   exactly once. A text message or e-mail is sent after the claim has been committed (no
   lock is held while the gateway answers) and its outcome recorded; a claim whose worker
   died is taken over after `SENDING_LEASE`.
3. A failed send is recorded as failed with the error and tried again by the next run,
   up to `MAX_ATTEMPTS` times.

Read receipts (`message_mark_read`, `messages_mark_all_read`) are the reader's own
display state, not a change to a case or an account: they are not written to the audit
trail (the message's `read_at` is the record).
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.cases.models import Case, CaseEvent
from govhub.core.audit import audit_log
from govhub.core.errors import NotFound
from govhub.identity import sms
from govhub.notifications.models import NOTIFIED_ACTIONS, Channel, Delivery, Message
from govhub.notifications.models import NotificationTemplate as Template
from govhub.notifications.recipients import Target, targets_for
from govhub.notifications.rendering import (
    CHINESE,
    ENGLISH,
    Rendered,
    build_context,
    case_path,
    render,
)

logger = logging.getLogger(__name__)

Status = Delivery.Status

MAX_ATTEMPTS = 5
# A claim older than this whose worker never recorded an outcome may be taken over.
SENDING_LEASE = datetime.timedelta(minutes=10)

SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"
UNCHANGED = "unchanged"


def event_key_for(event_id: int) -> str:
    return f"case_event:{event_id}"


# --- Delivering a case event ------------------------------------------------------------------


# What a notification reads of the event, its case, the case's version and accounts
# (`recipients.targets_for`, `rendering.build_context`): only these columns are selected,
# so neither the version's guide text nor the application form is loaded, and no
# encrypted ID number is decrypted. Their count is pinned by a test (a field missing here
# would cost one more query each time it is read).
_ACCOUNT_FIELDS = ("is_active", "kind", "is_staff", "is_superuser", "mobile", "email")
_READ_FIELDS = (
    "case_id",
    "action",
    "from_state",
    "to_state",
    "opinion",
    "data",
    *(
        f"case__{name}"
        for name in (
            "number",
            "title",
            "state",
            "applicant_id",
            "applicant_kind",
            "applicant_name",
            "applicant_id_hash",
            "applicant_mobile",
            "submitted_by_id",
            "version_id",
            "promised_due",
            "decision",
            "decision_reason",
            "remedy",
            "outcome_reason",
        )
    ),
    "case__version__name",
    "case__version__name_en",
    *(f"case__applicant__{name}" for name in _ACCOUNT_FIELDS),
    *(f"case__submitted_by__{name}" for name in _ACCOUNT_FIELDS),
)


def case_event_deliver(*, event_id: int) -> dict[str, int]:
    """Notify everyone concerned of one `cases.CaseEvent`; safe to run any number of
    times. Returns how many deliveries were sent, failed, skipped or left unchanged (done
    before, being sent by another worker, or out of attempts)."""
    return case_events_deliver(event_ids=[event_id])[event_id]


@dataclass
class _Plan:
    """One event to deliver: its case, the link to it and whom to tell."""

    event: CaseEvent
    case: Case
    link: str
    targets: list[Target]
    counts: Counter[str] = field(default_factory=Counter)


def case_events_deliver(*, event_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """`case_event_deliver` for many events at once (the events of one background run):
    the events, templates and delivery rows are read and claimed with one statement each
    for all of them, and the in-site messages written with one insert; each text message
    and e-mail is still sent on its own, and each event's outcomes are recorded as soon
    as its sends are done. Returns each event's report, by event id."""
    ids = list(dict.fromkeys(event_ids))
    events = (
        CaseEvent.objects.select_related(
            "case", "case__version", "case__applicant", "case__submitted_by"
        )
        .only(*_READ_FIELDS)
        .filter(pk__in=ids, action__in=NOTIFIED_ACTIONS)
        .order_by("pk")
    )
    plans = [
        _Plan(
            event=event,
            case=event.case,
            link=case_path(event.case),
            targets=targets_for(event.case),
        )
        for event in events
    ]
    todo = [plan for plan in plans if plan.targets]
    if todo:
        _deliver(todo)
    empty = {SENT: 0, FAILED: 0, SKIPPED: 0, UNCHANGED: 0}
    reports = {event_id: dict(empty) for event_id in ids}
    for plan in plans:
        reports[plan.event.pk].update(plan.counts)
        if plan.counts[FAILED]:
            logger.warning(
                "notifications not delivered",
                extra={"case_event": plan.event.pk, "failed": plan.counts[FAILED]},
            )
    return reports


def _deliver(plans: list[_Plan]) -> None:
    templates = {
        (template.event, template.channel): template
        for template in Template.objects.filter(
            event__in={plan.event.action for plan in plans}, is_active=True
        )
    }

    def send(plan: _Plan, target: Target, delivery: Delivery) -> None:
        deliver = _deliver_inbox if target.channel == Channel.INBOX else _deliver_external
        outcome = deliver(
            event=plan.event,
            case=plan.case,
            target=target,
            delivery=delivery,
            template=templates.get((plan.event.action, target.channel)),
            link=plan.link,
        )
        plan.counts[outcome] += 1

    with transaction.atomic():
        claimed = _claim(plans)
        for plan, target, delivery in claimed:
            if target.channel == Channel.INBOX:  # written with its claim
                send(plan, target, delivery)
        _save_claims(claimed)
    by_plan: dict[int, list[tuple[Target, Delivery]]] = defaultdict(list)
    for plan, target, delivery in claimed:
        by_plan[id(plan)].append((target, delivery))
    for plan in plans:
        mine = by_plan[id(plan)]
        plan.counts[UNCHANGED] += len(plan.targets) - len(mine)
        external = [(t, d) for t, d in mine if t.channel != Channel.INBOX]
        for target, delivery in external:  # sent after the claim has committed
            send(plan, target, delivery)
        _record_outcomes([delivery for _target, delivery in external])


def _save_claims(claimed: list[tuple[_Plan, Target, Delivery]]) -> None:
    """Write the claims: the in-site messages (one insert) and their rows with their
    outcome, the others (to be sent after the commit) with one update."""
    inbox = [delivery for _plan, target, delivery in claimed if target.channel == Channel.INBOX]
    external = [d for _plan, target, d in claimed if target.channel != Channel.INBOX]
    messages = [delivery.message for delivery in inbox if delivery.message is not None]
    Message.objects.bulk_create(messages)
    fields = ["status", "attempts", "claimed_at", "last_error", "sent_at", "message"]
    if len(inbox) == 1:  # (bulk_update's CASE expressions cost more than one save)
        inbox[0].save(update_fields=fields)
    elif inbox:
        Delivery.objects.bulk_update(inbox, fields)
    if external:
        # Every one was claimed at the same moment, one attempt more than it had.
        Delivery.objects.filter(pk__in=[delivery.pk for delivery in external]).update(
            status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=external[0].claimed_at
        )


def _claim(plans: list[_Plan]) -> list[tuple[_Plan, Target, Delivery]]:
    """The deliveries this run may send, claimed (marked as being sent) in memory; the
    caller saves them in the same transaction. The rows are created where missing (one
    insert that skips existing ones) and locked (one read): a row already sent or
    skipped, one another worker claimed within `SENDING_LEASE`, or one out of attempts is
    left alone. A second worker's insert waits for the first one's rows to commit, so two
    runs at once claim each row once."""
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                event_key=event_key_for(plan.event.pk),
                channel=target.channel,
                recipient=target.address,
                user=target.user,
                case_event=plan.event,
                case_number=plan.case.number or "",
                event=plan.event.action,
                language=target.language,
            )
            for plan in plans
            for target in plan.targets
        ],
        ignore_conflicts=True,
    )
    rows = {
        (row.event_key, row.channel, row.recipient): row
        for row in Delivery.objects.select_for_update()
        .filter(event_key__in=[event_key_for(plan.event.pk) for plan in plans])
        .order_by("pk")
    }
    claimed: list[tuple[_Plan, Target, Delivery]] = []
    for plan in plans:
        key = event_key_for(plan.event.pk)
        for target in plan.targets:
            delivery = rows.pop((key, target.channel, target.address), None)
            if delivery is None or not _claimable(delivery, now=now):
                continue
            delivery.status = Status.SENDING
            delivery.attempts += 1
            delivery.claimed_at = now
            claimed.append((plan, target, delivery))
    return claimed


def _claimable(delivery: Delivery, *, now: datetime.datetime) -> bool:
    if delivery.status in (Status.SENT, Status.SKIPPED):
        return False
    if (
        delivery.status == Status.SENDING
        and delivery.claimed_at is not None
        and now - delivery.claimed_at < SENDING_LEASE
    ):
        return False
    return delivery.attempts < MAX_ATTEMPTS


def _outcome(
    delivery: Delivery, status: str, *, error: str = "", message: Message | None = None
) -> str:
    """Set the delivery's outcome in memory; returns the report's key for it."""
    delivery.status = status
    delivery.last_error = error[:500]
    if status == Status.SENT:
        delivery.sent_at = timezone.now()
    if message is not None:
        delivery.message = message
    return {Status.SENT: SENT, Status.FAILED: FAILED, Status.SKIPPED: SKIPPED}[Status(status)]


def _record_outcomes(deliveries: list[Delivery]) -> None:
    """Record the outcomes of text messages and e-mails once the gateways have answered:
    one update per distinct outcome (usually one: all sent, at the latest send's time)."""
    groups: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        groups[(delivery.status, delivery.last_error)].append(delivery)
    for (status, error), group in groups.items():
        values: dict[str, Any] = {"status": status, "last_error": error}
        if status == Status.SENT:
            values["sent_at"] = max(d.sent_at for d in group if d.sent_at is not None)
        Delivery.objects.filter(pk__in=[delivery.pk for delivery in group]).update(**values)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _render(
    template: Template, *, case: Case, event: CaseEvent, channel: str, language: str, link: str
) -> Rendered:
    context = build_context(case, event, channel=channel, language=language, link=link)
    return render(template, context, language=language)


def _deliver_inbox(
    *,
    event: CaseEvent,
    case: Case,
    target: Target,
    delivery: Delivery,
    template: Template | None,
    link: str,
) -> str:
    """The in-site message, written in the transaction that claims its delivery row: the
    message and the outcome are set on the row, and the caller saves both in the same
    transaction."""
    if template is None or target.user is None:
        return _outcome(delivery, Status.SKIPPED, error=_("没有启用的通知模板。"))
    try:
        chinese = _render(
            template, case=case, event=event, channel=target.channel, language=CHINESE, link=link
        )
        english = (
            _render(
                template,
                case=case,
                event=event,
                channel=target.channel,
                language=ENGLISH,
                link=link,
            )
            if template.body_en.strip()
            else Rendered(subject="", body="")
        )
    except Exception as exc:  # a template an administrator broke: record, go on
        logger.exception("notification template failed", extra={"template": template.pk})
        return _outcome(delivery, Status.FAILED, error=_error_text(exc))
    if not chinese.body:
        return _outcome(delivery, Status.SKIPPED, error=_("通知正文为空。"))
    message = Message(  # inserted with the others of the run (`_save_claims`)
        recipient=target.user,
        subject=chinese.subject or str(case.number or case.title),
        body=chinese.body,
        subject_en=english.subject,
        body_en=english.body,
        link=link,
        case=case,
        case_number=case.number or "",
        event=event.action,
    )
    return _outcome(delivery, Status.SENT, message=message)


def _deliver_external(
    *,
    event: CaseEvent,
    case: Case,
    target: Target,
    delivery: Delivery,
    template: Template | None,
    link: str,
) -> str:
    """A text message or e-mail: claimed and committed first, sent without holding a lock;
    its outcome is set on the row, which the caller records (`_record_outcomes`)."""
    if template is None:
        return _outcome(delivery, Status.SKIPPED, error=_("没有启用的通知模板。"))
    if not target.valid:
        return _outcome(delivery, Status.SKIPPED, error=_("手机号码格式不正确。"))
    try:
        rendered = _render(
            template,
            case=case,
            event=event,
            channel=target.channel,
            language=target.language,
            link=link,
        )
    except Exception as exc:
        logger.exception("notification template failed", extra={"template": template.pk})
        return _outcome(delivery, Status.FAILED, error=_error_text(exc))
    if not rendered.body:
        return _outcome(delivery, Status.SKIPPED, error=_("通知正文为空。"))
    try:
        if target.channel == Channel.SMS:
            sms.send_sms(mobile=target.address, message=rendered.body)
        else:
            send_mail(
                rendered.subject or str(case.number or case.title),
                rendered.body,
                None,
                [target.address],
                fail_silently=False,
            )
    except Exception as exc:  # the gateway or mail server refused: try again later
        logger.warning(
            "notification not sent",
            extra={"channel": target.channel, "delivery": delivery.pk, "error": str(exc)},
        )
        return _outcome(delivery, Status.FAILED, error=_error_text(exc))
    return _outcome(delivery, Status.SENT)


@transaction.atomic
def deliveries_retry(
    *, actor: Any, deliveries: Iterable[Delivery], request: HttpRequest | None = None
) -> int:
    """Give failed deliveries a fresh set of attempts and queue their events again (the
    admin's "retry" action). Returns how many deliveries were reset."""
    from govhub.notifications.tasks import enqueue_delivery

    event_ids: set[int] = set()
    reset = 0
    for delivery in deliveries:
        if delivery.status != Status.FAILED or delivery.case_event_id is None:
            continue
        delivery.status = Status.QUEUED
        delivery.attempts = 0
        delivery.save(update_fields=["status", "attempts"])
        audit_log(
            actor=actor,
            action="notifications.delivery.retry",
            target=delivery,
            changes={"event_key": delivery.event_key, "channel": delivery.channel},
            request=request,
        )
        event_ids.add(delivery.case_event_id)
        reset += 1
    for event_id in sorted(event_ids):
        enqueue_delivery(event_id)
    return reset


# --- Messages to staff ---------------------------------------------------------------------------


@transaction.atomic
def staff_message_send(
    *,
    recipients: Iterable[Any],
    key: str,
    subject: str,
    body: str,
    subject_en: str = "",
    body_en: str = "",
    link: str = "",
    case: Case | None = None,
    event: str = "",
) -> int:
    """An in-site message about something other than a case event (e.g. a supervision
    alert) to each active recipient, once per `key` and recipient: the `Delivery` row
    (key, inbox, "user:<id>") is created with the message, so a second call with the same
    key sends nothing again. Returns how many messages were written."""
    sent = 0
    seen: set[int] = set()
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        delivery, created = Delivery.objects.get_or_create(
            event_key=key[:64],
            channel=Channel.INBOX,
            recipient=f"user:{user.pk}",
            defaults={
                "user": user,
                "case_number": (case.number or "") if case is not None else "",
                "event": event[:24],
                "language": CHINESE,
                "status": Status.SENT,
                "attempts": 1,
                "sent_at": timezone.now(),
            },
        )
        if not created:
            continue
        message = Message.objects.create(
            recipient=user,
            subject=subject[:200],
            body=body,
            subject_en=subject_en[:200],
            body_en=body_en,
            link=link[:300],
            case=case,
            case_number=(case.number or "") if case is not None else "",
            event=event[:24],
        )
        delivery.message = message
        delivery.save(update_fields=["message"])
        sent += 1
    return sent


# --- The inbox ----------------------------------------------------------------------------------


def message_mark_read(*, user: Any, message: Message) -> Message:
    """Mark the reader's own message as read (nothing changes when it already is)."""
    if message.recipient_id != getattr(user, "pk", None):
        raise NotFound(_("找不到该消息。"))
    if message.read_at is None:
        now = timezone.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
        message.read_at = now
    return message


def messages_mark_all_read(*, user: Any) -> int:
    """Mark every unread message of the reader as read; returns how many changed."""
    return Message.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
