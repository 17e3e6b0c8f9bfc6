"""Cases API: the case screen (`GET /{number}`), everything one screen shows in one call.

`detail_out` turns the selector's `CaseDetail` into `CaseDetailOut` for the caller (staff
see opinions, officials and internal attachments; applicants do not); every endpoint that
changes a case answers with it (`detail_of`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from govhub.cases import selectors
from govhub.cases.api_auth import AUTH, Caller, caller_of, guarded
from govhub.cases.api_routes import ACTING_FOR_EXTRA, READ_RESPONSES, endpoint
from govhub.cases.models import (
    Case,
    CaseEvent,
    CaseFee,
    CaseMaterial,
    CaseResult,
    CaseStep,
    Channel,
    DeadlineChange,
    DeliveryMethod,
    SpecialProcedure,
    SupplementRequest,
)
from govhub.cases.workflow import Action, Decision, State
from govhub.catalog.models import TimeUnit
from govhub.core.masking import mask_phone
from govhub.organizations.models import Position

# The endpoint of each workflow action, below `/{number}/`.
ACTION_PATHS: dict[str, str] = {
    Action.ACCEPT: "accept",
    Action.REJECT_INTAKE: "reject-intake",
    Action.REQUEST_SUPPLEMENT: "request-supplement",
    Action.RESUBMIT: "resubmit",
    Action.CLAIM: "claim",
    Action.ASSIGN: "assign",
    Action.REVIEW: "review",
    Action.START_SPECIAL: "special-procedures",
    Action.END_SPECIAL: "special-procedures/end",
    Action.EXTEND: "extend",
    Action.DECIDE: "decide",
    Action.ISSUE: "issue",
    Action.DELIVER: "deliver",
    Action.COMPLETE: "complete",
    Action.WITHDRAW: "withdraw",
    Action.TERMINATE: "terminate",
    Action.ATTACH: "attachments",
}


def labelled(value: str, label: Any) -> dict[str, str]:
    return {"value": str(value), "label": str(label)}


def _choice(choices: Any, value: str) -> dict[str, str] | None:
    if not value:
        return None
    return labelled(value, choices(value).label if value in choices.values else value)


def _role(value: str) -> dict[str, str] | None:
    if not value:
        return None
    if value in Position.Role.values:
        return labelled(value, Position.Role(value).label)
    if value == "applicant":
        return labelled(value, _("申请人"))
    if value == "staff":
        return labelled(value, _("工作人员"))
    return labelled(value, value)


def _person(user: Any, *, staff_view: bool) -> dict[str, Any] | None:
    if user is None or not staff_view:
        return None
    return {"sub": str(user.sub), "name": user.get_full_name()}


def _absolute(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return request.build_absolute_uri(reverse(f"api-v1:{name}", kwargs=kwargs))


def case_url(request: HttpRequest, case: Case) -> str:
    if case.number:
        return _absolute(request, "cases_detail", number=case.number)
    return _absolute(request, "cases_draft_detail", draft_id=case.pk)


def _material_url(request: HttpRequest, case: Case, held: CaseMaterial) -> str | None:
    if not held.file:
        return None
    if case.number:
        return _absolute(request, "cases_material_file", number=case.number, material_id=held.pk)
    return _absolute(request, "cases_draft_material_file", draft_id=case.pk, material_id=held.pk)


def applicant_may_see(case: Case, held: CaseMaterial, user: Any) -> bool:
    """Applicants see every material but staff attachments (inspection records, expert
    reports), which are internal."""
    return not held.is_internal


def _step(step: CaseStep, *, staff_view: bool) -> dict[str, Any]:
    if step.finished_at is not None:
        status = labelled("done", _("已完成"))
    elif step.started_on is not None:
        status = labelled("open", _("办理中"))
    else:
        status = labelled("waiting", _("未开始"))
    return {
        "id": step.pk,
        "position": step.position,
        "name": step.name,
        "kind": labelled(step.kind, step.get_kind_display()),
        "role": _role(step.role) or labelled("", ""),
        "department": {"code": step.department.code, "name": step.department.display_name},
        "status": status,
        "started_on": step.started_on,
        "due_on": step.due_on,
        "finished_at": step.finished_at,
        "outcome": _choice(CaseStep.Outcome, step.outcome) if staff_view else None,
        "opinion": step.opinion if staff_view else "",
        "acted_by": _person(step.acted_by, staff_view=staff_view),
        "assignee": _person(step.assignee, staff_view=staff_view),
    }


def _held(request: HttpRequest, case: Case, held: CaseMaterial) -> dict[str, Any]:
    return {
        "id": held.pk,
        "name": held.name,
        "source": labelled(held.source, held.get_source_display()),
        "original_name": held.original_name,
        "content_type": held.content_type,
        "size": held.size,
        "sha256": held.sha256,
        "source_reference": held.source_reference,
        "supplement_round": held.supplement_round,
        "uploaded_at": held.uploaded_at,
        "download_url": _material_url(request, case, held),
    }


def _supplement(supplement: SupplementRequest) -> dict[str, Any]:
    return {
        "id": supplement.pk,
        "items": [
            {
                "material_id": row.get("material_id"),
                "name": str(row.get("name", "")),
                "reason": str(row.get("reason", "")),
            }
            for row in supplement.items or []
        ],
        "note": supplement.note,
        "requested_at": supplement.requested_at,
        "resolved_at": supplement.resolved_at,
        "is_repeat": supplement.is_repeat,
    }


def _procedure(procedure: SpecialProcedure) -> dict[str, Any]:
    kinds = {
        "hearing": _("听证"),
        "expert_review": _("专家评审"),
        "inspection": _("现场核查"),
        "testing": _("检验检测"),
        "other": _("其他"),
    }
    return {
        "id": procedure.pk,
        "kind": labelled(procedure.kind, kinds.get(procedure.kind, procedure.kind)),
        "name": procedure.name,
        "reason": procedure.reason,
        "limit_value": procedure.limit_value,
        "limit_unit": procedure.limit_unit,
        "started_on": procedure.started_on,
        "due_on": procedure.due_on,
        "ended_on": procedure.ended_on,
        "result": procedure.result,
    }


def _deadline(change: DeadlineChange) -> dict[str, Any]:
    return {
        "reason": labelled(change.reason, change.get_reason_display()),
        "note": change.note,
        "promised_due_before": change.promised_due_before,
        "promised_due": change.promised_due,
        "legal_due_before": change.legal_due_before,
        "legal_due": change.legal_due,
        "excluded_days": change.excluded_days,
        "occurred_at": change.occurred_at,
    }


def _event(event: CaseEvent, case: Case, *, staff_view: bool) -> dict[str, Any]:
    actor = event.actor_label
    if not staff_view and event.role != "applicant":
        # Applicants are told which department acted, not which official.
        actor = case.department.display_name
    return {
        "id": event.pk,
        "action": labelled(event.action, event.get_action_display()),
        "from_state": _choice(State, event.from_state),
        "to_state": _choice(State, event.to_state),
        "actor": actor,
        "role": _role(event.role),
        "channel": _choice(Channel, event.channel),
        "on_behalf_of": event.on_behalf_of,
        "step": event.step.name if event.step is not None else "",
        "opinion": event.opinion,
        "occurred_at": event.occurred_at,
    }


def _result(request: HttpRequest, case: Case, result: CaseResult) -> dict[str, Any]:
    return {
        "id": result.pk,
        "name": result.name,
        "content_type": result.content_type,
        "size": result.size,
        "sha256": result.sha256,
        "issued_at": result.issued_at,
        "first_downloaded_at": result.first_downloaded_at,
        "download_url": _absolute(
            request, "cases_result_file", number=case.number or "-", result_id=result.pk
        ),
    }


def _fee(fee: CaseFee, *, staff_view: bool) -> dict[str, Any]:
    return {
        "id": fee.pk,
        "name": fee.name,
        "amount": f"{fee.amount:.2f}",
        "catalogue_name": fee.catalogue_name,
        "recorded_at": fee.recorded_at,
        "recorded_by": _person(fee.recorded_by, staff_view=staff_view),
    }


def _actions(request: HttpRequest, case: Case, actions: list[str]) -> list[dict[str, Any]]:
    out = []
    for action in actions:
        if case.number and action in ACTION_PATHS:
            url = f"{case_url(request, case)}/{ACTION_PATHS[action]}"
        elif not case.number and action == Action.SUBMIT:
            url = _absolute(request, "cases_draft_submit", draft_id=case.pk)
        else:
            continue
        out.append(
            {"action": action, "label": str(Action(action).label), "method": "POST", "url": url}
        )
        if not case.number and action == Action.SUBMIT:  # who may submit a draft may discard it
            out.append(
                {
                    "action": "discard",
                    "label": _("放弃草稿"),
                    "method": "DELETE",
                    "url": _absolute(request, "cases_draft_discard", draft_id=case.pk),
                }
            )
    return out


def _clock(detail: selectors.CaseDetail) -> dict[str, Any]:
    summary = detail.clock
    step = detail.case.current_step
    return {
        "unit": _choice(TimeUnit, summary.unit) or labelled("", ""),
        "accepted_on": summary.accepted_on,
        "used_days": summary.used,
        "left_days": summary.left,
        "promised_due": summary.promised_due,
        "legal_due": summary.legal_due,
        "paused": summary.paused,
        "paused_since": summary.paused_since,
        "excluded_days": summary.excluded,
        "overdue": summary.overdue,
        "provisional": summary.provisional,
        "step_due": step.due_on if step is not None else None,
    }


def detail_out(
    request: HttpRequest, caller: Caller, detail: selectors.CaseDetail
) -> dict[str, Any]:
    """The case screen, as `CaseDetailOut`."""
    case = detail.case
    staff_view = detail.viewer == "staff"
    steps = {step.pk: _step(step, staff_view=staff_view) for step in detail.steps}
    materials = []
    missing = []
    for row in detail.materials:
        held = [h for h in row.held if staff_view or applicant_may_see(case, h, caller.user)]
        if not held and row.material_id is None:
            continue
        if row.required and not held:
            missing.append(row.name)
        materials.append(
            {
                "material_id": row.material_id,
                "name": row.name,
                "required": row.required,
                "provided": bool(held),
                "held": [_held(request, case, h) for h in held],
            }
        )
    enterprise = (
        {"uscc": case.enterprise_uscc, "name": case.enterprise_name}
        if case.enterprise_uscc
        else None
    )
    version = case.version
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "state": labelled(case.state, case.get_state_display()),
        "revision": case.revision,
        "viewer": detail.viewer,
        "channel": labelled(case.channel, case.get_channel_display()),
        "item": {
            "implementation_code": case.item.implementation_code,
            "name": version.display_name,
            "version": version.number,
            "case_kind": labelled(version.case_kind, version.get_case_kind_display()),
            "department": {"code": case.department.code, "name": case.department.display_name},
            "region": {"code": case.region.code, "name": case.region.display_name},
        },
        "applicant": {
            "kind": labelled(case.applicant_kind, case.get_applicant_kind_display()),
            "name": case.applicant_name,
            "masked_id_number": case.masked_id_number,
            "mobile": case.applicant_mobile if staff_view else mask_phone(case.applicant_mobile),
            "enterprise": enterprise,
        },
        "door_to_door": case.door_to_door,
        "created_at": case.created_at,
        "submitted_at": case.submitted_at,
        "form_data": case.form_data or {},
        "form_schema": version.form_schema or {},
        "prefill_sources": {str(k): str(v) for k, v in (case.prefill_sources or {}).items()},
        "clock": _clock(detail),
        "deadlines": [_deadline(change) for change in detail.deadlines],
        "current_step": steps.get(case.current_step_id) if case.current_step_id else None,
        "assignee": _person(case.assignee, staff_view=staff_view),
        "steps": list(steps.values()),
        "materials": materials,
        "missing_materials": missing,
        "open_supplement": _supplement(detail.open_supplement) if detail.open_supplement else None,
        "supplements": [_supplement(s) for s in detail.supplements],
        "special_procedures": [_procedure(p) for p in detail.procedures],
        "outcome": {
            "decision": _choice(Decision, case.decision),
            "decision_reason": case.decision_reason,
            "remedy": case.remedy,
            "outcome_reason": case.outcome_reason,
            "decided_at": case.decided_at,
            "completed_at": case.completed_at,
        },
        "delivery": {
            "method": _choice(DeliveryMethod, case.delivery_method),
            "address": case.delivery_address,
            "tracking_number": case.tracking_number,
        },
        "results": [_result(request, case, r) for r in detail.results],
        "fees": [_fee(fee, staff_view=staff_view) for fee in detail.fees],
        "history": [_event(e, case, staff_view=staff_view) for e in detail.history],
        "actions": _actions(request, case, detail.actions),
        "url": case_url(request, case),
    }


def receipt_of(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The short answer to a submission (`CaseReceiptOut`): what was filed, and where."""
    return {
        "id": case.pk,
        "number": case.number,
        "state": labelled(case.state, case.get_state_display()),
        "revision": case.revision,
        "submitted_at": case.submitted_at,
        "url": case_url(request, case),
    }


