"""Handling a case in the department: acceptance, supplements, review steps, special
procedures, the decision, the result and its delivery.

Each service locks the case row, checks the transition (`workflow.check_transition`) and
the actor's right (`policies`), changes the case, and appends one history row, one audit
record and one `CaseTransitioned` event (`service_support.record`) — all in one
transaction. Two staff acting at once: the second waits for the first's lock, then finds
the state changed and gets a `Conflict` that says so.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.cases import clock, policies, uploads
from govhub.cases.models import (
    Case,
    CaseMaterial,
    CaseResult,
    CaseStep,
    DeadlineChange,
    DeliveryMethod,
    SpecialProcedure,
    SupplementRequest,
)
from govhub.cases.service_support import (
    lock_case,
    pause,
    record,
    require_text,
    resume,
    set_deadlines,
    start_step,
    today,
)
from govhub.cases.services_intake import _store_one
from govhub.cases.workflow import Action, Decision, State, check_transition
from govhub.catalog.models import ItemVersion
from govhub.core.audit import audit_denials
from govhub.core.errors import Conflict, Forbidden, InvalidInput
from govhub.organizations.models import Position

Role = Position.Role
PROCEDURE_KINDS = ("hearing", "expert_review", "inspection", "testing", "other")


# --- steps -------------------------------------------------------------------------------


def _step_plan(case: Case, version: ItemVersion) -> list[dict[str, Any]]:
    """The review steps of the item (审查 and 决定 steps; 受理 is acceptance itself and 办结
    is issuing), with joint review after the first review step when the item names joint
    departments."""
    immediate = case.case_kind == ItemVersion.CaseKind.IMMEDIATE
    reviewer = Role.WINDOW_CLERK if immediate else Role.REVIEWER
    approver = Role.WINDOW_CLERK if immediate else Role.APPROVER
    plan: list[dict[str, Any]] = []
    joint = list(version.joint_departments.all())
    for row in version.steps or []:
        role_text = str(row.get("role", ""))
        if role_text in ("受理", "办结"):
            continue
        kind = CaseStep.Kind.DECISION if role_text == "决定" else CaseStep.Kind.REVIEW
        plan.append(
            {
                "name": str(row.get("name", ""))[:64] or _("审查"),
                "kind": kind,
                "role": approver if kind == CaseStep.Kind.DECISION else reviewer,
                "department_id": case.department_id,
                "limit_value": row.get("limit_value"),
                "limit_unit": row.get("limit_unit") or "",
            }
        )
        if (
            kind == CaseStep.Kind.REVIEW
            and joint
            and not any(p["kind"] == CaseStep.Kind.JOINT_REVIEW for p in plan)
        ):
            for department in joint:
                plan.append(
                    {
                        "name": _("联合审查"),
                        "kind": CaseStep.Kind.JOINT_REVIEW,
                        "role": Role.REVIEWER,
                        "department_id": department.pk,
                        "limit_value": row.get("limit_value"),
                        "limit_unit": row.get("limit_unit") or "",
                        "parallel": True,
                    }
                )
    if not any(p["kind"] == CaseStep.Kind.DECISION for p in plan):
        plan.append(
            {
                "name": _("决定"),
                "kind": CaseStep.Kind.DECISION,
                "role": policies.decision_role(case),
                "department_id": case.department_id,
                "limit_value": None,
                "limit_unit": "",
            }
        )
    return plan


def _create_steps(case: Case, version: ItemVersion) -> list[CaseStep]:
    steps = []
    position = 0
    for entry in _step_plan(case, version):
        if not entry.pop("parallel", False) or not steps or steps[-1].kind != entry["kind"]:
            position += 1
        steps.append(CaseStep(case=case, position=position, **entry))
    return CaseStep.objects.bulk_create(steps)


def _open_steps_at(case: Case, position: int) -> list[CaseStep]:
    return list(case.steps.select_for_update().filter(position=position, finished_at__isnull=True))


def _start_position(case: Case, position: int) -> CaseStep | None:
    steps = list(case.steps.filter(position=position).order_by("id"))
    for step in steps:
        start_step(step, on=today())
    return steps[0] if steps else None


def _current_position(case: Case) -> int | None:
    return case.current_step.position if case.current_step is not None else None


# --- intake decisions ----------------------------------------------------------------------


@audit_denials("cases.case.accept", target_keywords=("case",))
@transaction.atomic
def case_accept(
    *,
    actor: Any,
    case: Case,
    opinion: str = "",
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Accept the application (受理): the clocks start today."""
    case = lock_case(case, revision=revision)
    check_transition(Action.ACCEPT, case.state)
    if not policies.can_handle_intake(actor, case):
        raise Forbidden()
    from govhub.cases.services_intake import missing_materials

    missing = missing_materials(case)
    if missing:
        names = _("、").join(m.display_name for m in missing)
        raise InvalidInput(
            _("材料不齐全，不能受理：缺少%(names)s。请一次性告知申请人补正。") % {"names": names},
            code="materials_missing",
        )
    day = today()
    case.state = State.UNDER_REVIEW
    case.accepted_on = day
    case.assignee = None
    set_deadlines(case, reason=DeadlineChange.Reason.ACCEPTED)
    _create_steps(case, case.version)
    case.current_step = _start_position(case, 1)
    case.save()
    record(
        case=case,
        action=Action.ACCEPT,
        actor=actor,
        from_state=State.SUBMITTED,
        role="staff",
        opinion=(opinion or "").strip(),
        data={"promised_due": str(case.promised_due or ""), "legal_due": str(case.legal_due or "")},
        request=request,
    )
    return case


