"""The lifecycle of an alert: every write a person (or the system) makes to it.

    raised ─notify→ notified ─explain→ explained ─close→ closed
       │               │                  └─escalate→ escalated ─close→ closed
       └── explain / escalate / close are allowed from raised too
    any open state ─(cause cured, automatic)→ closed;  closed ─(cause back)→ raised

Each service locks the alert row (`select_for_update`), checks the allowed previous state
(`TRANSITIONS`) and the actor's right (`policies`), changes the alert, and appends one
`AlertEvent` and one audit record, in one transaction. Of two people acting at once the
second waits for the first's lock, finds the state moved, and gets a `Conflict` saying so.
Automatic changes (raise, level, cure, reopen) are made by the scans (`deadline_scan`,
`process_check`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from govhub.cases.service_support import require_text
from govhub.core.audit import audit_denials, audit_log
from govhub.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from govhub.organizations.models import Position
from govhub.supervision import policies
from govhub.supervision.models import (
    Alert,
    AlertEvent,
    Level,
    NoticeCounter,
    SupervisionNotice,
)
from govhub.supervision.rules import registry
from govhub.supervision.rules_deadline import qn

State = Alert.State
Action = AlertEvent.Action
Role = Position.Role

OPEN = frozenset({State.RAISED, State.NOTIFIED, State.EXPLAINED, State.ESCALATED})
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.NOTIFY: (frozenset({State.RAISED}), State.NOTIFIED),
    Action.EXPLAIN: (frozenset({State.RAISED, State.NOTIFIED}), State.EXPLAINED),
    Action.ESCALATE: (
        frozenset({State.RAISED, State.NOTIFIED, State.EXPLAINED}),
        State.ESCALATED,
    ),
    Action.CLOSE: (OPEN, State.CLOSED),
}


def _lock(alert: Alert | int) -> Alert:
    pk = alert.pk if isinstance(alert, Alert) else alert
    locked = (
        Alert.objects.select_for_update(of=("self",))
        .select_related("rule", "region", "department", "case", "step")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("找不到该监察预警。"))
    return locked


def _check(alert: Alert, action: str) -> str:
    sources, target = TRANSITIONS[action]
    if alert.state not in sources:
        raise Conflict(
            _("预警当前状态为“%(state)s”，不能%(action)s。可能已有其他人处理，请刷新后查看。")
            % {"state": State(alert.state).label, "action": Action(action).label},
            code="invalid_state",
        )
    return target


def _label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system"
    return (getattr(actor, "full_name", "") or actor.get_username())[:128]


def _record(
    alert: Alert,
    *,
    action: str,
    from_state: str,
    actor: Any,
    note: str = "",
    role: str = "",
    request: HttpRequest | None = None,
    changes: dict[str, Any] | None = None,
) -> AlertEvent:
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    event = AlertEvent.objects.create(
        alert=alert,
        action=action,
        from_state=from_state,
        to_state=alert.state,
        from_level=alert.level,
        to_level=alert.level,
        actor=actor if signed_in else None,
        actor_label=_label(actor),
        note=note,
    )
    audit_log(
        actor=actor,
        action=f"supervision.alert.{action}",
        target=alert,
        changes={"from": from_state, "to": alert.state, "case": alert.case_id, **(changes or {})},
        request=request,
        role=role,
    )
    return event


# --- notify -----------------------------------------------------------------------------------


def recipients_for(alert: Alert) -> list[Any]:
    """Who hears about an alert: the department's administrators (whose region covers the
    alert's) and whoever holds the case or the step."""
    today = timezone.localdate()
    admins = (
        Position.objects.valid_on(today)
        .filter(role=Role.DEPARTMENT_ADMIN, department_id=alert.department_id)
        .select_related("region", "staff__user")
    )
    people = [p.staff.user for p in admins if p.region.covers(alert.region)]
    for holder in (alert.step.assignee if alert.step else None, alert.case.assignee):
        if holder is not None:
            people.append(holder)
    return people


def _message(alert: Alert) -> dict[str, str]:
    definition = registry().get(alert.rule.code)
    texts: dict[str, str] = {}
    for language, suffix in (("zh-hans", ""), ("en", "_en")):
        with translation.override(language):
            name = str(definition.name) if definition else alert.rule.code
            texts[f"subject{suffix}"] = _("【电子监察%(level)s】%(rule)s：%(number)s") % {
                "level": Level(alert.level).label,
                "rule": name,
                "number": alert.case.number or "",
            }
            texts[f"body{suffix}"] = _(
                "办件 %(number)s（%(title)s）触发监察规则“%(rule)s”。请核实情况，并在系统中"
                "说明原因或及时纠正。"
            ) % {"number": alert.case.number or "", "title": alert.case.title, "rule": name}
    return texts


@audit_denials("supervision.alert.notify", target_keywords=("alert",))
@transaction.atomic
def alert_notify(
    *, actor: Any = None, alert: Alert | int, request: HttpRequest | None = None
) -> Alert:
    """Tell the department (its administrators' and the case holder's inboxes). The
    system does it after each scan; a supervisor may do it by hand."""
    from django.urls import reverse

    from govhub.notifications.services import staff_message_send

    alert = _lock(alert)
    if actor is not None and not policies.can_notify(actor, alert):
        raise Forbidden()
    target = _check(alert, Action.NOTIFY)
    now = timezone.now()
    sent = staff_message_send(
        recipients=recipients_for(alert),
        key=f"supervision.alert:{alert.pk}:{alert.reopen_count}:notify",
        link=reverse("workbench:case", args=[alert.case.number]) if alert.case.number else "",
        case=alert.case,
        event="supervision_alert",
        **_message(alert),
    )
    from_state = alert.state
    alert.state = target
    alert.notified_at = now
    alert.updated_at = now
    alert.save(update_fields=["state", "notified_at", "updated_at"])
    _record(
        alert,
        action=Action.NOTIFY,
        from_state=from_state,
        actor=actor,
        role=Role.SUPERVISOR if actor is not None else "",
        request=request,
        changes={"messages": sent},
    )
    return alert


