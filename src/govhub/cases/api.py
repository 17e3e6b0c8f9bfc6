"""Cases API (`/api/v1/cases/`): applying, tracking and handling cases (办件).

The mobile app and the web pages' scripts use the same task-oriented endpoints: one call
submits an application with its files, one call returns everything a case screen shows
(`GET /{number}`), and every handling step is one `POST /{number}/<action>` that calls
exactly one service and answers with the updated case.

Authentication: `Authorization: Bearer <access token>` from the platform's OpenID
provider with the `openid` scope (as for the identity API), or the browser's session (with
the CSRF token for writes). Acting for an enterprise: `X-Acting-For: <USCC>` with a token
carrying the `enterprise` scope; a browser session acts for the enterprise chosen on the
pages (a header naming another one is refused).

Levels: staff need a two-factor sign-in (L2) for every call; applicants need L2 to change
anything (drafts, submission, supplements, withdrawal) and any sign-in to read. Below the
level the answer is 401 `insufficient_user_authentication` (for a token with
`WWW-Authenticate: Bearer ... acr_values="L2"`, RFC 9470); an account that can never reach
L2 (not real-name verified) gets 403 `real_name_required`.

Visibility: a case someone may not see answers 404, exactly as a case that does not exist.
Someone who sees a case but may not take an action gets 403. Errors use the platform's
envelope (`govhub.core.errors`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pydantic
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status
from ninja.security import SessionAuth

from govhub.cases import selectors, services
from govhub.cases.api_schemas import (
    AcceptIn,
    AssignIn,
    AttachmentIn,
    CaseDetailOut,
    CaseListOut,
    CaseListQuery,
    DecideIn,
    DeliverIn,
    DraftCreateIn,
    DraftSubmitIn,
    DraftUpdateIn,
    ErrorOut,
    ExtendIn,
    IssueIn,
    PublicStatusOut,
    ReasonIn,
    RejectIntakeIn,
    RequestSupplementIn,
    ResubmitIn,
    ReviewIn,
    RevisionIn,
    SpecialEndIn,
    SpecialStartIn,
    StatusQuery,
    SubmitIn,
)
from govhub.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseResult,
    CaseStep,
    Channel,
    ClockUnit,
    DeadlineChange,
    DeliveryMethod,
    SpecialProcedure,
    SupplementRequest,
)
from govhub.cases.workflow import Action, Decision, State
from govhub.catalog.models import ImplementationItem, Material
from govhub.core.audit import audit_log, client_ip
from govhub.core.errors import Conflict, Forbidden, InvalidInput, NotFound, error_body
from govhub.core.masking import mask_phone
from govhub.identity import levels
from govhub.identity import session as identity_session
from govhub.identity.api import account_auth, token_acr
from govhub.identity.models import Enterprise, User
from govhub.organizations.models import Position

router = Router(tags=["cases"])

session_auth = SessionAuth()
AUTH = [account_auth, session_auth]
# Changing anything as an applicant, and every staff call: a two-factor sign-in.
WRITE_LEVEL = levels.L2
STAFF_LEVEL = levels.L2
IDEMPOTENCY_HEADER = "Idempotency-Key"
ACTING_FOR_HEADER = "HTTP_X_ACTING_FOR"
_MATERIAL_PART = re.compile(r"material_(\d{1,12})")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,64}")
PAYLOAD_MAX_BYTES = 1024 * 1024

# The public status look-up: failed look-ups allowed per client address and window.
STATUS_FAILURES = 10
STATUS_WINDOW_SECONDS = 600

E = ErrorOut
TASK_RESPONSES: dict[int, Any] = {200: CaseDetailOut, 401: E, 403: E, 404: E, 409: E, 422: E}
CREATE_RESPONSES: dict[int, Any] = {
    200: CaseDetailOut,
    201: CaseDetailOut,
    401: E,
    403: E,
    404: E,
    409: E,
    422: E,
}
READ_RESPONSES: dict[int, Any] = {200: CaseDetailOut, 401: E, 403: E, 404: E}
FILE_RESPONSES: dict[int, Any] = {200: None, 401: E, 403: E, 404: E}

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


# --- OpenAPI fragments --------------------------------------------------------------------------


def _header(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": description,
    }


ACTING_FOR_PARAMETER = _header(
    "X-Acting-For",
    "代表企业办事时填写该企业的统一社会信用代码（访问令牌须有 enterprise 授权范围）。",
)
IDEMPOTENCY_PARAMETER = {
    **_header(
        IDEMPOTENCY_HEADER,
        "建议每次提交生成一个新的随机值（最长 64 个可见 ASCII 字符）。同一账号用同一个值"
        "再次提交（重复点击、网络重试）不会新建办件，而是返回第一次建立的办件（200）。",
    ),
    "schema": {"type": "string", "maxLength": 64},
}


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its `$defs` inlined (multipart parts are described
    inline in the OpenAPI document)."""
    definitions = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(definitions[ref.removeprefix("#/$defs/")]))
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    result: dict[str, Any] = walk(schema)
    return result


