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

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from govhub.cases import policies
from govhub.cases.models import (
    Case,
    CaseStep,
    DeadlineChange,
    SupplementRequest,
)
from govhub.cases.service_support import (
    lock_case,
    pause,
    record,
    require_text,
    set_deadlines,
    start_step,
    today,
)
from govhub.cases.workflow import Action, State, check_transition
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
    steps: list[CaseStep] = []
    position = 0
    for entry in _step_plan(case, version):
        if not entry.pop("parallel", False) or not steps or steps[-1].kind != entry["kind"]:
            position += 1
        steps.append(CaseStep(case=case, position=position, **entry))
    return CaseStep.objects.bulk_create(steps)


def open_steps_at(case: Case, position: int) -> list[CaseStep]:
    return list(case.steps.select_for_update().filter(position=position, finished_at__isnull=True))


def start_position(case: Case, position: int) -> CaseStep | None:
    steps = list(case.steps.filter(position=position).order_by("id"))
    for step in steps:
        start_step(step, on=today())
    return steps[0] if steps else None


def current_position(case: Case) -> int | None:
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
    from govhub.cases.intake_support import missing_materials

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
    case.set_current_step(start_position(case, 1))
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
        or any(policies.can_act_on_step(actor, s) for s in open_steps_at(case, step.position))
    )


@audit_denials("cases.case.claim", target_keywords=("case",))
@transaction.atomic
def case_claim(
    *, actor: Any, case: Case, revision: int | None = None, request: HttpRequest | None = None
) -> Case:
    """Take the case (or the current step) into one's own queue."""
    case = lock_case(case, revision=revision)
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
    steps = open_steps_at(case, case.current_step.position)
    for step in steps:
        if policies.can_act_on_step(actor, step):
            return step
    return steps[0] if steps else None


@audit_denials("cases.case.assign", target_keywords=("case",))
@transaction.atomic
def case_assign(
    *,
    actor: Any,
    case: Case,
    assignee: Any,
    revision: int | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """An approver or department administrator hands the case to a colleague who holds the
    role its current step needs."""
    case = lock_case(case, revision=revision)
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
