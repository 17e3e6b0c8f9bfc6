"""The public status look-up (查询办件进度): a case number and the last six characters of
the applicant's ID number (or credit code) show masked data only, to anyone."""

from __future__ import annotations

import datetime
import hmac
from dataclasses import dataclass
from typing import Any

from govhub.cases.models import Case
from govhub.cases.workflow import TRANSITIONS, Action, State


@dataclass(frozen=True)
class PublicStatus:
    number: str
    title: str
    department: str
    state: str
    state_label: str
    submitted_at: Any
    accepted_on: datetime.date | None
    promised_due: datetime.date | None
    completed_at: Any
    applicant: str  # masked
    timeline: list[tuple[Any, str]]


def case_public_status(*, number: str, id_tail: str) -> PublicStatus | None:
    """The public status look-up: the case number plus the last 6 characters of the
    applicant's ID number (or, for an enterprise, of its credit code). Shows masked data
    only; a wrong pair and an unknown number look the same."""
    number = (number or "").strip()
    tail = (id_tail or "").strip().upper()
    if not number or len(tail) != 6:
        return None
    case = (
        Case.objects.select_related("department")
        .filter(number=number)
        .exclude(state=State.DRAFT)
        .first()
    )
    if case is None:
        return None
    secret = (case.enterprise_uscc or case.applicant_id_number or "").upper()
    if len(secret) < 6 or not hmac.compare_digest(secret[-6:], tail):
        return None
    events = case.events.filter(
        action__in=[a for a, rule in TRANSITIONS.items() if rule.applicant_relevant]
    ).order_by("occurred_at", "id")
    return PublicStatus(
        number=case.number or "",
        title=case.title,
        department=case.department.display_name
        if hasattr(case.department, "display_name")
        else case.department.name,
        state=case.state,
        state_label=str(State(case.state).label),
        submitted_at=case.submitted_at,
        accepted_on=case.accepted_on,
        promised_due=case.promised_due,
        completed_at=case.completed_at,
        applicant=case.enterprise_name or case.masked_applicant_name,
        timeline=[(event.occurred_at, str(Action(event.action).label)) for event in events],
    )