def _multipart_body(
    payload: type[pydantic.BaseModel] | None,
    *,
    payload_required: bool,
    materials: bool,
    file: str = "",
    body_required: bool = False,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`openapi_extra` for an endpoint that reads a multipart body: a JSON `payload` part,
    file parts `material_<id>` and/or one named `file`."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    if payload is not None:
        properties["payload"] = _inline_refs(payload.model_json_schema())
        if payload_required:
            required.append("payload")
    if file:
        properties["file"] = {"type": "string", "format": "binary", "description": file}
    multipart: dict[str, Any] = {"type": "object", "properties": properties}
    if materials:
        multipart["patternProperties"] = {
            r"^material_\d+$": {
                "type": "string",
                "format": "binary",
                "description": "事项申请材料 id 为 <id> 的文件（PDF、JPG、PNG 或 OFD）",
            }
        }
    if required:
        multipart["required"] = required
    content: dict[str, Any] = {
        "multipart/form-data": {
            "schema": multipart,
            "encoding": {"payload": {"contentType": "application/json"}},
        }
    }
    if payload is not None:
        content["application/json"] = {"schema": _inline_refs(payload.model_json_schema())}
    extra: dict[str, Any] = {
        "requestBody": {"required": payload_required or body_required, "content": content}
    }
    extra["parameters"] = [ACTING_FOR_PARAMETER, *(parameters or [])]
    return extra


ACTING_FOR_EXTRA: dict[str, Any] = {"parameters": [ACTING_FOR_PARAMETER]}
# Tasks whose body is optional (an empty POST is fine).
OPTIONAL_REVISION_BODY: dict[str, Any] = {
    "parameters": [ACTING_FOR_PARAMETER],
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": _inline_refs(RevisionIn.model_json_schema())}},
    },
}
FILE_EXTRA: dict[str, Any] = {
    "parameters": [ACTING_FOR_PARAMETER],
    "responses": {
        "200": {
            "description": "文件内容（Content-Disposition: attachment）",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
}


# --- The caller ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    user: User
    acting_for: Enterprise | None
    via_token: bool

    @property
    def default_channel(self) -> str:
        return Channel.MOBILE if self.via_token else Channel.WEB

    @property
    def is_staff(self) -> bool:
        return bool(self.user.is_staff_account)


def _caller(request: HttpRequest) -> Caller:
    user = request.user
    assert isinstance(user, User)
    via_token = not isinstance(getattr(request, "auth", None), User)
    if via_token:
        return Caller(user, getattr(request, "acting_for", None), True)
    enterprise = identity_session.acting_for(request)
    named = request.META.get(ACTING_FOR_HEADER, "").strip().upper()
    if named and (enterprise is None or enterprise.uscc != named):
        raise Forbidden(
            _("浏览器会话代表哪家企业办事，请在页面上选择；请求头 X-Acting-For 与之不符。"),
            code="acting_for_forbidden",
        )
    return Caller(user, enterprise, False)


def _level(request: HttpRequest, caller: Caller) -> str:
    if caller.via_token:
        return token_acr(request.auth)  # type: ignore[attr-defined]
    return identity_session.session_acr(request)


def _refusal(request: HttpRequest, caller: Caller, *, write: bool) -> HttpResponse | None:
    """None when the sign-in is strong enough; otherwise the step-up answer (401
    `insufficient_user_authentication`)."""
    needed = STAFF_LEVEL if caller.is_staff else (WRITE_LEVEL if write else "")
    if not needed or levels.level_rank(_level(request, caller)) >= levels.level_rank(needed):
        return None
    if levels.level_rank(caller.user.assurance_ceiling) < levels.level_rank(needed):
        # Signing in again would not help: the account is not real-name verified.
        raise Forbidden(_("请先完成实名认证再申请办理事项。"), code="real_name_required")
    from govhub.api import api

    message = _("此操作需要%(level)s认证：请重新登录并完成第二项验证后再试。") % {"level": needed}
    response = api.create_response(
        request, error_body("insufficient_user_authentication", message), status=401
    )
    if caller.via_token:
        response["WWW-Authenticate"] = (
            f'Bearer error="insufficient_user_authentication", acr_values="{needed}"'
        )
    return response


def guarded(*, write: bool) -> Any:
    """Handler decorator: resolve the caller (`caller_of(request)` in the handler) and
    refuse a sign-in below the level the call needs."""

    def decorator(view: Any) -> Any:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            caller = _caller(request)
            if (refusal := _refusal(request, caller, write=write)) is not None:
                return refusal
            request._cases_caller = caller  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def caller_of(request: HttpRequest) -> Caller:
    caller = getattr(request, "_cases_caller", None)
    assert isinstance(caller, Caller)
    return caller


def _visible(caller: Caller, *, number: str | None = None, case_id: int | None = None) -> Case:
    """The case, if the caller may see it (404 otherwise, as for a case that does not
    exist)."""
    case, _viewer = selectors.case_visible(
        caller.user, case_id=case_id, number=number, acting_for=caller.acting_for
    )
    return case


def _check_revision(case: Case, revision: int | None) -> None:
    """For services that take no `revision`: the caller acted on what they saw."""
    if revision is not None and revision != case.revision:
        raise Conflict(
            _("办件已被他人更新（例如已处理了当前环节），请刷新页面查看最新状态后再操作。"),
            code="stale_revision",
        )


# --- Request bodies -----------------------------------------------------------------------------


def _payload[M: pydantic.BaseModel](request: HttpRequest, schema: type[M], *, required: bool) -> M:
    """The JSON `payload` part of a multipart request (or a JSON body), validated; errors
    come out as the envelope's field errors."""
    raw: Any
    if request.content_type == "application/json":
        raw = request.body
    elif "payload" in request.FILES:
        # Some HTTP libraries send a JSON part with a file name: read it all the same.
        part = request.FILES.getlist("payload")[-1]
        assert isinstance(part, UploadedFile)
        if (part.size or 0) > PAYLOAD_MAX_BYTES:
            raise InvalidInput(fields={"payload": [_("内容太长。")]})
        raw = part.read()
    else:
        raw = request.POST.get("payload")
    if raw in (None, b"", ""):
        if required:
            message = _("此项为必填项。")
            raise InvalidInput(fields={"payload": [message]})
        raw = "{}"
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput(fields={"payload": [_("不是有效的 JSON 对象。")]}) from exc
    if not isinstance(data, dict):
        raise InvalidInput(fields={"payload": [_("不是有效的 JSON 对象。")]})
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = [
            {"loc": ("payload", *error["loc"]), "type": error["type"], "msg": error["msg"]}
            for error in exc.errors(include_url=False, include_context=False)
        ]
        raise NinjaValidationError(errors) from exc


def _files(
    request: HttpRequest, *, materials: bool, single: str = ""
) -> tuple[dict[int, UploadedFile], UploadedFile | None]:
    """File parts: `material_<id>` (when `materials`) and the one named `single`."""
    by_material: dict[int, UploadedFile] = {}
    other: UploadedFile | None = None
    for name in request.FILES:
        if name == "payload":
            continue  # the JSON part, sent as a file by some clients (`_payload`)
        uploads = request.FILES.getlist(name)
        if len(uploads) > 1:
            raise InvalidInput(fields={name: [_("每个文件部分只能有一个文件。")]})
        match = _MATERIAL_PART.fullmatch(name)
        if materials and match:
            by_material[int(match.group(1))] = uploads[0]
        elif single and name == single:
            other = uploads[0]
        else:
            raise InvalidInput(fields={name: [_("无法识别的文件部分。")]})
    return by_material, other


def _idempotency_key(request: HttpRequest) -> str | None:
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None or not raw.strip():
        return None
    key = raw.strip()
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        message = _("Idempotency-Key 最长 64 个字符，只能包含可见的 ASCII 字符。")
        raise InvalidInput(message, fields={IDEMPOTENCY_HEADER: [message]})
    return key


def earlier_submission(user: User, key: str) -> Case | None:
    """The case this account already submitted with `key` (a retried request)."""
    return (
        Case.objects.filter(submitted_by=user, idempotency_key=key)
        .exclude(state=State.DRAFT)
        .select_related("item")
        .first()
    )


def _item(code: str) -> ImplementationItem:
    from govhub.catalog.selectors import item_get_public

    try:
        return item_get_public(implementation_code=code.strip())
    except NotFound as exc:
        message = _("找不到该事项，请核对事项实施编码。")
        raise InvalidInput(message, fields={"item": [message]}) from exc


# --- Output -------------------------------------------------------------------------------------


def _labelled(value: str, label: Any) -> dict[str, str]:
    return {"value": str(value), "label": str(label)}


def _choice(choices: Any, value: str) -> dict[str, str] | None:
    if not value:
        return None
    return _labelled(value, choices(value).label if value in choices.values else value)


def _role(value: str) -> dict[str, str] | None:
    if not value:
        return None
    if value in Position.Role.values:
        return _labelled(value, Position.Role(value).label)
    if value == "applicant":
        return _labelled(value, _("申请人"))
    if value == "staff":
        return _labelled(value, _("工作人员"))
    return _labelled(value, value)


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
        status = _labelled("done", _("已完成"))
    elif step.started_on is not None:
        status = _labelled("open", _("办理中"))
    else:
        status = _labelled("waiting", _("未开始"))
    return {
        "id": step.pk,
        "position": step.position,
        "name": step.name,
        "kind": _labelled(step.kind, step.get_kind_display()),
        "role": _role(step.role) or _labelled("", ""),
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
        "source": _labelled(held.source, held.get_source_display()),
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
        "kind": _labelled(procedure.kind, kinds.get(procedure.kind, procedure.kind)),
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
        "reason": _labelled(change.reason, change.get_reason_display()),
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
        "action": _labelled(event.action, event.get_action_display()),
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
    return out


def _clock(detail: selectors.CaseDetail) -> dict[str, Any]:
    summary = detail.clock
    step = detail.case.current_step
    return {
        "unit": _choice(ClockUnit, summary.unit) or _labelled("", ""),
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
        "state": _labelled(case.state, case.get_state_display()),
        "revision": case.revision,
        "viewer": detail.viewer,
        "channel": _labelled(case.channel, case.get_channel_display()),
        "item": {
            "implementation_code": case.item.implementation_code,
            "name": version.display_name,
            "version": version.number,
            "case_kind": _labelled(version.case_kind, version.get_case_kind_display()),
            "department": {"code": case.department.code, "name": case.department.display_name},
            "region": {"code": case.region.code, "name": case.region.display_name},
        },
        "applicant": {
            "kind": _labelled(case.applicant_kind, case.get_applicant_kind_display()),
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
        "history": [_event(e, case, staff_view=staff_view) for e in detail.history],
        "actions": _actions(request, case, detail.actions),
        "url": case_url(request, case),
    }


def _detail(request: HttpRequest, caller: Caller, case: Case | int) -> dict[str, Any]:
    detail = selectors.case_detail(
        actor=caller.user,
        case_id=case.pk if isinstance(case, Case) else case,
        acting_for=caller.acting_for,
    )
    return detail_out(request, caller, detail)


def _row(request: HttpRequest, case: Case, *, staff_view: bool) -> dict[str, Any]:
    summary = selectors.case_clock(case)
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "state": _labelled(case.state, case.get_state_display()),
        "channel": _labelled(case.channel, case.get_channel_display()),
        "item_code": case.item.implementation_code,
        "department": {"code": case.department.code, "name": case.department.display_name},
        "applicant_name": case.applicant_name,
        "enterprise_name": case.enterprise_name,
        "submitted_at": case.submitted_at,
        "clock": {
            "promised_due": summary.promised_due,
            "left_days": summary.left,
            "paused": summary.paused,
            "overdue": summary.overdue,
        },
        "current_step": case.current_step.name if case.current_step is not None else "",
        "assignee": (
            case.assignee.get_full_name() if staff_view and case.assignee is not None else ""
        ),
        "url": case_url(request, case),
    }


def _public(found: selectors.PublicStatus) -> dict[str, Any]:
    return {
        "number": found.number,
        "title": found.title,
        "department": found.department,
        "state": _labelled(found.state, found.state_label),
        "submitted_at": found.submitted_at,
        "accepted_on": found.accepted_on,
        "promised_due": found.promised_due,
        "completed_at": found.completed_at,
        "applicant": found.applicant,
        "timeline": [{"occurred_at": at, "action": label} for at, label in found.timeline],
    }


# --- Downloads ----------------------------------------------------------------------------------


def record_first_download(
    result: CaseResult, *, actor: Any, request: HttpRequest | None = None
) -> bool:
    """Note when the applicant first downloaded the result (electronic delivery: the day
    the result reached them). One conditional UPDATE: a second download, or two at once,
    change nothing. Returns whether this was the first (then also audited)."""
    updated = CaseResult.objects.filter(pk=result.pk, first_downloaded_at__isnull=True).update(
        first_downloaded_at=timezone.now()
    )
    if updated:
        audit_log(
            actor=actor,
            action="cases.result.first_download",
            target=result.case,
            changes={"result": result.pk},
            request=request,
        )
    return updated == 1


def _file_response(field: Any, *, filename: str, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("文件暂时无法读取，请稍后再试或联系办理部门。")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _download_name(name: str, extension_from: str) -> str:
    stem = name.strip() or "file"
    extension = extension_from.rsplit(".", 1)[-1] if "." in extension_from else ""
    if extension and not stem.lower().endswith(f".{extension.lower()}"):
        return f"{stem}.{extension}"
    return stem


# --- The public status look-up: failures per address --------------------------------------------


def _status_keys(address: str) -> tuple[str, str]:
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:32]
    return f"cases:status:failures:{digest}", f"cases:status:since:{digest}"


def _status_limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "GOVHUB_CASE_STATUS_FAILURES", STATUS_FAILURES)),
        int(getattr(settings, "GOVHUB_CASE_STATUS_WINDOW_SECONDS", STATUS_WINDOW_SECONDS)),
    )