@audit_denials("cases.case.reject_intake", target_keywords=("case",))
@transaction.atomic
def case_reject_intake(
    *,
    actor: Any,
    case: Case,
    reason: str,
    legal_notice: str,
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Refuse to accept (不予受理), with the reason and the legal notice (the basis and
    where to turn instead) that the applicant is owed."""
    case = lock_case(case, revision=revision)
    check_transition(Action.REJECT_INTAKE, case.state)
    if not policies.can_handle_intake(actor, case):
        raise Forbidden()
    reason = require_text(reason, field="reason", message=_("请填写不予受理的理由。"))
    notice = require_text(
        legal_notice,
        field="legal_notice",
        message=_("请填写法律告知（依据及申请人可以采取的途径）。"),
    )
    case.state = State.NOT_ACCEPTED
    case.outcome_reason = reason
    case.remedy = notice
    case.completed_at = timezone.now()
    case.save()
    record(
        case=case,
        action=Action.REJECT_INTAKE,
        actor=actor,
        from_state=State.SUBMITTED,
        role="staff",
        opinion=reason,
        data={"legal_notice": notice},
        request=request,
    )
    return case


@audit_denials("cases.case.request_supplement", target_keywords=("case",))
@transaction.atomic
def case_request_supplement(
    *,
    actor: Any,
    case: Case,
    items: list[dict[str, Any]],
    note: str = "",
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> SupplementRequest:
    """Tell the applicant once and completely what is missing (一次性告知). A second request
    for the same case is allowed but flagged (`is_repeat`) for supervision."""
    case = lock_case(case, revision=revision)
    check_transition(Action.REQUEST_SUPPLEMENT, case.state)
    allowed = (
        policies.can_handle_intake(actor, case)
        if case.state == State.SUBMITTED
        else policies.can_run_procedures(actor, case)
    )
    if not allowed:
        raise Forbidden()
    materials = {m.pk: m for m in case.version.materials.all()}
    rows: list[dict[str, Any]] = []
    for index, row in enumerate(items or []):
        material_id = row.get("material_id")
        material = materials.get(int(material_id)) if material_id else None
        if material_id and material is None:
            message = _("补正的材料不属于该事项。")
            raise InvalidInput(message, fields={f"items.{index}": [message]})
        name = (row.get("name") or (material.display_name if material else "")).strip()
        reason = (row.get("reason") or "").strip()
        if not name or not reason:
            message = _("每一项补正内容都要写明材料名称和需要补正的原因。")
            raise InvalidInput(message, fields={f"items.{index}": [message]})
        rows.append(
            {"material_id": material.pk if material else None, "name": name, "reason": reason}
        )
    if not rows:
        message = _("请一次性列出需要补正的全部内容。")
        raise InvalidInput(message, fields={"items": [message]})
    repeat = case.supplements.exists()
    supplement = SupplementRequest.objects.create(
        case=case, items=rows, note=(note or "").strip(), requested_by=actor, is_repeat=repeat
    )
    from_state = case.state
    case.state = State.SUPPLEMENT_REQUESTED
    pause(case, on=today())
    case.save()
    record(
        case=case,
        action=Action.REQUEST_SUPPLEMENT,
        actor=actor,
        from_state=from_state,
        role="staff",
        opinion=supplement.note,
        data={"supplement": supplement.pk, "items": rows, "repeat": repeat},
        request=request,
    )
    return supplement


# --- work assignment --------------------------------------------------------------------------


def _can_work(actor: Any, case: Case) -> bool:
    if case.state == State.SUBMITTED:
        return policies.can_handle_intake(actor, case)
    step = case.current_step
    return step is not None and (
        policies.can_act_on_step(actor, step)
        or any(policies.can_act_on_step(actor, s) for s in _open_steps_at(case, step.position))
    )


@audit_denials("cases.case.claim", target_keywords=("case",))
@transaction.atomic
def case_claim(*, actor: Any, case: Case, request: HttpRequest | None = None) -> Case:
    """Take the case (or the current step) into one's own queue."""
    case = lock_case(case)
    check_transition(Action.CLAIM, case.state)
    if not _can_work(actor, case):
        raise Forbidden()
    step = _my_open_step(actor, case)
    holder = step.assignee_id if step is not None else case.assignee_id
    if holder is not None and holder != actor.pk:
        raise Conflict(_("该办件已被其他工作人员认领。"), code="already_claimed")
    if step is not None:
        step.assignee = actor
        step.save(update_fields=["assignee"])
    case.assignee = actor
    case.save(update_fields=["assignee", "updated_at"])
    record(
        case=case,
        action=Action.CLAIM,
        actor=actor,
        from_state=case.state,
        role="staff",
        step=step,
        request=request,
    )
    return case


def _my_open_step(actor: Any, case: Case) -> CaseStep | None:
    if case.current_step is None or case.state != State.UNDER_REVIEW:
        return None
    steps = _open_steps_at(case, case.current_step.position)
    for step in steps:
        if policies.can_act_on_step(actor, step):
            return step
    return steps[0] if steps else None


@audit_denials("cases.case.assign", target_keywords=("case",))
@transaction.atomic
def case_assign(
    *, actor: Any, case: Case, assignee: Any, request: HttpRequest | None = None
) -> Case:
    """An approver or department administrator hands the case to a colleague who holds the
    role its current step needs."""
    case = lock_case(case)
    check_transition(Action.ASSIGN, case.state)
    if not policies.can_assign(actor, case):
        raise Forbidden()
    step = _my_open_step(assignee, case)
    able = (
        policies.can_act_on_step(assignee, step)
        if step is not None
        else policies.can_handle_intake(assignee, case)
    )
    if not able:
        message = _("被指派人没有办理该环节的岗位。")
        raise InvalidInput(message, fields={"assignee": [message]})
    if step is not None:
        step.assignee = assignee
        step.save(update_fields=["assignee"])
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    record(
        case=case,
        action=Action.ASSIGN,
        actor=actor,
        from_state=case.state,
        role="staff",
        step=step,
        data={"assignee": assignee.pk},
        request=request,
    )
    return case


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
    request: HttpRequest | None = None,
) -> Case:
    """Finish a review step with an opinion. When every step at this position (a joint
    review has several) is finished, the next position starts."""
    case = lock_case(case)
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
    if current.position != _current_position(case):
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
    if not _open_steps_at(case, current.position):
        case.current_step = _start_position(case, current.position + 1)
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
    case.current_step = None
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
    request: HttpRequest | None = None,
) -> SpecialProcedure:
    """Start a hearing, expert review, inspection…: the case's clock stops until it ends."""
    case = lock_case(case)
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
    *, actor: Any, case: Case, result: str, request: HttpRequest | None = None
) -> Case:
    case = lock_case(case)
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
    *, actor: Any, case: Case, days: int, reason: str, request: HttpRequest | None = None
) -> Case:
    """Extend the limits (延期), approved by the department's approver, with the reason."""
    case = lock_case(case)
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


