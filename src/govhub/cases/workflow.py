"""The standard process of a case, in one place.

Every service that changes a case's state calls `check_transition(action, state)` first;
the table below is the only list of which action may start from which state and where it
leads. Services lock the case row (`select_for_update`) before they check, so of two staff
acting at once one succeeds and the other sees the changed state and gets a `Conflict`.

    draft ─submit→ submitted ─accept→ under_review ─(steps)→ decided ─issue→ issued
                    │  ├─reject_intake→ not_accepted                          │
                    │  └─request_supplement→ supplement_requested             deliver
                    │        └─resubmit→ submitted (or under_review)          ↓
                    │                                         delivered ─complete→ completed
    under_review ─start_special→ special_procedure ─end_special→ under_review
    withdraw (applicant, before a decision) → withdrawn; terminate (department) → terminated
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from govhub.core.errors import Conflict


class State(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待受理")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("待补正")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    UNDER_REVIEW = "under_review", _("审查中")
    SPECIAL_PROCEDURE = "special_procedure", _("特别程序中")
    DECIDED = "decided", _("已决定")
    ISSUED = "issued", _("已出证")
    DELIVERED = "delivered", _("已送达")
    COMPLETED = "completed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")
    TERMINATED = "terminated", _("已终止")


class Action(models.TextChoices):
    SAVE_DRAFT = "save_draft", _("保存草稿")
    SUBMIT = "submit", _("提交申请")
    ACCEPT = "accept", _("受理")
    REJECT_INTAKE = "reject_intake", _("不予受理")
    REQUEST_SUPPLEMENT = "request_supplement", _("一次性告知补正")
    RESUBMIT = "resubmit", _("补正后重新提交")
    CLAIM = "claim", _("认领")
    ASSIGN = "assign", _("指派")
    REVIEW = "review", _("审查")
    START_SPECIAL = "start_special", _("启动特别程序")
    END_SPECIAL = "end_special", _("结束特别程序")
    EXTEND = "extend", _("延长办理时限")
    DECIDE = "decide", _("作出决定")
    ISSUE = "issue", _("出具办理结果")
    DELIVER = "deliver", _("送达")
    COMPLETE = "complete", _("办结")
    WITHDRAW = "withdraw", _("撤回申请")
    TERMINATE = "terminate", _("终止办理")
    ATTACH = "attach", _("添加附件")


class Decision(models.TextChoices):
    APPROVED = "approved", _("准予")
    REFUSED = "refused", _("不予")


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the state does not change (or the service computes it)
    applicant_relevant: bool


S = State
_OPEN_BEFORE_DECISION = frozenset(
    {S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.UNDER_REVIEW, S.SPECIAL_PROCEDURE}
)

TRANSITIONS: dict[str, Transition] = {
    Action.SUBMIT: Transition(frozenset({S.DRAFT}), S.SUBMITTED, True),
    Action.ACCEPT: Transition(frozenset({S.SUBMITTED}), S.UNDER_REVIEW, True),
    Action.REJECT_INTAKE: Transition(frozenset({S.SUBMITTED}), S.NOT_ACCEPTED, True),
    # A supplement may be asked for before acceptance (the usual case) or during review;
    # resubmitting returns the case to where it was (submitted, or under review).
    Action.REQUEST_SUPPLEMENT: Transition(
        frozenset({S.SUBMITTED, S.UNDER_REVIEW}), S.SUPPLEMENT_REQUESTED, True
    ),
    Action.RESUBMIT: Transition(frozenset({S.SUPPLEMENT_REQUESTED}), None, True),
    Action.CLAIM: Transition(frozenset({S.SUBMITTED, S.UNDER_REVIEW}), None, False),
    Action.ASSIGN: Transition(frozenset({S.SUBMITTED, S.UNDER_REVIEW}), None, False),
    # A review step moves to the next step; the service decides whether the last step
    # has been reached (the decision is its own action).
    Action.REVIEW: Transition(frozenset({S.UNDER_REVIEW}), None, False),
    Action.START_SPECIAL: Transition(frozenset({S.UNDER_REVIEW}), S.SPECIAL_PROCEDURE, True),
    Action.END_SPECIAL: Transition(frozenset({S.SPECIAL_PROCEDURE}), S.UNDER_REVIEW, True),
    Action.EXTEND: Transition(frozenset({S.UNDER_REVIEW, S.SPECIAL_PROCEDURE}), None, True),
    Action.DECIDE: Transition(frozenset({S.UNDER_REVIEW}), S.DECIDED, True),
    Action.ISSUE: Transition(frozenset({S.DECIDED}), S.ISSUED, True),
    Action.DELIVER: Transition(frozenset({S.ISSUED}), S.DELIVERED, True),
    Action.COMPLETE: Transition(frozenset({S.DELIVERED}), S.COMPLETED, True),
    # A draft is not withdrawn but discarded (deleted: `services_drafts.case_draft_discard`).
    Action.WITHDRAW: Transition(_OPEN_BEFORE_DECISION, S.WITHDRAWN, True),
    Action.TERMINATE: Transition(_OPEN_BEFORE_DECISION, S.TERMINATED, True),
    Action.ATTACH: Transition(
        _OPEN_BEFORE_DECISION | {S.DECIDED, S.ISSUED, S.DELIVERED}, None, False
    ),
}

# States in which the case's clock does not run.
PAUSED_STATES = frozenset({S.SUPPLEMENT_REQUESTED, S.SPECIAL_PROCEDURE})
# States in which nothing more happens.
FINAL_STATES = frozenset({S.NOT_ACCEPTED, S.COMPLETED, S.WITHDRAWN, S.TERMINATED})
# States in which the department still owes work (queues, supervision).
OPEN_STATES = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.DECIDED, S.ISSUED, S.DELIVERED})


def allowed_actions(state: str) -> list[str]:
    """Actions whose table entry allows `state` (permission is checked separately)."""
    return [action for action, rule in TRANSITIONS.items() if state in rule.sources]


def check_transition(action: str, state: str) -> Transition:
    """The transition for `action` from `state`, or `Conflict` with a message that says
    what state the case is in now (usually: someone else acted first)."""
    rule = TRANSITIONS[action]
    if state not in rule.sources:
        raise Conflict(
            _("办件当前状态为“%(state)s”，不能%(action)s。可能已有其他人处理，请刷新后查看。")
            % {"state": State(state).label, "action": Action(action).label},
            code="invalid_state",
        )
    return rule