def status_wait(address: str, *, now: float | None = None) -> int:
    """Seconds `address` must wait before the next look-up (0: it may look up now)."""
    limit, window = _status_limits()
    count_key, since_key = _status_keys(address)
    if int(cache.get(count_key, 0)) < limit:
        return 0
    since = float(cache.get(since_key) or (now or time.time()))
    return max(1, math.ceil(since + window - (now or time.time())))


def status_failure(address: str, *, now: float | None = None) -> None:
    """Count one failed look-up from `address` (the window starts at the first)."""
    _limit, window = _status_limits()
    count_key, since_key = _status_keys(address)
    cache.add(since_key, now or time.time(), window)
    cache.add(count_key, 0, window)
    try:
        cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, window)


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    from govhub.api import api

    message = _("查询失败次数过多，请 %(minutes)s 分钟后再试。") % {
        "minutes": max(1, math.ceil(wait / 60))
    }
    response = api.create_response(request, error_body("rate_limited", message), status=429)
    response["Retry-After"] = str(wait)
    return response


# === Endpoints ==================================================================================
# Order matters: literal paths ("status", "drafts") come before "{number}".


@router.get(
    "",
    response={200: CaseListOut, 401: E, 403: E, 422: E},
    auth=AUTH,
    url_name="cases_list",
    summary="我的办件 / 工作人员办件队列",
    description=(
        "不带 `queue`：调用方作为申请人的办件（含草稿；代表企业时为该企业的办件），"
        "可按 `state` 筛选，最新在前。带 `queue`：工作人员的办件队列，按承诺办结日期最近在前，"
        "可按 `q`、`item`、`state`、`channel`、`overdue` 筛选，并附各队列的办件数 `counts`。"
        "按 `page`/`page_size` 分页；查询次数与每页条数无关。"
    ),
    openapi_extra=ACTING_FOR_EXTRA,
)
@guarded(write=False)
def case_list(request: HttpRequest, params: Query[CaseListQuery]) -> Any:
    caller = caller_of(request)
    if params.queue:
        item_id = None
        if params.item:
            found = (
                ImplementationItem.objects.filter(implementation_code=params.item)
                .values_list("pk", flat=True)
                .first()
            )
            item_id = found if found is not None else -1
        filters = selectors.QueueFilters(
            q=params.q,
            item_id=item_id,
            state=params.state or "",
            channel=params.channel or "",
            overdue=params.overdue,
        )
        rows, has_next = selectors.case_queue(
            actor=caller.user,
            queue=params.queue,
            filters=filters,
            page=params.page,
            page_size=params.page_size,
        )
        return {
            "count": None,
            "counts": selectors.queue_counts(actor=caller.user),
            "page": params.page,
            "page_size": params.page_size,
            "has_next": has_next,
            "items": [_row(request, case, staff_view=True) for case in rows],
        }
    cases: QuerySet[Case] = selectors.applicant_cases(caller.user, acting_for=caller.acting_for)
    if params.state:
        cases = cases.filter(state=params.state)
    count = cases.count()
    offset = (params.page - 1) * params.page_size
    page = (
        list(
            cases.select_related("item", "department", "current_step").order_by(
                "-created_at", "-id"
            )[offset : offset + params.page_size]
        )
        if count > offset
        else []
    )
    return {
        "count": count,
        "counts": None,
        "page": params.page,
        "page_size": params.page_size,
        "has_next": count > offset + params.page_size,
        "items": [_row(request, case, staff_view=False) for case in page],
    }


