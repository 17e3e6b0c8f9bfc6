"""Cases API: handling a case, one `POST /{number}/<action>` per step (accepting, reviewing,
deciding, issuing, delivering ...). Each calls exactly one service and answers with the
updated case; the services check who may take the step.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from govhub.cases import services
from govhub.cases.api_auth import caller_of, check_revision, visible_case
from govhub.cases.api_bodies import OPTIONAL_REVISION_BODY, multipart_body, read_files, read_payload
from govhub.cases.api_detail import detail_of
from govhub.cases.api_routes import task
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
from govhub.core.errors import InvalidInput
from govhub.identity.models import User


@task(
    "受理",
    "窗口人员或审查人员受理申请：材料须齐全；时限从今天起算，生成办理环节。",
    path="accept",
    name="cases_accept",
)
def accept(request: HttpRequest, number: str, payload: AcceptIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    services.case_accept(
        actor=caller.user,
        case=case,
        opinion=payload.opinion,
        revision=payload.revision,
        request=request,
    )
    return detail_of(request, caller, case)


@task(
    "不予受理",
    "须写明理由和法律告知（依据及申请人可以采取的途径）。",
    path="reject-intake",
    name="cases_reject_intake",
)
def reject_intake(request: HttpRequest, number: str, payload: RejectIntakeIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    services.case_reject_intake(
        actor=caller.user,
        case=case,
        reason=payload.reason,
        legal_notice=payload.legal_notice,
        revision=payload.revision,
        request=request,
    )
    return detail_of(request, caller, case)


@task(
    "一次性告知补正",
    "一次列出需要补正的全部内容；计时暂停，直到申请人补正后重新提交。"
    "同一办件第二次告知会被标记（`is_repeat`）供监察。",
    path="request-supplement",
    name="cases_request_supplement",
)
def request_supplement(request: HttpRequest, number: str, payload: RequestSupplementIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    services.case_request_supplement(
        actor=caller.user,
        case=case,
        items=[item.model_dump() for item in payload.items],
        note=payload.note,
        revision=payload.revision,
        request=request,
    )
    return detail_of(request, caller, case)


@task(
    "认领",
    "把办件（或当前环节）放进自己的待办；已被他人认领返回 409 `already_claimed`。",
    path="claim",
    name="cases_claim",
    extra=OPTIONAL_REVISION_BODY,
)
def claim(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    payload = read_payload(request, RevisionIn, required=False)
    check_revision(case, payload.revision)
    services.case_claim(actor=caller.user, case=case, request=request)
    return detail_of(request, caller, case)


@task(
    "指派",
    "审批人员或部门管理员把办件交给具有当前环节岗位的同事（`assignee` 为其账号的 `sub`）。",
    path="assign",
    name="cases_assign",
)
def assign(request: HttpRequest, number: str, payload: AssignIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    check_revision(case, payload.revision)
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
    return detail_of(request, caller, case)


@task(
    "审查",
    "办理当前审查环节（`step` 为环节 id），写明同意或不同意及意见；同一序号的环节"
    "（联合审查）都办完后进入下一环节。",
    path="review",
    name="cases_review",
)
def review(request: HttpRequest, number: str, payload: ReviewIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    check_revision(case, payload.revision)
    services.case_review(
        actor=caller.user,
        case=case,
        step=payload.step,
        outcome=payload.outcome,
        opinion=payload.opinion,
        request=request,
    )
    return detail_of(request, caller, case)


@task(
    "启动特别程序",
    "听证、专家评审、现场核查、检验检测等：特别程序期间计时暂停。",
    path="special-procedures",
    name="cases_special_start",
)
def special_start(request: HttpRequest, number: str, payload: SpecialStartIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    check_revision(case, payload.revision)
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
    return detail_of(request, caller, case)


@task(
    "结束特别程序",
    "写明结论；恢复计时，暂停的天数不计入时限。",
    path="special-procedures/end",
    name="cases_special_end",
)
def special_end(request: HttpRequest, number: str, payload: SpecialEndIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    check_revision(case, payload.revision)
    services.case_special_end(actor=caller.user, case=case, result=payload.result, request=request)
    return detail_of(request, caller, case)


@task(
    "延长办理时限",
    "部门审批人员批准延期（1–60 天），写明理由；办结日期随之顺延并记入时限变更记录。",
    path="extend",
    name="cases_extend",
)
def extend(request: HttpRequest, number: str, payload: ExtendIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    check_revision(case, payload.revision)
    services.case_extend(
        actor=caller.user, case=case, days=payload.days, reason=payload.reason, request=request
    )
    return detail_of(request, caller, case)


@task(
    "作出决定",
    "准予或不予，写明理由；不予决定须告知救济途径（默认用事项指南中的行政复议、行政诉讼途径）。",
    path="decide",
    name="cases_decide",
)
def decide(request: HttpRequest, number: str, payload: DecideIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    services.case_decide(
        actor=caller.user,
        case=case,
        decision=payload.decision,
        reason=payload.reason,
        remedy=payload.remedy,
        revision=payload.revision,
        request=request,
    )
    return detail_of(request, caller, case)


@task(
    "出具办理结果",
    "multipart/form-data：可选的文件部分 `file`（盖章的结果文件，PDF 等）；省略时生成决定书 PDF。"
    "可选的 JSON 部分 `payload`（或 JSON 请求体）带结果名称 `name` 和 `revision`。",
    path="issue",
    name="cases_issue",
    extra=multipart_body(IssueIn, payload_required=False, materials=False, file="结果文件"),
)
def issue(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    payload = read_payload(request, IssueIn, required=False)
    _by_material, upload = read_files(request, materials=False, single="file")
    check_revision(case, payload.revision)
    services.case_issue(
        actor=caller.user,
        case=case,
        file=upload,
        name=payload.name,
        base_url=request.build_absolute_uri("/"),
        request=request,
    )
    return detail_of(request, caller, case)


@task(
    "送达",
    "窗口领取和电子送达当即办结；邮寄送达须有地址（默认申请表中的），"
    "确认签收后用 `complete` 办结。",
    path="deliver",
    name="cases_deliver",
)
def deliver(request: HttpRequest, number: str, payload: DeliverIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    check_revision(case, payload.revision)
    services.case_deliver(
        actor=caller.user,
        case=case,
        method=payload.method,
        address=payload.address,
        tracking_number=payload.tracking_number,
        request=request,
    )
    return detail_of(request, caller, case)


@task(
    "办结",
    "确认邮寄的结果已签收，办件办结。",
    path="complete",
    name="cases_complete",
    extra=OPTIONAL_REVISION_BODY,
)
def complete(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    payload = read_payload(request, RevisionIn, required=False)
    check_revision(case, payload.revision)
    services.case_complete(actor=caller.user, case=case, request=request)
    return detail_of(request, caller, case)


@task(
    "终止办理",
    "部门审批人员终止办理（如申请人死亡、单位注销），写明理由。",
    path="terminate",
    name="cases_terminate",
)
def terminate(request: HttpRequest, number: str, payload: ReasonIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    check_revision(case, payload.revision)
    services.case_terminate(actor=caller.user, case=case, reason=payload.reason, request=request)
    return detail_of(request, caller, case)


@task(
    "添加附件",
    "multipart/form-data：文件部分 `file`，JSON 部分 `payload` 带附件名称 `name`（如 现场核查记录）"
    "和 `revision`。附件只对工作人员可见。",
    path="attachments",
    name="cases_attach",
    extra=multipart_body(
        AttachmentIn, payload_required=True, materials=False, file="附件文件", body_required=True
    ),
)
def attach(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    payload = read_payload(request, AttachmentIn, required=True)
    _by_material, upload = read_files(request, materials=False, single="file")
    if upload is None:
        message = _("请选择要上传的文件。")
        raise InvalidInput(message, fields={"file": [message]})
    check_revision(case, payload.revision)
    services.case_attach(
        actor=caller.user, case=case, file=upload, name=payload.name, request=request
    )
    return detail_of(request, caller, case)
