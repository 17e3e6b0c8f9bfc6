"""What every case service shares: locking, the history record, numbering, deadlines."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _

from govhub.cases import clock
from govhub.cases.events import CaseTransitioned
from govhub.cases.models import Case, CaseEvent, CaseNumberCounter, CaseStep, DeadlineChange
from govhub.cases.workflow import TRANSITIONS, State
from govhub.core import calendar
from govhub.core.audit import audit_log
from govhub.core.errors import Conflict, InvalidInput, NotFound
from govhub.core.events import publish
from govhub.core.masking import mask_id_number
from govhub.core.requestid import current_on_behalf_of


def today() -> datetime.date:
    return calendar.local_today()


def lock_case(case: Case | int, *, revision: int | None = None) -> Case:
    """The case row, locked for the rest of the transaction (`select_for_update`), with
    what the services read alongside it. `revision`, when given, is the revision the caller
    saw: if the case has changed since, the caller acted on stale data (`Conflict`)."""
    pk = case.pk if isinstance(case, Case) else case
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("item", "version", "department", "region", "current_step")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("找不到该办件。"))
    if revision is not None and revision != locked.revision:
        raise Conflict(
            _("办件已被他人更新（例如已处理了当前环节），请刷新页面查看最新状态后再操作。"),
            code="stale_revision",
        )
    return locked


def require_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(message, fields={field: [message]})
    return text


def applicant_label(case: Case) -> str:
    """How audit records and history name the applicant when someone acts for them."""
    if case.enterprise_uscc:
        return f"enterprise:{case.enterprise_uscc}"
    if case.applicant_id_number:
        return f"person:{mask_id_number(case.applicant_id_number)}"
    return ""


def record(
    *,
    case: Case,
    action: str,
    actor: Any,
    from_state: str,
    role: str = "",
    channel: str = "",
    opinion: str = "",
    step: CaseStep | None = None,
    data: dict[str, Any] | None = None,
    on_behalf_of: str | None = None,
    request: HttpRequest | None = None,
    revision_saved: bool = False,
    audit_changes: dict[str, Any] | None = None,
) -> CaseEvent:
    """Bump the case's revision (unless the caller saved it bumped: `revision_saved`),
    append one history row and one audit record (with `audit_changes` beside the states),
    and publish `CaseTransitioned` for after the commit."""
    if not revision_saved:
        Case.objects.filter(pk=case.pk).update(revision=F("revision") + 1)
        case.revision += 1
    behalf = current_on_behalf_of() if on_behalf_of is None else on_behalf_of
    signed_in = actor is not None and getattr(actor, "is_authenticated", False)
    event = CaseEvent.objects.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=case.state,
        actor=actor if signed_in else None,
        actor_label=(
            (getattr(actor, "full_name", "") or actor.get_username()) if signed_in else "system"
        )[:128],
        role=role,
        channel=channel,
        on_behalf_of=behalf or "",
        step=step,
        opinion=opinion,
        data=data or {},
    )
    audit_log(
        actor=actor,
        action=f"cases.case.{action}",
        role=role,
        target=case,
        changes={
            "from": from_state,
            "to": case.state,
            **({"step": step.pk} if step else {}),
            **(audit_changes or {}),
        },
        request=request,
        on_behalf_of=behalf,
    )
    publish(
        CaseTransitioned(
            case_id=case.pk,
            event_id=event.pk,
            number=case.number or "",
            action=action,
            from_state=from_state,
            to_state=case.state,
            applicant_relevant=TRANSITIONS[action].applicant_relevant
            if action in TRANSITIONS
            else False,
            department_id=case.department_id,
            step_department_id=step.department_id if step is not None else None,
        )
    )
    return event


def next_case_number(*, region_code: str, day: datetime.date) -> str:
    """A unique, readable case number: region code, date, and the day's sequence in the
    region, e.g. 230400-20261127-000042. One statement takes the next value (an upsert of
    the day's counter row), so two submissions never get the same number; the second
    waits for the first's row lock until its transaction ends."""
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    last = connection.ops.quote_name("last")
    # Only quoted constant names are formatted into the statement.
    upsert = (
        f"INSERT INTO {table} (region_code, day, {last}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (region_code, day) DO UPDATE SET {last} = {table}.{last} + 1 "
        f"RETURNING {last}"
    )
    with connection.cursor() as cursor:
        cursor.execute(upsert, [region_code, day.isoformat()])
        row = cursor.fetchone()
    return f"{region_code}-{day:%Y%m%d}-{int(row[0]):06d}"


# --- deadlines --------------------------------------------------------------------------


def set_deadlines(case: Case, *, reason: str, note: str = "", excluded_now: int = 0) -> None:
    """Compute the case's due dates from acceptance and what has been excluded so far, and
    record the change (`DeadlineChange`) when they moved."""
    assert case.accepted_on is not None
    excluded = case.paused_days + case.extension_days
    before = (case.promised_due, case.legal_due)
    case.promised_due = clock.due_date(
        start=case.accepted_on,
        limit_value=case.promised_limit_value,
        limit_unit=case.promised_limit_unit,
        excluded=excluded,
    )
    case.legal_due = clock.due_date(
        start=case.accepted_on,
        limit_value=case.legal_limit_value,
        limit_unit=case.legal_limit_unit,
        excluded=excluded,
    )
    if reason == DeadlineChange.Reason.ACCEPTED or before != (case.promised_due, case.legal_due):
        DeadlineChange.objects.create(
            case=case,
            reason=reason,
            note=note[:300],
            promised_due_before=before[0],
            promised_due=case.promised_due,
            legal_due_before=before[1],
            legal_due=case.legal_due,
            excluded_days=excluded_now,
        )


def start_step(step: CaseStep, *, on: datetime.date) -> None:
    step.started_on = on
    step.due_on = clock.due_date(
        start=on, limit_value=step.limit_value, limit_unit=step.limit_unit or "immediate"
    )
    step.save(update_fields=["started_on", "due_on"])


def pause(case: Case, *, on: datetime.date) -> None:
    if case.accepted_on is not None and case.paused_since is None:
        case.paused_since = on


def resume(case: Case, *, on: datetime.date, note: str) -> int:
    """End a pause: the days it lasted are excluded from the limits and the open steps'
    limits; returns them."""
    if case.paused_since is None:
        return 0
    unit = case.promised_limit_unit or clock.WORKING
    length = clock.pause_length(paused_on=case.paused_since, resumed_on=on, unit=unit)
    case.paused_since = None
    case.paused_days += length
    if case.accepted_on is not None:
        set_deadlines(case, reason=DeadlineChange.Reason.RESUMED, note=note, excluded_now=length)
    if length:
        for step in case.steps.filter(finished_at__isnull=True, due_on__isnull=False):
            due = step.due_on
            assert due is not None
            step.due_on = (
                due + datetime.timedelta(days=length)
                if step.limit_unit == clock.CALENDAR
                else calendar.add_working_days(due, length).date
            )
            step.save(update_fields=["due_on"])
    return length


OPEN_FOR_APPLICANT = frozenset({State.DRAFT, State.SUPPLEMENT_REQUESTED})