def alerts_notify_raised(*, limit: int = 200) -> int:
    """Notify the oldest raised alerts (the system, after a scan); each in its own
    transaction, so one failure does not hold the others. Returns how many were notified."""
    ids = list(
        Alert.objects.filter(state=State.RAISED)
        .order_by("raised_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for alert_id in ids:
        try:
            alert_notify(alert=alert_id)
        except Conflict:
            continue  # a person acted first
        done += 1
    return done


# --- explain, close, escalate -------------------------------------------------------------------


@audit_denials("supervision.alert.explain", target_keywords=("alert",))
@transaction.atomic
def alert_explain(
    *, actor: Any, alert: Alert | int, explanation: str, request: HttpRequest | None = None
) -> Alert:
    """The department explains (情况说明): staff holding a valid position in it."""
    alert = _lock(alert)
    if not policies.can_explain(actor, alert):
        raise Forbidden()
    target = _check(alert, Action.EXPLAIN)
    text = require_text(explanation, field="explanation", message=_("请填写情况说明。"))
    from_state = alert.state
    now = timezone.now()
    alert.state = target
    alert.explanation = text
    alert.explained_by = actor
    alert.explained_at = now
    alert.updated_at = now
    alert.save(update_fields=["state", "explanation", "explained_by", "explained_at", "updated_at"])
    _record(
        alert, action=Action.EXPLAIN, from_state=from_state, actor=actor, note=text, request=request
    )
    return alert


@audit_denials("supervision.alert.close", target_keywords=("alert",))
@transaction.atomic
def alert_close(
    *, actor: Any, alert: Alert | int, note: str = "", request: HttpRequest | None = None
) -> Alert:
    """A supervisor whose region covers the alert closes it (with an optional note)."""
    alert = _lock(alert)
    if not policies.can_close(actor, alert):
        raise Forbidden()
    target = _check(alert, Action.CLOSE)
    from_state = alert.state
    now = timezone.now()
    alert.state = target
    alert.closed_reason = Alert.ClosedReason.SUPERVISOR
    alert.closed_by = actor
    alert.close_note = (note or "").strip()
    alert.closed_at = now
    alert.updated_at = now
    alert.save(
        update_fields=[
            "state",
            "closed_reason",
            "closed_by",
            "close_note",
            "closed_at",
            "updated_at",
        ]
    )
    _record(
        alert,
        action=Action.CLOSE,
        from_state=from_state,
        actor=actor,
        note=alert.close_note,
        role=Role.SUPERVISOR,
        request=request,
    )
    return alert


def next_notice_number(*, region_code: str, year: int) -> str:
    """A readable unique number, e.g. 230400-JC-2026-000012, from a counter row per
    region and year taken with one upsert (two supervisors never get the same)."""
    table = qn(NoticeCounter._meta.db_table)
    last = qn("last")
    sql = (
        f"INSERT INTO {table} (region_code, year, {last}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (region_code, year) DO UPDATE SET {last} = {table}.{last} + 1 "
        f"RETURNING {last}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [region_code, year])
        row = cursor.fetchone()
    return f"{region_code}-JC-{year}-{int(row[0]):06d}"


def _issuer(actor: Any, alert: Alert) -> str:
    """The supervising body: the widest region the actor supervises that covers the alert's."""
    from govhub.organizations.policies import valid_positions

    regions = [
        p.region
        for p in valid_positions(actor)
        if p.role == Role.SUPERVISOR and p.region.covers(alert.region)
    ]
    region = min(regions, key=lambda r: len(r.path)) if regions else alert.region
    with translation.override("zh-hans"):
        return _("%(region)s电子监察") % {"region": region.name}


@audit_denials("supervision.alert.escalate", target_keywords=("alert",))
@transaction.atomic
def alert_escalate(
    *,
    actor: Any,
    alert: Alert | int,
    text: str,
    reply_by: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> SupervisionNotice:
    """A supervisor escalates the alert to a supervision notice (监察建议书) to the
    department, with findings and recommendations, and optionally a date for its reply."""
    alert = _lock(alert)
    if not policies.can_escalate(actor, alert):
        raise Forbidden()
    target = _check(alert, Action.ESCALATE)
    body = require_text(text, field="text", message=_("请填写监察意见和建议。"))
    now = timezone.now()
    if reply_by is not None and reply_by < timezone.localdate(now):
        message = _("书面回复期限不能早于今天。")
        raise InvalidInput(message, fields={"reply_by": [message]})
    notice = SupervisionNotice.objects.create(
        issuer=_issuer(actor, alert),
        number=next_notice_number(region_code=alert.region.code, year=timezone.localdate(now).year),
        alert=alert,
        department=alert.department,
        text=body,
        reply_by=reply_by,
        issued_by=actor,
        issued_at=now,
    )
    from_state = alert.state
    alert.state = target
    alert.escalated_at = now
    alert.updated_at = now
    alert.save(update_fields=["state", "escalated_at", "updated_at"])
    _record(
        alert,
        action=Action.ESCALATE,
        from_state=from_state,
        actor=actor,
        note=notice.number,
        role=Role.SUPERVISOR,
        request=request,
        changes={"notice": notice.number},
    )
    return notice
