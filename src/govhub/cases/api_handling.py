"""Cases API: handling a case, one `POST /{number}/<action>` per step (accepting, reviewing,
deciding, issuing, delivering ...). Each calls exactly one service and answers with the
updated case; the services check who may take the step.

The steps differ only in their body and the service they call, so they are a table
(`TASKS`): `handling_endpoint` turns each row into the endpoint `cases.api` adds to the
router. A handler finds the case the caller may see (404 otherwise), reads the body,
compares the `revision` the caller saw (unless the service does that itself), calls the
row's service and returns the case screen (`detail_of`).
"""

from __future__ import annotations

import enum
import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _

from govhub.cases import services
from govhub.cases.api_auth import Caller, caller_of, check_revision, visible_case
from govhub.cases.api_bodies import OPTIONAL_REVISION_BODY, multipart_body, read_files, read_payload
from govhub.cases.api_detail import detail_of
from govhub.cases.api_routes import Endpoint, task
from govhub.cases.api_schemas import (
    AcceptIn,
    AssignIn,
    AttachmentIn,
    DecideIn,
    DeliverIn,
    ExtendIn,
    IssueIn,
    ReasonIn,
    RejectIntakeIn,
    RequestSupplementIn,
    ReviewIn,
    RevisionIn,
    SpecialEndIn,
    SpecialStartIn,
)
from govhub.cases.models import Case
from govhub.core.errors import InvalidInput
from govhub.identity.models import User


class Body(enum.Enum):
    """How a step's request body comes."""

    JSON = "json"  # a JSON body, validated by Ninja against the row's schema
    OPTIONAL_JSON = "optional_json"  # an optional JSON body: an empty POST is fine
    MULTIPART = "multipart"  # a JSON `payload` part (or a JSON body) and a file part `file`


@dataclass(frozen=True)
class Handled[B: RevisionIn]:
    """What a step's service call gets: the request, who calls, the case they may see, the
    validated body and (multipart steps) the file."""

    request: HttpRequest
    caller: Caller
    case: Case
    payload: B
    file: UploadedFile | None

    @property
    def actor(self) -> User:
        return self.caller.user

    @property
    def required_file(self) -> UploadedFile:
        """The file of a step that requires one (the handler has refused a call without)."""
        assert self.file is not None
        return self.file


@dataclass(frozen=True)
class HandlingTask[B: RevisionIn]:
    """One handling step: `POST /{number}/<path>`.

    `name` is the handler's name: the operation id is `govhub_cases_api_<name>` (see
    `cases.api`) and the URL name `cases_<name>`. `perform` calls the step's service.
    `service_checks_revision`: the service takes the body's `revision` and compares it under
    its row lock, so the handler does not. A multipart step with `required` needs both the
    `payload` part and the file."""

    name: str
    path: str
    summary: str
    description: str
    body: type[B]
    perform: Callable[[Handled[B]], object]
    body_in: Body = Body.JSON
    file: str = ""
    required: bool = False
    service_checks_revision: bool = False

    def openapi_extra(self) -> dict[str, Any] | None:
        if self.body_in is Body.OPTIONAL_JSON:
            return OPTIONAL_REVISION_BODY
        if self.body_in is Body.MULTIPART:
            return multipart_body(
                self.body,
                payload_required=self.required,
                materials=False,
                file=self.file,
                body_required=self.required,
            )
        return None  # the endpoint's default: the `X-Acting-For` header


def handling_endpoint(spec: HandlingTask[Any]) -> Endpoint:
    """The endpoint of one row of `TASKS`."""

    def handler(request: HttpRequest, number: str, payload: RevisionIn | None = None) -> Any:
        caller = caller_of(request)
        case = visible_case(caller, number=number)
        upload: UploadedFile | None = None
        if spec.body_in is not Body.JSON:
            payload = read_payload(request, spec.body, required=spec.required)
        if spec.body_in is Body.MULTIPART:
            _by_material, upload = read_files(request, materials=False, single="file")
            if upload is None and spec.required:
                message = _("请选择要上传的文件。")
                raise InvalidInput(message, fields={"file": [message]})
        assert payload is not None
        if not spec.service_checks_revision:
            check_revision(case, payload.revision)
        spec.perform(Handled(request, caller, case, payload, upload))
        return detail_of(request, caller, case)

    # Ninja reads the parameters from the signature: `payload` is the JSON body it
    # validates; the other bodies are read by the handler (and described by
    # `openapi_extra`).
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [
        inspect.Parameter("request", positional, annotation=HttpRequest),
        inspect.Parameter("number", positional, annotation=str),
    ]
    if spec.body_in is Body.JSON:
        parameters.append(inspect.Parameter("payload", positional, annotation=spec.body))
    handler.__signature__ = inspect.Signature(parameters, return_annotation=Any)  # type: ignore[attr-defined]
    handler.__name__ = handler.__qualname__ = spec.name
    handler.__doc__ = None
    return task(
        spec.summary,
        spec.description,
        path=spec.path,
        name=f"cases_{spec.name}",
        extra=spec.openapi_extra(),
    )(handler)


