"""Review steps, the decision, special procedures and extensions (see
`services_handling` for how every case service is built)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.cases import clock, policies
from govhub.cases.models import (
    Case,
    CaseStep,
    DeadlineChange,
    SpecialProcedure,
)
from govhub.cases.service_support import (
    lock_case,
    pause,
    record,
    require_text,
    resume,
    set_deadlines,
    today,
)
from govhub.cases.services_handling import current_position, open_steps_at, start_position
from govhub.cases.workflow import Action, Decision, State, check_transition
from govhub.catalog.models import ItemVersion
from govhub.core.audit import audit_denials
from govhub.core.errors import Conflict, Forbidden, InvalidInput
from govhub.organizations.models import Position

Role = Position.Role
PROCEDURE_KINDS = ("hearing", "expert_review", "inspection", "testing", "other")


# --- review and decision ------------------------------------------------------------------


@audit_denials("cases.case.review", target_keywords=("case",))
@transaction.atomic
def case_review(
    *,
    actor: Any,
    case: Case,
    step: CaseStep | int,
    outcome: str,
    opinion: str,
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Finish a review step with an opinion. When every step at this position (a joint
    review has several) is finished, the next position starts."""
    case = lock_case(case, revision=revision)
    check_transition(Action.REVIEW, case.state)
    step_id = step.pk if isinstance(step, CaseStep) else step
    current = CaseStep.objects.select_for_update().filter(pk=step_id, case=case).first()
    if current is None:
        raise InvalidInput(_("该环节不属于此办件。"), fields={"step": [_("该环节不属于此办件。")]})
    if current.finished_at is not None:
        raise Conflict(
            _("该环节已由%(name)s办理完毕，请刷新后查看。")
            % {"name": current.acted_by.full_name if current.acted_by else ""},
            code="step_done",
        )
    if current.position != current_position(case):
        raise Conflict(_("该环节尚未开始或已经结束。"), code="step_not_current")
    if current.kind == CaseStep.Kind.DECISION:
        raise InvalidInput(_("决定环节请使用“作出决定”。"), code="use_decide")
    if not policies.can_act_on_step(actor, current):
        raise Forbidden()
    if outcome not in CaseStep.Outcome.values:
        raise InvalidInput(_("请选择审查意见。"), fields={"outcome": [_("请选择审查意见。")]})
    text = require_text(opinion, field="opinion", message=_("请填写审查意见。"))
    current.outcome = outcome
    current.opinion = text
    current.acted_by = actor
    current.finished_at = timezone.now()
    current.save(update_fields=["outcome", "opinion", "acted_by", "finished_at"])
    if not open_steps_at(case, current.position):
        case.set_current_step(start_position(case, current.position + 1))
        case.assignee = None
    case.save()
    record(
        case=case,
        action=Action.REVIEW,
        actor=actor,
        from_state=case.state,
        role=current.role,
        step=current,
        opinion=text,
        data={"outcome": outcome, "step_name": current.name},
        request=request,
    )
    return case


def _default_remedy(version: ItemVersion) -> str:
    parts = [text for text in (version.reconsideration, version.litigation) if text]
    return "\n".join(parts)