@router.post(
    "",
    response=CREATE_RESPONSES,
    auth=AUTH,
    url_name="cases_submit",
    summary="一次提交申请（含材料文件）",
    description=(
        "multipart/form-data：JSON 部分 `payload`（事项实施编码 `item`、申请表 `form_data`、"
        "渠道 `channel`，工作人员渠道另有 `applicant`、`paper_material_ids` 等），"
        "每份材料一个文件部分 `material_<材料id>`。政府部门已有的材料（如身份证）自动从源头调取，"
        "不必上传。成功返回 201 和完整的办件详情。\n\n"
        "请求头 `Idempotency-Key`（建议）：同一账号用同一个值重复提交（重复点击、网络重试）"
        "只会建立一个办件，重复的请求返回 200 和第一次建立的办件；同一个值用于另一事项返回 409 "
        "`idempotency_key_reused`。\n\n"
        "错误：申请表不符合事项表单 422（`fields` 中为 `form.<字段>`）；缺少必需材料 422 "
        "`materials_missing`（`fields` 中为 `material.<id>`，消息列出材料名称）；文件类型不受支持、"
        "扩展名与内容不符、含脚本或过大 422（`file_type_unsupported`、`file_type_mismatch`、"
        "`file_unsafe`、`file_too_large`）；未实名认证 403 `real_name_required`。"
    ),
    openapi_extra=_multipart_body(
        SubmitIn, payload_required=True, materials=True, parameters=[IDEMPOTENCY_PARAMETER]
    ),
)
@guarded(write=True)
def case_submit(request: HttpRequest) -> Any:
    caller = caller_of(request)
    payload = _payload(request, SubmitIn, required=True)
    files, _other = _files(request, materials=True)
    key = _idempotency_key(request)
    item = _item(payload.item)
    if key is not None and (earlier := earlier_submission(caller.user, key)) is not None:
        if earlier.item_id != item.pk:
            raise Conflict(
                _("该 Idempotency-Key 已用于另一项申请，请为新的申请生成新的值。"),
                code="idempotency_key_reused",
            )
        return Status(200, _detail(request, caller, earlier))
    applicant = None
    if payload.applicant is not None:
        applicant = services.ApplicantData(
            name=payload.applicant.name,
            id_number=payload.applicant.id_number,
            mobile=payload.applicant.mobile,
            uscc=payload.applicant.uscc.strip().upper(),
        )
    case = services.case_submit(
        actor=caller.user,
        channel=payload.channel or caller.default_channel,
        item=item,
        form_data=payload.form_data,
        files=files,
        idempotency_key=key,
        applicant=applicant,
        acting_for=caller.acting_for,
        paper_material_ids=payload.paper_material_ids,
        door_to_door=payload.door_to_door,
        proxy_note=payload.proxy_note,
        request=request,
    )
    return Status(201, _detail(request, caller, case))