def _assign(step: Handled[AssignIn]) -> object:
    assignee = None
    try:
        sub = uuid.UUID(step.payload.assignee.strip())
    except ValueError:
        sub = None
    if sub is not None:
        assignee = User.objects.filter(sub=sub, is_active=True, kind=User.Kind.STAFF).first()
    if assignee is None:
        message = _("找不到该工作人员。")
        raise InvalidInput(message, fields={"assignee": [message]})
    return services.case_assign(
        actor=step.actor, case=step.case, assignee=assignee, request=step.request
    )


# The steps, in the order of the OpenAPI document (`cases.api.ENDPOINTS` sets it).
TASKS = (
    HandlingTask(
        name="accept",
        path="accept",
        summary="受理",
        description="窗口人员或审查人员受理申请：材料须齐全；时限从今天起算，生成办理环节。",
        body=AcceptIn,
        service_checks_revision=True,
        perform=lambda s: services.case_accept(
            actor=s.actor,
            case=s.case,
            opinion=s.payload.opinion,
            revision=s.payload.revision,
            request=s.request,
        ),
    ),
    HandlingTask(
        name="reject_intake",
        path="reject-intake",
        summary="不予受理",
        description="须写明理由和法律告知（依据及申请人可以采取的途径）。",
        body=RejectIntakeIn,
        service_checks_revision=True,
        perform=lambda s: services.case_reject_intake(
            actor=s.actor,
            case=s.case,
            reason=s.payload.reason,
            legal_notice=s.payload.legal_notice,
            revision=s.payload.revision,
            request=s.request,
        ),
    ),
    HandlingTask(
        name="request_supplement",
        path="request-supplement",
        summary="一次性告知补正",
        description="一次列出需要补正的全部内容；计时暂停，直到申请人补正后重新提交。"
        "同一办件第二次告知会被标记（`is_repeat`）供监察。",
        body=RequestSupplementIn,
        service_checks_revision=True,
        perform=lambda s: services.case_request_supplement(
            actor=s.actor,
            case=s.case,
            items=[item.model_dump() for item in s.payload.items],
            note=s.payload.note,
            revision=s.payload.revision,
            request=s.request,
        ),
    ),
    HandlingTask(
        name="claim",
        path="claim",
        summary="认领",
        description="把办件（或当前环节）放进自己的待办；已被他人认领返回 409 `already_claimed`。",
        body=RevisionIn,
        body_in=Body.OPTIONAL_JSON,
        perform=lambda s: services.case_claim(actor=s.actor, case=s.case, request=s.request),
    ),
    HandlingTask(
        name="assign",
        path="assign",
        summary="指派",
        description="审批人员或部门管理员把办件交给具有当前环节岗位的同事"
        "（`assignee` 为其账号的 `sub`）。",
        body=AssignIn,
        perform=_assign,
    ),
    HandlingTask(
        name="review",
        path="review",
        summary="审查",
        description="办理当前审查环节（`step` 为环节 id），写明同意或不同意及意见；同一序号的环节"
        "（联合审查）都办完后进入下一环节。",
        body=ReviewIn,
        perform=lambda s: services.case_review(
            actor=s.actor,
            case=s.case,
            step=s.payload.step,
            outcome=s.payload.outcome,
            opinion=s.payload.opinion,
            request=s.request,
        ),
    ),
    HandlingTask(
        name="special_start",
        path="special-procedures",
        summary="启动特别程序",
        description="听证、专家评审、现场核查、检验检测等：特别程序期间计时暂停。",
        body=SpecialStartIn,
        perform=lambda s: services.case_special_start(
            actor=s.actor,
            case=s.case,
            kind=s.payload.kind,
            name=s.payload.name,
            reason=s.payload.reason,
            limit_value=s.payload.limit_value,
            limit_unit=s.payload.limit_unit,
            request=s.request,
        ),
    ),
    HandlingTask(
        name="special_end",
        path="special-procedures/end",
        summary="结束特别程序",
        description="写明结论；恢复计时，暂停的天数不计入时限。",
        body=SpecialEndIn,
        perform=lambda s: services.case_special_end(
            actor=s.actor, case=s.case, result=s.payload.result, request=s.request
        ),
    ),
    HandlingTask(
        name="extend",
        path="extend",
        summary="延长办理时限",
        description="部门审批人员批准延期（1–60 天），写明理由；"
        "办结日期随之顺延并记入时限变更记录。",
        body=ExtendIn,
        perform=lambda s: services.case_extend(
            actor=s.actor,
            case=s.case,
            days=s.payload.days,
            reason=s.payload.reason,
            request=s.request,
        ),
    ),
    HandlingTask(
        name="decide",
        path="decide",
        summary="作出决定",
        description="准予或不予，写明理由；不予决定须告知救济途径"
        "（默认用事项指南中的行政复议、行政诉讼途径）。",
        body=DecideIn,
        service_checks_revision=True,
        perform=lambda s: services.case_decide(
            actor=s.actor,
            case=s.case,
            decision=s.payload.decision,
            reason=s.payload.reason,
            remedy=s.payload.remedy,
            revision=s.payload.revision,
            request=s.request,
        ),
    ),
    HandlingTask(
        name="issue",
        path="issue",
        summary="出具办理结果",
        description="multipart/form-data：可选的文件部分 `file`（盖章的结果文件，PDF 等）；"
        "省略时生成决定书 PDF。可选的 JSON 部分 `payload`（或 JSON 请求体）带结果名称 `name`、"
        "实收费用 `fees`（`[{name, amount}]`，金额单位元，不小于 0，最多两位小数）和 `revision`。",
        body=IssueIn,
        body_in=Body.MULTIPART,
        file="结果文件",
        perform=lambda s: services.case_issue(
            actor=s.actor,
            case=s.case,
            file=s.file,
            name=s.payload.name,
            base_url=s.request.build_absolute_uri("/"),
            fees=[fee.model_dump() for fee in s.payload.fees],
            request=s.request,
        ),
    ),
    HandlingTask(
        name="deliver",
        path="deliver",
        summary="送达",
        description="窗口领取和电子送达当即办结；邮寄送达须有地址（默认申请表中的），"
        "确认签收后用 `complete` 办结。",
        body=DeliverIn,
        perform=lambda s: services.case_deliver(
            actor=s.actor,
            case=s.case,
            method=s.payload.method,
            address=s.payload.address,
            tracking_number=s.payload.tracking_number,
            request=s.request,
        ),
    ),
    HandlingTask(
        name="complete",
        path="complete",
        summary="办结",
        description="确认邮寄的结果已签收，办件办结。",
        body=RevisionIn,
        body_in=Body.OPTIONAL_JSON,
        perform=lambda s: services.case_complete(actor=s.actor, case=s.case, request=s.request),
    ),
    HandlingTask(
        name="terminate",
        path="terminate",
        summary="终止办理",
        description="部门审批人员终止办理（如申请人死亡、单位注销），写明理由。",
        body=ReasonIn,
        perform=lambda s: services.case_terminate(
            actor=s.actor, case=s.case, reason=s.payload.reason, request=s.request
        ),
    ),
    HandlingTask(
        name="attach",
        path="attachments",
        summary="添加附件",
        description="multipart/form-data：文件部分 `file`，JSON 部分 `payload` 带附件名称 `name`"
        "（如 现场核查记录）和 `revision`。附件只对工作人员可见。",
        body=AttachmentIn,
        body_in=Body.MULTIPART,
        file="附件文件",
        required=True,
        perform=lambda s: services.case_attach(
            actor=s.actor, case=s.case, file=s.required_file, name=s.payload.name, request=s.request
        ),
    ),
)

ENDPOINTS: dict[str, Endpoint] = {spec.name: handling_endpoint(spec) for spec in TASKS}

# One name per step: `cases.api` lists them in the order the router matches paths.
accept = ENDPOINTS["accept"]
reject_intake = ENDPOINTS["reject_intake"]
request_supplement = ENDPOINTS["request_supplement"]
claim = ENDPOINTS["claim"]
assign = ENDPOINTS["assign"]
review = ENDPOINTS["review"]
special_start = ENDPOINTS["special_start"]
special_end = ENDPOINTS["special_end"]
extend = ENDPOINTS["extend"]
decide = ENDPOINTS["decide"]
issue = ENDPOINTS["issue"]
deliver = ENDPOINTS["deliver"]
complete = ENDPOINTS["complete"]
terminate = ENDPOINTS["terminate"]
attach = ENDPOINTS["attach"]
