"""Domain events of the cases app. Higher apps (notifications, supervision) subscribe to
them with `govhub.core.events.subscribe`; they are delivered after the transaction that
changed the case commits, never for a rolled-back change."""

from __future__ import annotations

from dataclasses import dataclass

from govhub.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CaseTransitioned(DomainEvent):
    """A case moved through its process: one `CaseEvent` row was appended.

    `event_id` is the primary key of that `cases.CaseEvent` row and is unique for ever, so
    a subscriber can use it to make its own work idempotent ("never twice for the same
    event"). `action` is one of `govhub.cases.workflow.Action`; `applicant_relevant` says
    whether the applicant should hear about it (a claim or an internal review opinion is
    not, a supplement request or a decision is)."""

    case_id: int
    event_id: int
    number: str
    action: str
    from_state: str
    to_state: str
    applicant_relevant: bool
    # The case's department, and the department of the step acted on (a joint review's
    # may differ): whose queues changed.
    department_id: int | None = None
    step_department_id: int | None = None