@router.get(
    "/status",
    response={200: PublicStatusOut, 404: E, 422: E, 429: E},
    auth=None,
    url_name="cases_status",
    summary="办件进度公开查询",
    description=(
        "无需登录：办件编号加申请人身份证号码后六位（法人为统一社会信用代码后六位）。"
        "只返回脱敏信息。编号不存在与后六位不符的回答相同（404）。同一地址 10 分钟内查询失败 "
        "10 次后返回 429 `rate_limited`，`Retry-After` 头给出需等待的秒数。"
    ),
)
def case_status(request: HttpRequest, params: Query[StatusQuery]) -> Any:
    address = client_ip(request) or "unknown"
    if wait := status_wait(address):
        return _too_many(request, wait)
    found = selectors.case_public_status(number=params.number, id_tail=params.id_tail)
    if found is None:
        status_failure(address)
        raise NotFound(
            _("没有找到与办件编号和证件号码后六位相符的办件，请核对后重试。"),
            fields={"id_tail": [_("请核对办件编号和证件号码后六位。")]},
        )
    return Status(200, _public(found))


# --- Drafts -------------------------------------------------------------------------------------


@router.post(
    "/drafts",
    response={201: CaseDetailOut, 401: E, 403: E, 422: E},
    auth=AUTH,
    url_name="cases_draft_create",
    summary="新建申请草稿",
    description=(
        "草稿不校验，可以离开后再回来继续填写。省略 `form_data` 时按账号和证照库预填"
        "（来源见详情的 `prefill_sources`）。之后用 `PATCH /drafts/{id}` 保存申请表、"
        "`POST /drafts/{id}/materials` 上传材料、`POST /drafts/{id}/submit` 提交。"
    ),
    openapi_extra=ACTING_FOR_EXTRA,
)
@guarded(write=True)
def draft_create(request: HttpRequest, payload: DraftCreateIn) -> Any:
    caller = caller_of(request)
    draft = services.case_draft_save(
        actor=caller.user,
        item=_item(payload.item),
        channel=payload.channel or caller.default_channel,
        form_data=payload.form_data,
        acting_for=caller.acting_for,
        request=request,
    )
    return Status(201, _detail(request, caller, draft))


@router.get(
    "/drafts/{draft_id}",
    response=READ_RESPONSES,
    auth=AUTH,
    url_name="cases_draft_detail",
    summary="申请草稿（按 id）",
    description="与办件详情相同的内容；草稿还没有办件编号，所以按 id 查看。",
    openapi_extra=ACTING_FOR_EXTRA,
)
@guarded(write=False)
def draft_detail(request: HttpRequest, draft_id: int) -> Any:
    caller = caller_of(request)
    return _detail(request, caller, draft_id)


