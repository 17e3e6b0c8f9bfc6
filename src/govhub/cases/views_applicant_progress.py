"""Time and progress in plain words, for the applicant's pages (see `views_applicant`):
the six stages of a case, the small progress bar, the clock (days used and left, pauses)
and the story of the case's deadlines."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govhub.cases import clock, selectors
from govhub.cases.models import Case, DeadlineChange
from govhub.cases.workflow import FINAL_STATES, Action, Decision, State
from govhub.catalog import selectors as catalog_selectors


def days_text(count: int, unit: str) -> str:
    """ "3 个工作日" / "3 个自然日" (immediate items count working days)."""
    return catalog_selectors.time_limit_label(
        count, clock.CALENDAR if unit == clock.CALENDAR else clock.WORKING
    )


def limit_text(value: int | None, unit: str) -> str:
    return catalog_selectors.time_limit_label(value, unit) if unit else ""


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    status: str  # done, current, upcoming, stopped, skipped
    when: Any = None
    note: str = ""


STAGES: tuple[tuple[str, Any], ...] = (
    ("submitted", gettext_lazy("提交申请")),
    ("accepted", gettext_lazy("受理")),
    ("review", gettext_lazy("审查")),
    ("decision", gettext_lazy("作出决定")),
    ("result", gettext_lazy("出具结果")),
    ("delivered", gettext_lazy("送达")),
)

# How far each state has come: the index of the stage in progress (or reached).
_STAGE_OF_STATE: dict[str, int] = {
    State.DRAFT: 0,
    State.SUBMITTED: 1,
    State.SUPPLEMENT_REQUESTED: 1,
    State.NOT_ACCEPTED: 1,
    State.UNDER_REVIEW: 2,
    State.SPECIAL_PROCEDURE: 2,
    State.DECIDED: 4,
    State.ISSUED: 5,
    State.DELIVERED: 6,
    State.COMPLETED: 6,
}


def progress(case: Case) -> tuple[int, int, str]:
    """(stages done, stages in all, the label of the current stage) for a small bar."""
    total = len(STAGES)
    if case.state == State.SUPPLEMENT_REQUESTED and case.accepted_on is not None:
        done = 2
    else:
        done = _STAGE_OF_STATE.get(case.state, 0)
    if case.state in (State.WITHDRAWN, State.TERMINATED, State.NOT_ACCEPTED):
        return done, total, str(State(case.state).label)
    if done >= total:
        return total, total, str(State(case.state).label)
    return done, total, str(STAGES[done][1])


def _first_event_times(history: Iterable[Any]) -> dict[str, Any]:
    times: dict[str, Any] = {}
    for event in history:
        times.setdefault(event.action, event.occurred_at)
    return times


def _last_event_times(history: Iterable[Any]) -> dict[str, Any]:
    return {event.action: event.occurred_at for event in history}


def timeline(case: Case, history: Iterable[Any]) -> list[Stage]:
    """The six stages of a case (submitted → delivered), each done, current or still to
    come, with the day it was reached; a case that ended early ends with its outcome."""
    history = list(history)
    first = _first_event_times(history)
    last = _last_event_times(history)
    reached = {
        "submitted": case.submitted_at,
        "accepted": first.get(Action.ACCEPT) or case.accepted_on,
        "review": first.get(Action.ACCEPT) or case.accepted_on,
        "decision": case.decided_at,
        "result": first.get(Action.ISSUE),
        "delivered": first.get(Action.DELIVER),
    }
    done_count, _total, _label = progress(case)
    ended = case.state in (State.WITHDRAWN, State.TERMINATED, State.NOT_ACCEPTED)
    if ended:
        done_count = _ended_at_stage(case, first)
    stages: list[Stage] = []
    for index, (key, label) in enumerate(STAGES):
        note = ""
        if index < done_count:
            status = "done"
            when = reached.get(key)
            if key == "decision" and case.decision:
                note = str(Decision(case.decision).label)
            if key == "review":
                when = None  # the review has no single day; the decision closes it
        elif index == done_count and not ended and case.state != State.COMPLETED:
            status = "current"
            when = None
            note = _current_note(case)
        else:
            status = "skipped" if ended else "upcoming"
            when = None
        stages.append(Stage(key=key, label=str(label), status=status, when=when, note=note))
    if ended:
        action = {
            State.WITHDRAWN: Action.WITHDRAW,
            State.TERMINATED: Action.TERMINATE,
            State.NOT_ACCEPTED: Action.REJECT_INTAKE,
        }[State(case.state)]
        stages.insert(
            done_count,
            Stage(
                key="ended",
                label=str(State(case.state).label),
                status="stopped",
                when=last.get(action) or case.completed_at,
            ),
        )
    return stages


def _ended_at_stage(case: Case, first: Mapping[str, Any]) -> int:
    if case.state == State.NOT_ACCEPTED:
        return 1
    if case.decided_at is not None:
        return 4
    if case.accepted_on is not None:
        return 2
    return 1 if case.submitted_at else 0


def _current_note(case: Case) -> str:
    if case.state == State.SUPPLEMENT_REQUESTED:
        return _("等待您补正材料")
    if case.state == State.SPECIAL_PROCEDURE:
        return _("特别程序进行中")
    if case.state == State.SUBMITTED:
        return _("等待部门审核材料")
    return _("正在办理")


def time_left_text(case: Case, summary: clock.ClockSummary) -> str:
    """A few words for a list row: days left, overdue, paused, or why there is no clock."""
    if case.state == State.DRAFT:
        return ""
    if case.state in FINAL_STATES:
        return ""
    if summary.accepted_on is None:
        return _("受理后开始计时")
    if summary.paused:
        return _("暂停计时")
    if case.decided_at is not None:
        return _("已作出决定")
    if summary.left is None:
        return ""
    if summary.left < 0:
        return _("已超期%(days)s") % {"days": days_text(-summary.left, summary.unit)}
    if summary.left == 0:
        return _("今天到期")
    return _("剩余%(days)s") % {"days": days_text(summary.left, summary.unit)}


def deadline_story(detail: selectors.CaseDetail) -> list[str]:
    """The history of the case's deadlines in plain words: acceptance, pauses (supplements,
    special procedures) and extensions."""
    case = detail.case
    unit = case.promised_limit_unit or clock.WORKING
    lines: list[str] = []
    for change in detail.deadlines:
        date = timezone.localdate(change.occurred_at)
        if change.reason == DeadlineChange.Reason.ACCEPTED:
            if change.promised_due:
                lines.append(
                    _("%(date)s 受理，承诺办结日期为 %(due)s。")
                    % {"date": _date(date), "due": _date(change.promised_due)}
                )
            else:
                lines.append(_("%(date)s 受理。") % {"date": _date(date)})
        elif change.reason == DeadlineChange.Reason.RESUMED:
            paused = (
                _("暂停了%(days)s，") % {"days": days_text(change.excluded_days, unit)}
                if change.excluded_days
                else ""
            )
            lines.append(
                _("%(date)s 恢复计时（%(note)s），%(paused)s办结日期为 %(due)s。")
                % {
                    "date": _date(date),
                    "note": change.note or _("暂停结束"),
                    "paused": paused,
                    "due": _date(change.promised_due),
                }
            )
        elif change.reason == DeadlineChange.Reason.EXTENDED:
            lines.append(
                _("%(date)s 经批准延长办理时限，办结日期延至 %(due)s。%(note)s")
                % {"date": _date(date), "due": _date(change.promised_due), "note": change.note}
            )
    for procedure in detail.procedures:
        if procedure.ended_on:
            lines.append(
                _("%(start)s 至 %(end)s 进行%(name)s，这段时间不计入办理时限。")
                % {
                    "start": _date(procedure.started_on),
                    "end": _date(procedure.ended_on),
                    "name": procedure.name,
                }
            )
        else:
            lines.append(
                _("自 %(start)s 起进行%(name)s，这段时间不计入办理时限。")
                % {"start": _date(procedure.started_on), "name": procedure.name}
            )
    return lines


def _date(value: datetime.date | None) -> str:
    if value is None:
        return "—"
    from django.utils import formats

    return formats.date_format(value, "DATE_FORMAT")


@dataclass(frozen=True)
class ClockView:
    """The clock as the case page shows it."""

    started: bool
    unit_label: str
    promised_limit: str
    legal_limit: str
    accepted_on: datetime.date | None
    promised_due: datetime.date | None
    legal_due: datetime.date | None
    used: str
    left: str
    overdue: bool
    paused: bool
    paused_since: datetime.date | None
    stopped: bool
    provisional: bool


def clock_view(case: Case, summary: clock.ClockSummary) -> ClockView:
    unit = summary.unit
    used = days_text(summary.used, unit) if summary.used is not None else ""
    left = ""
    if summary.left is not None:
        if summary.left < 0:
            left = _("已超期%(days)s") % {"days": days_text(-summary.left, unit)}
        elif summary.left == 0:
            left = _("今天到期")
        else:
            left = days_text(summary.left, unit)
    return ClockView(
        started=summary.accepted_on is not None,
        unit_label=str(clock_unit_label(unit)),
        promised_limit=limit_text(case.promised_limit_value, case.promised_limit_unit),
        legal_limit=limit_text(case.legal_limit_value, case.legal_limit_unit),
        accepted_on=summary.accepted_on,
        promised_due=summary.promised_due,
        legal_due=summary.legal_due,
        used=used,
        left=left,
        overdue=summary.overdue,
        paused=summary.paused,
        paused_since=summary.paused_since,
        stopped=case.decided_at is not None or case.state in FINAL_STATES,
        provisional=summary.provisional,
    )


def clock_unit_label(unit: str) -> Any:
    return {
        clock.WORKING: gettext_lazy("工作日"),
        clock.CALENDAR: gettext_lazy("自然日"),
        clock.IMMEDIATE: gettext_lazy("即办"),
    }.get(unit, "")