# --- results -----------------------------------------------------------------------------


@audit_denials("cases.case.issue", target_keywords=("case",))
@transaction.atomic
def case_issue(
    *,
    actor: Any,
    case: Case,
    file: UploadedFile | None = None,
    name: str = "",
    base_url: str = "",
    request: HttpRequest | None = None,
) -> CaseResult:
    """Issue the result: an uploaded document, or the decision notice generated here."""
    case = lock_case(case)
    check_transition(Action.ISSUE, case.state)
    if not policies.can_issue(actor, case):
        raise Forbidden()
    if file is not None:
        info = uploads.inspect_upload(file, label=name or case.version.result_name, field="file")
        storage_name = uploads.store_upload(file, info, prefix="results")
        result = CaseResult.objects.create(
            case=case,
            name=(name or case.version.result_name or case.title)[:200],
            file=storage_name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
            issued_by=actor,
        )
    else:
        import hashlib

        from govhub.cases import notices

        pdf = notices.decision_notice(case, base_url=base_url)
        result = CaseResult(
            case=case,
            name=_("%(title)s决定书") % {"title": case.title},
            content_type="application/pdf",
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            issued_by=actor,
        )
        result.file.save(f"{case.number}.pdf", ContentFile(pdf), save=False)
        result.save()
    case.state = State.ISSUED
    case.save()
    record(
        case=case,
        action=Action.ISSUE,
        actor=actor,
        from_state=State.DECIDED,
        role="staff",
        data={"result": result.pk, "sha256": result.sha256},
        request=request,
    )
    return result