@router.patch(
    "/drafts/{draft_id}",
    response=TASK_RESPONSES,
    auth=AUTH,
    url_name="cases_draft_update",
    summary="保存申请草稿",
    description="整体替换草稿的申请表（不校验）。已提交的办件返回 409 `not_a_draft`。",
    openapi_extra=ACTING_FOR_EXTRA,
)
@guarded(write=True)
def draft_update(request: HttpRequest, draft_id: int, payload: DraftUpdateIn) -> Any:
    caller = caller_of(request)
    draft = _visible(caller, case_id=draft_id)
    services.case_draft_save(
        actor=caller.user,
        case=draft,
        form_data=payload.form_data,
        acting_for=caller.acting_for,
        request=request,
    )
    return _detail(request, caller, draft)


@router.post(
    "/drafts/{draft_id}/materials",
    response={201: CaseDetailOut, 401: E, 403: E, 404: E, 409: E, 422: E},
    auth=AUTH,
    url_name="cases_draft_material_upload",
    summary="上传一份申请材料",
    description=(
        "multipart/form-data，恰好一个文件部分：`material_<材料id>`（事项的申请材料，替换已上传的）"
        "或 `file`（补充文件，以文件名为名称）。用于草稿，也用于待补正的办件"
        "（按办件 id）。文件按内容检查类型（PDF、JPG、PNG、OFD），不合格返回 422。"
    ),
    openapi_extra=_multipart_body(
        None, payload_required=False, materials=True, file="补充文件", body_required=True
    ),
)
@guarded(write=True)
def draft_material_upload(request: HttpRequest, draft_id: int) -> Any:
    caller = caller_of(request)
    by_material, extra = _files(request, materials=True, single="file")
    if len(by_material) + (extra is not None) != 1:
        message = _("请上传恰好一个文件。")
        raise InvalidInput(message, fields={"file": [message]})
    draft = _visible(caller, case_id=draft_id)
    material = None
    if by_material:
        material_id, upload = next(iter(by_material.items()))
        material = Material.objects.filter(pk=material_id, version_id=draft.version_id).first()
        if material is None:
            message = _("申请材料不属于该事项。")
            raise InvalidInput(message, fields={f"material.{material_id}": [message]})
    else:
        assert extra is not None
        upload = extra
    services.case_material_upload(
        actor=caller.user,
        case=draft,
        file=upload,
        material=material,
        acting_for=caller.acting_for,
        request=request,
    )
    return Status(201, _detail(request, caller, draft))


@router.post(
    "/drafts/{draft_id}/submit",
    response=CREATE_RESPONSES,
    auth=AUTH,
    url_name="cases_draft_submit",
    summary="提交申请草稿",
    description=(
        "提交前检查申请表和材料（错误同 `POST /cases`）。可选的 JSON 部分 `payload`"
        "（或 JSON 请求体）给出最终的申请表，可选的文件部分 `material_<id>` 一并上传材料。"
        "请求头 `Idempotency-Key` 同 `POST /cases`：已用同一个值提交过时返回 200。"
    ),
    openapi_extra=_multipart_body(
        DraftSubmitIn, payload_required=False, materials=True, parameters=[IDEMPOTENCY_PARAMETER]
    ),
)
@guarded(write=True)
def draft_submit(request: HttpRequest, draft_id: int) -> Any:
    caller = caller_of(request)
    payload = _payload(request, DraftSubmitIn, required=False)
    files, _other = _files(request, materials=True)
    key = _idempotency_key(request)
    draft = _visible(caller, case_id=draft_id)
    if key is not None and draft.state != State.DRAFT and draft.idempotency_key == key:
        return Status(200, _detail(request, caller, draft))
    case = services.case_submit(
        actor=caller.user,
        channel=payload.channel or caller.default_channel,
        draft=draft,
        form_data=payload.form_data,
        files=files,
        idempotency_key=key,
        acting_for=caller.acting_for,
        request=request,
    )
    return Status(201, _detail(request, caller, case))


@router.get(
    "/drafts/{draft_id}/materials/{material_id}/file",
    response=FILE_RESPONSES,
    auth=AUTH,
    url_name="cases_draft_material_file",
    summary="下载草稿中的材料文件",
    openapi_extra=FILE_EXTRA,
)
@guarded(write=False)
def draft_material_file(request: HttpRequest, draft_id: int, material_id: int) -> Any:
    caller = caller_of(request)
    return _material_download(caller, _visible(caller, case_id=draft_id), material_id)


# --- One case -----------------------------------------------------------------------------------