@audit_denials("cases.case.decide", target_keywords=("case",))
@transaction.atomic
def case_decide(
    *,
    actor: Any,
    case: Case,
    decision: str,
    reason: str,
    remedy: str = "",
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Approve or refuse. Every decision carries its reasons; a refusal also tells the
    applicant their remedies (reconsideration, litigation), by default the item's own."""
    case = lock_case(case, revision=revision)
    check_transition(Action.DECIDE, case.state)
    step = case.current_step
    if step is not None and step.kind != CaseStep.Kind.DECISION:
        raise Conflict(_("还有未完成的审查环节，不能作出决定。"), code="steps_open")
    if not policies.can_decide(actor, case, step):
        raise Forbidden()
    if decision not in Decision.values:
        raise InvalidInput(_("请选择准予或不予。"), fields={"decision": [_("请选择准予或不予。")]})
    text = require_text(reason, field="reason", message=_("请填写决定的理由。"))
    remedy_text = (remedy or "").strip()
    if decision == Decision.REFUSED:
        remedy_text = remedy_text or _default_remedy(case.version)
        if not remedy_text:
            message = _("不予决定须告知申请人依法申请行政复议或者提起行政诉讼的权利。")
            raise InvalidInput(message, fields={"remedy": [message]})
    if step is not None:
        step.outcome = (
            CaseStep.Outcome.AGREE if decision == Decision.APPROVED else CaseStep.Outcome.DISAGREE
        )
        step.opinion = text
        step.acted_by = actor
        step.finished_at = timezone.now()
        step.save(update_fields=["outcome", "opinion", "acted_by", "finished_at"])
    case.state = State.DECIDED
    case.decision = decision
    case.decision_reason = text
    case.remedy = remedy_text
    case.decided_at = timezone.now()
    case.set_current_step(None)
    case.assignee = None
    case.save()
    record(
        case=case,
        action=Action.DECIDE,
        actor=actor,
        from_state=State.UNDER_REVIEW,
        role=step.role if step else policies.decision_role(case),
        step=step,
        opinion=text,
        data={"decision": decision},
        request=request,
    )
    return case


# --- special procedures and extensions ---------------------------------------------------------


@audit_denials("cases.case.start_special", target_keywords=("case",))
@transaction.atomic
def case_special_start(
    *,
    actor: Any,
    case: Case,
    kind: str,
    name: str,
    reason: str,
    limit_value: int | None,
    limit_unit: str = clock.WORKING,
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> SpecialProcedure:
    """Start a hearing, expert review, inspection…: the case's clock stops until it ends."""
    case = lock_case(case, revision=revision)
    check_transition(Action.START_SPECIAL, case.state)
    if not policies.can_run_procedures(actor, case):
        raise Forbidden()
    if kind not in PROCEDURE_KINDS:
        raise InvalidInput(
            _("请选择特别程序的类型。"), fields={"kind": [_("请选择特别程序的类型。")]}
        )
    title = require_text(name, field="name", message=_("请填写特别程序的名称。"))
    why = require_text(reason, field="reason", message=_("请说明启动特别程序的理由。"))
    if limit_value is not None and limit_value <= 0:
        message = _("特别程序的时限必须是正整数。")
        raise InvalidInput(message, fields={"limit_value": [message]})
    day = today()
    procedure = SpecialProcedure.objects.create(
        case=case,
        kind=kind,
        name=title[:64],
        reason=why,
        limit_value=limit_value,
        limit_unit=limit_unit if limit_value else "",
        started_on=day,
        due_on=clock.due_date(start=day, limit_value=limit_value, limit_unit=limit_unit)
        if limit_value
        else None,
        started_by=actor,
    )
    case.state = State.SPECIAL_PROCEDURE
    pause(case, on=day)
    case.save()
    record(
        case=case,
        action=Action.START_SPECIAL,
        actor=actor,
        from_state=State.UNDER_REVIEW,
        role="staff",
        opinion=why,
        data={"procedure": procedure.pk, "kind": kind, "name": procedure.name},
        request=request,
    )
    return procedure


@audit_denials("cases.case.end_special", target_keywords=("case",))
@transaction.atomic
def case_special_end(
    *,
    actor: Any,
    case: Case,
    result: str,
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    case = lock_case(case, revision=revision)
    check_transition(Action.END_SPECIAL, case.state)
    if not policies.can_run_procedures(actor, case):
        raise Forbidden()
    text = require_text(result, field="result", message=_("请填写特别程序的结论。"))
    procedure = case.special_procedures.filter(ended_on__isnull=True).order_by("-id").first()
    day = today()
    if procedure is not None:
        procedure.ended_on = day
        procedure.result = text
        procedure.save(update_fields=["ended_on", "result"])
    case.state = State.UNDER_REVIEW
    excluded = resume(case, on=day, note=_("特别程序结束"))
    case.save()
    record(
        case=case,
        action=Action.END_SPECIAL,
        actor=actor,
        from_state=State.SPECIAL_PROCEDURE,
        role="staff",
        opinion=text,
        data={"excluded_days": excluded},
        request=request,
    )
    return case


@audit_denials("cases.case.extend", target_keywords=("case",))
@transaction.atomic
def case_extend(
    *,
    actor: Any,
    case: Case,
    days: int,
    reason: str,
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Extend the limits (延期), approved by the department's approver, with the reason."""
    case = lock_case(case, revision=revision)
    check_transition(Action.EXTEND, case.state)
    if not policies.holds_role_for(
        actor, Role.APPROVER, department_id=case.department_id, region=case.region
    ):
        raise Forbidden()
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
        message = _("延长的天数必须是 1 到 60 之间的整数。")
        raise InvalidInput(message, fields={"days": [message]})
    why = require_text(reason, field="reason", message=_("请说明延长时限的理由。"))
    case.extension_days += days
    set_deadlines(case, reason=DeadlineChange.Reason.EXTENDED, note=why, excluded_now=days)
    case.save()
    record(
        case=case,
        action=Action.EXTEND,
        actor=actor,
        from_state=case.state,
        role=Role.APPROVER,
        opinion=why,
        data={"days": days, "promised_due": str(case.promised_due or "")},
        request=request,
    )
    return case