@audit_denials("cases.case.deliver", target_keywords=("case",))
@transaction.atomic
def case_deliver(
    *,
    actor: Any,
    case: Case,
    method: str,
    address: str = "",
    tracking_number: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """Deliver the result. Collection at the window and electronic delivery complete the
    case at once; a posted result completes when its receipt is confirmed."""
    case = lock_case(case)
    check_transition(Action.DELIVER, case.state)
    if not policies.can_issue(actor, case):
        raise Forbidden()
    if method not in DeliveryMethod.values:
        raise InvalidInput(_("请选择送达方式。"), fields={"method": [_("请选择送达方式。")]})
    if method == DeliveryMethod.POST:
        address = require_text(
            address or str(case.form_data.get("address", "")),
            field="address",
            message=_("邮寄送达须填写邮寄地址。"),
        )
    case.state = State.DELIVERED
    case.delivery_method = method
    case.delivery_address = (address or "")[:300]
    case.tracking_number = (tracking_number or "").strip()[:64]
    case.save()
    record(
        case=case,
        action=Action.DELIVER,
        actor=actor,
        from_state=State.ISSUED,
        role="staff",
        data={"method": method, "tracking_number": case.tracking_number},
        request=request,
    )
    if method != DeliveryMethod.POST:
        _complete(case, actor=actor, request=request)
    return case


def _complete(case: Case, *, actor: Any, request: HttpRequest | None) -> None:
    case.state = State.COMPLETED
    case.completed_at = timezone.now()
    case.save()
    record(
        case=case,
        action=Action.COMPLETE,
        actor=actor,
        from_state=State.DELIVERED,
        role="staff",
        request=request,
    )


@audit_denials("cases.case.complete", target_keywords=("case",))
@transaction.atomic
def case_complete(*, actor: Any, case: Case, request: HttpRequest | None = None) -> Case:
    """Confirm that a posted result was received: the case is completed (办结)."""
    case = lock_case(case)
    check_transition(Action.COMPLETE, case.state)
    if not policies.can_issue(actor, case):
        raise Forbidden()
    _complete(case, actor=actor, request=request)
    return case


@audit_denials("cases.case.terminate", target_keywords=("case",))
@transaction.atomic
def case_terminate(
    *, actor: Any, case: Case, reason: str, request: HttpRequest | None = None
) -> Case:
    """The department ends the procedure (终止), e.g. the applicant died or the entity was
    dissolved, with the reason on record."""
    case = lock_case(case)
    check_transition(Action.TERMINATE, case.state)
    if not policies.can_terminate(actor, case):
        raise Forbidden()
    text = require_text(reason, field="reason", message=_("请填写终止办理的理由。"))
    from_state = case.state
    case.state = State.TERMINATED
    case.outcome_reason = text
    case.paused_since = None
    case.current_step = None
    case.completed_at = timezone.now()
    case.save()
    record(
        case=case,
        action=Action.TERMINATE,
        actor=actor,
        from_state=from_state,
        role=Role.APPROVER,
        opinion=text,
        request=request,
    )
    return case


@audit_denials("cases.case.attach", target_keywords=("case",))
@transaction.atomic
def case_attach(
    *, actor: Any, case: Case, file: UploadedFile, name: str, request: HttpRequest | None = None
) -> CaseMaterial:
    """Staff add a document to the case (an inspection record, an expert's report)."""
    case = lock_case(case)
    check_transition(Action.ATTACH, case.state)
    if not (policies.can_run_procedures(actor, case) or policies.can_handle_intake(actor, case)):
        raise Forbidden()
    title = require_text(name, field="name", message=_("请填写附件名称。"))
    material = _store_one(case, file, material=None, actor=actor, name=title)
    record(
        case=case,
        action=Action.ATTACH,
        actor=actor,
        from_state=case.state,
        role="staff",
        data={"material": material.pk, "name": title},
        request=request,
    )
    return material