@router.get(
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


def _material_download(caller: Caller, case: Case, material_id: int) -> FileResponse:
    held = CaseMaterial.objects.filter(case=case, pk=material_id).exclude(file="").first()
    staff_view = case.state != State.DRAFT and (
        selectors.staff_cases(caller.user).filter(pk=case.pk).exists()
    )
    if held is None or not (staff_view or applicant_may_see(case, held, caller.user)):
        raise NotFound(_("找不到该文件，或您无权查看。"))
    return _file_response(
        held.file,
        filename=held.original_name or _download_name(held.name, held.file.name or ""),
        content_type=held.content_type or "application/octet-stream",
    )


@router.get(
    "/{number}/materials/{material_id}/file",
    response=FILE_RESPONSES,
    auth=AUTH,
    url_name="cases_material_file",
    summary="下载办件材料文件",
    description="只有能查看该办件的人可以下载；按保存时识别的真实类型返回。",
    openapi_extra=FILE_EXTRA,
)
@guarded(write=False)
def material_file(request: HttpRequest, number: str, material_id: int) -> Any:
    caller = caller_of(request)
    return _material_download(caller, _visible(caller, number=number), material_id)


@router.get(
    "/{number}/results/{result_id}/file",
    response=FILE_RESPONSES,
    auth=AUTH,
    url_name="cases_result_file",
    summary="下载办理结果",
    description=(
        "只有能查看该办件的人可以下载。申请人第一次下载的时间记入结果的 "
        "`first_downloaded_at`（电子送达的凭据）；工作人员下载不记录。"
    ),
    openapi_extra=FILE_EXTRA,
)
@guarded(write=False)
def result_file(request: HttpRequest, number: str, result_id: int) -> Any:
    caller = caller_of(request)
    case, viewer = selectors.case_visible(
        caller.user, case_id=None, number=number, acting_for=caller.acting_for
    )
    result = CaseResult.objects.filter(case=case, pk=result_id).select_related("case").first()
    if result is None or not result.file:
        raise NotFound(_("找不到该文件，或您无权查看。"))
    if viewer == "applicant":
        record_first_download(result, actor=caller.user, request=request)
    return _file_response(
        result.file,
        filename=_download_name(result.name, result.file.name or ""),
        content_type=result.content_type or "application/octet-stream",
    )


# --- Tasks --------------------------------------------------------------------------------------


def _task(
    summary: str, description: str, *, path: str, name: str, extra: dict[str, Any] | None = None
) -> Any:
    register = router.post(
        f"/{{number}}/{path}",
        response=TASK_RESPONSES,
        auth=AUTH,
        url_name=name,
        summary=summary,
        description=description
        + "\n\n请求体可带 `revision`（详情中的修订号）：办件此后已被他人更新则返回 409 "
        "`stale_revision`。成功返回更新后的办件详情。",
        openapi_extra=extra or ACTING_FOR_EXTRA,
    )

    def decorator(view: Any) -> Any:
        return register(guarded(write=True)(view))

    return decorator


@_task(
    "受理",
    "窗口人员或审查人员受理申请：材料须齐全；时限从今天起算，生成办理环节。",
    path="accept",
    name="cases_accept",
)
def accept(request: HttpRequest, number: str, payload: AcceptIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    services.case_accept(
        actor=caller.user,
        case=case,
        opinion=payload.opinion,
        revision=payload.revision,
        request=request,
    )
    return _detail(request, caller, case)


@_task(
    "不予受理",
    "须写明理由和法律告知（依据及申请人可以采取的途径）。",
    path="reject-intake",
    name="cases_reject_intake",
)
def reject_intake(request: HttpRequest, number: str, payload: RejectIntakeIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    services.case_reject_intake(
        actor=caller.user,
        case=case,
        reason=payload.reason,
        legal_notice=payload.legal_notice,
        revision=payload.revision,
        request=request,
    )
    return _detail(request, caller, case)


@_task(
    "一次性告知补正",
    "一次列出需要补正的全部内容；计时暂停，直到申请人补正后重新提交。"
    "同一办件第二次告知会被标记（`is_repeat`）供监察。",
    path="request-supplement",
    name="cases_request_supplement",
)
def request_supplement(request: HttpRequest, number: str, payload: RequestSupplementIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    services.case_request_supplement(
        actor=caller.user,
        case=case,
        items=[item.model_dump() for item in payload.items],
        note=payload.note,
        revision=payload.revision,
        request=request,
    )
    return _detail(request, caller, case)


@_task(
    "补正后重新提交",
    "multipart/form-data：补正的材料为文件部分 `material_<材料id>`，可选的 JSON 部分 `payload`"
    "（或 JSON 请求体）带更正后的申请表 `form_data` 和 `revision`。告知中列出的材料都须在本轮"
    "补正（此处上传，或事先用 `POST /drafts/{id}/materials` 上传），否则 422 "
    "`supplement_incomplete`。",
    path="resubmit",
    name="cases_resubmit",
    extra=_multipart_body(ResubmitIn, payload_required=False, materials=True),
)
def resubmit(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    payload = _payload(request, ResubmitIn, required=False)
    files, _other = _files(request, materials=True)
    _check_revision(case, payload.revision)
    services.case_resubmit(
        actor=caller.user,
        case=case,
        files=files,
        form_data=payload.form_data,
        acting_for=caller.acting_for,
        channel=caller.default_channel,
        request=request,
    )
    return _detail(request, caller, case)


@_task(
    "认领",
    "把办件（或当前环节）放进自己的待办；已被他人认领返回 409 `already_claimed`。",
    path="claim",
    name="cases_claim",
    extra=OPTIONAL_REVISION_BODY,
)
def claim(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    payload = _payload(request, RevisionIn, required=False)
    _check_revision(case, payload.revision)
    services.case_claim(actor=caller.user, case=case, request=request)
    return _detail(request, caller, case)


@_task(
    "指派",
    "审批人员或部门管理员把办件交给具有当前环节岗位的同事（`assignee` 为其账号的 `sub`）。",
    path="assign",
    name="cases_assign",
)
def assign(request: HttpRequest, number: str, payload: AssignIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    _check_revision(case, payload.revision)
    assignee = None
    try:
        sub = uuid.UUID(payload.assignee.strip())
    except ValueError:
        sub = None
    if sub is not None:
        assignee = User.objects.filter(sub=sub, is_active=True, kind=User.Kind.STAFF).first()
    if assignee is None:
        message = _("找不到该工作人员。")
        raise InvalidInput(message, fields={"assignee": [message]})
    services.case_assign(actor=caller.user, case=case, assignee=assignee, request=request)
    return _detail(request, caller, case)


@_task(
    "审查",
    "办理当前审查环节（`step` 为环节 id），写明同意或不同意及意见；同一序号的环节"
    "（联合审查）都办完后进入下一环节。",
    path="review",
    name="cases_review",
)
def review(request: HttpRequest, number: str, payload: ReviewIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    _check_revision(case, payload.revision)
    services.case_review(
        actor=caller.user,
        case=case,
        step=payload.step,
        outcome=payload.outcome,
        opinion=payload.opinion,
        request=request,
    )
    return _detail(request, caller, case)


@_task(
    "启动特别程序",
    "听证、专家评审、现场核查、检验检测等：特别程序期间计时暂停。",
    path="special-procedures",
    name="cases_special_start",
)
def special_start(request: HttpRequest, number: str, payload: SpecialStartIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    _check_revision(case, payload.revision)
    services.case_special_start(
        actor=caller.user,
        case=case,
        kind=payload.kind,
        name=payload.name,
        reason=payload.reason,
        limit_value=payload.limit_value,
        limit_unit=payload.limit_unit,
        request=request,
    )
    return _detail(request, caller, case)


@_task(
    "结束特别程序",
    "写明结论；恢复计时，暂停的天数不计入时限。",
    path="special-procedures/end",
    name="cases_special_end",
)
def special_end(request: HttpRequest, number: str, payload: SpecialEndIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    _check_revision(case, payload.revision)
    services.case_special_end(actor=caller.user, case=case, result=payload.result, request=request)
    return _detail(request, caller, case)


@_task(
    "延长办理时限",
    "部门审批人员批准延期（1–60 天），写明理由；办结日期随之顺延并记入时限变更记录。",
    path="extend",
    name="cases_extend",
)
def extend(request: HttpRequest, number: str, payload: ExtendIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    _check_revision(case, payload.revision)
    services.case_extend(
        actor=caller.user, case=case, days=payload.days, reason=payload.reason, request=request
    )
    return _detail(request, caller, case)


@_task(
    "作出决定",
    "准予或不予，写明理由；不予决定须告知救济途径（默认用事项指南中的行政复议、行政诉讼途径）。",
    path="decide",
    name="cases_decide",
)
def decide(request: HttpRequest, number: str, payload: DecideIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    services.case_decide(
        actor=caller.user,
        case=case,
        decision=payload.decision,
        reason=payload.reason,
        remedy=payload.remedy,
        revision=payload.revision,
        request=request,
    )
    return _detail(request, caller, case)


@_task(
    "出具办理结果",
    "multipart/form-data：可选的文件部分 `file`（盖章的结果文件，PDF 等）；省略时生成决定书 PDF。"
    "可选的 JSON 部分 `payload`（或 JSON 请求体）带结果名称 `name` 和 `revision`。",
    path="issue",
    name="cases_issue",
    extra=_multipart_body(IssueIn, payload_required=False, materials=False, file="结果文件"),
)
def issue(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    payload = _payload(request, IssueIn, required=False)
    _by_material, upload = _files(request, materials=False, single="file")
    _check_revision(case, payload.revision)
    services.case_issue(
        actor=caller.user,
        case=case,
        file=upload,
        name=payload.name,
        base_url=request.build_absolute_uri("/"),
        request=request,
    )
    return _detail(request, caller, case)


@_task(
    "送达",
    "窗口领取和电子送达当即办结；邮寄送达须有地址（默认申请表中的），"
    "确认签收后用 `complete` 办结。",
    path="deliver",
    name="cases_deliver",
)
def deliver(request: HttpRequest, number: str, payload: DeliverIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    _check_revision(case, payload.revision)
    services.case_deliver(
        actor=caller.user,
        case=case,
        method=payload.method,
        address=payload.address,
        tracking_number=payload.tracking_number,
        request=request,
    )
    return _detail(request, caller, case)


@_task(
    "办结",
    "确认邮寄的结果已签收，办件办结。",
    path="complete",
    name="cases_complete",
    extra=OPTIONAL_REVISION_BODY,
)
def complete(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    payload = _payload(request, RevisionIn, required=False)
    _check_revision(case, payload.revision)
    services.case_complete(actor=caller.user, case=case, request=request)
    return _detail(request, caller, case)


@_task(
    "撤回申请",
    "申请人在作出决定前撤回申请，写明原因。",
    path="withdraw",
    name="cases_withdraw",
)
def withdraw(request: HttpRequest, number: str, payload: ReasonIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    _check_revision(case, payload.revision)
    services.case_withdraw(
        actor=caller.user,
        case=case,
        reason=payload.reason,
        acting_for=caller.acting_for,
        channel=caller.default_channel,
        request=request,
    )
    return _detail(request, caller, case)


@_task(
    "终止办理",
    "部门审批人员终止办理（如申请人死亡、单位注销），写明理由。",
    path="terminate",
    name="cases_terminate",
)
def terminate(request: HttpRequest, number: str, payload: ReasonIn) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    _check_revision(case, payload.revision)
    services.case_terminate(actor=caller.user, case=case, reason=payload.reason, request=request)
    return _detail(request, caller, case)


@_task(
    "添加附件",
    "multipart/form-data：文件部分 `file`，JSON 部分 `payload` 带附件名称 `name`（如 现场核查记录）"
    "和 `revision`。附件只对工作人员可见。",
    path="attachments",
    name="cases_attach",
    extra=_multipart_body(
        AttachmentIn, payload_required=True, materials=False, file="附件文件", body_required=True
    ),
)
def attach(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    case = _visible(caller, number=number)
    payload = _payload(request, AttachmentIn, required=True)
    _by_material, upload = _files(request, materials=False, single="file")
    if upload is None:
        message = _("请选择要上传的文件。")
        raise InvalidInput(message, fields={"file": [message]})
    _check_revision(case, payload.revision)
    services.case_attach(
        actor=caller.user, case=case, file=upload, name=payload.name, request=request
    )
    return _detail(request, caller, case)


__all__ = ["router"]