def detail_of(request: HttpRequest, caller: Caller, case: Case | int) -> dict[str, Any]:
    """The case screen of `case` (or of the case with this id), as the caller sees it now."""
    detail = selectors.case_detail(
        actor=caller.user,
        case_id=case.pk if isinstance(case, Case) else case,
        acting_for=caller.acting_for,
    )
    return detail_out(request, caller, detail)


@endpoint(
    "GET",
    "/{number}",
    response=READ_RESPONSES,
    auth=AUTH,
    url_name="cases_detail",
    summary="办件详情（一个页面所需的全部内容）",
    description=(
        "办件、申请人（身份证号码脱敏）、事项及版本、状态、时限（已用、剩余、承诺和法定办结日期、"
        "暂停、超期）及其变更记录、办理环节及意见、按申请材料列出的已有文件（来源、下载地址）、"
        "待补正内容、特别程序、办理记录（申请人只看到与其相关的）、办理结果（下载地址），"
        "以及调用方现在可以执行的操作 `actions`（每项带接口地址）。"
        "无权查看的办件与不存在的办件一样返回 404。"
    ),
    openapi_extra=ACTING_FOR_EXTRA,
)
@guarded(write=False)
def case_detail(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    detail = selectors.case_detail(actor=caller.user, number=number, acting_for=caller.acting_for)
    return detail_out(request, caller, detail)
