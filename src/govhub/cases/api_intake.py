"""Cases API: applying. One-call submission, drafts and their materials, and the
applicant's steps on a submitted case (resubmitting after a supplement request,
withdrawing).
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.responses import Status

from govhub.cases import selectors, services
from govhub.cases.api_auth import AUTH, caller_of, check_revision, guarded, visible_case
from govhub.cases.api_bodies import multipart_body, read_files, read_payload
from govhub.cases.api_detail import detail_of, detail_out, receipt_of
from govhub.cases.api_routes import (
    ACTING_FOR_EXTRA,
    CREATE_RESPONSES,
    READ_RESPONSES,
    SUBMIT_RESPONSES,
    TASK_RESPONSES,
    E,
    endpoint,
    header_parameter,
    task,
)
from govhub.cases.api_schemas import (
    CaseDetailOut,
    DraftCreateIn,
    DraftSubmitIn,
    DraftUpdateIn,
    ReasonIn,
    ResubmitIn,
    SubmitIn,
)
from govhub.cases.workflow import State
from govhub.catalog.models import ImplementationItem, Material
from govhub.core.errors import InvalidInput, NotFound

IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,64}")
IDEMPOTENCY_PARAMETER = {
    **header_parameter(
        IDEMPOTENCY_HEADER,
        "建议每次提交生成一个新的随机值（最长 64 个可见 ASCII 字符）。同一账号用同一个值"
        "再次提交（重复点击、网络重试）不会新建办件，而是返回第一次建立的办件（200）。",
    ),
    "schema": {"type": "string", "maxLength": 64},
}


PREFER_PARAMETER = header_parameter(
    "Prefer",
    "`return=minimal`：成功时只返回办件回执，不返回完整详情（RFC 7240）。",
)


def _prefers_minimal(request: HttpRequest) -> bool:
    """`Prefer: return=minimal` (RFC 7240), among any other preferences."""
    preferences = request.headers.get("Prefer", "")
    return any(
        part.strip().lower().replace(" ", "") == "return=minimal"
        for part in preferences.replace(";", ",").split(",")
    )


def _idempotency_key(request: HttpRequest) -> str | None:
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None or not raw.strip():
        return None
    key = raw.strip()
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        message = _("Idempotency-Key 最长 64 个字符，只能包含可见的 ASCII 字符。")
        raise InvalidInput(message, fields={IDEMPOTENCY_HEADER: [message]})
    return key


def _item(code: str) -> ImplementationItem:
    from govhub.catalog.selectors import item_for_application

    try:
        return item_for_application(implementation_code=code.strip())
    except NotFound as exc:
        message = _("找不到该事项，请核对事项实施编码。")
        raise InvalidInput(message, fields={"item": [message]}) from exc


@endpoint(
    "POST",
    "",
    response=SUBMIT_RESPONSES,
    auth=AUTH,
    url_name="cases_submit",
    summary="一次提交申请（含材料文件）",
    description=(
        "multipart/form-data：JSON 部分 `payload`（事项实施编码 `item`、申请表 `form_data`、"
        "渠道 `channel`，工作人员渠道另有 `applicant`、`paper_material_ids` 等），"
        "每份材料一个文件部分 `material_<材料id>`。政府部门已有的材料（如身份证）自动从源头调取，"
        "不必上传。成功返回 201 和完整的办件详情；请求头带 `Prefer: return=minimal` 时只返回"
        "办件回执（编号、状态、修订号、提交时间、详情地址 `url`），适合批量提交的客户端。\n\n"
        "请求头 `Idempotency-Key`（建议）：同一账号用同一个值重复提交（重复点击、网络重试）"
        "只会建立一个办件，重复的请求返回 200 和第一次建立的办件；同一个值用于另一事项返回 409 "
        "`idempotency_key_reused`。\n\n"
        "错误：申请表不符合事项表单 422（`fields` 中为 `form.<字段>`）；缺少必需材料 422 "
        "`materials_missing`（`fields` 中为 `material.<id>`，消息列出材料名称）；文件类型不受支持、"
        "扩展名与内容不符、含脚本或过大 422（`file_type_unsupported`、`file_type_mismatch`、"
        "`file_unsafe`、`file_too_large`）；未实名认证 403 `real_name_required`。"
    ),
    openapi_extra=multipart_body(
        SubmitIn,
        payload_required=True,
        materials=True,
        parameters=[IDEMPOTENCY_PARAMETER, PREFER_PARAMETER],
    ),
)
@guarded(write=True)
def case_submit(request: HttpRequest) -> Any:
    caller = caller_of(request)
    payload = read_payload(request, SubmitIn, required=True)
    files, _other = read_files(request, materials=True)
    key = _idempotency_key(request)
    item = _item(payload.item)
    applicant = None
    if payload.applicant is not None:
        applicant = services.ApplicantData(
            name=payload.applicant.name,
            id_number=payload.applicant.id_number,
            mobile=payload.applicant.mobile,
            uscc=payload.applicant.uscc.strip().upper(),
        )
    submitted = services.case_submit_once(
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
    case = submitted.case
    if not submitted.created:  # a retried request: the case the first one created
        return Status(200, detail_of(request, caller, case))
    if _prefers_minimal(request):
        return Status(201, receipt_of(request, case))
    detail = selectors.case_detail_submitted(
        actor=caller.user, submitted=submitted, acting_for=caller.acting_for
    )
    return Status(201, detail_out(request, caller, detail))


# --- Drafts -------------------------------------------------------------------------------------


@endpoint(
    "POST",
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
    return Status(201, detail_of(request, caller, draft))


@endpoint(
    "GET",
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
    return detail_of(request, caller, draft_id)


@endpoint(
    "PATCH",
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
    draft = visible_case(caller, case_id=draft_id)
    services.case_draft_save(
        actor=caller.user,
        case=draft,
        form_data=payload.form_data,
        acting_for=caller.acting_for,
        request=request,
    )
    return detail_of(request, caller, draft)


@endpoint(
    "POST",
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
    openapi_extra=multipart_body(
        None, payload_required=False, materials=True, file="补充文件", body_required=True
    ),
)
@guarded(write=True)
def draft_material_upload(request: HttpRequest, draft_id: int) -> Any:
    caller = caller_of(request)
    by_material, extra = read_files(request, materials=True, single="file")
    if len(by_material) + (extra is not None) != 1:
        message = _("请上传恰好一个文件。")
        raise InvalidInput(message, fields={"file": [message]})
    draft = visible_case(caller, case_id=draft_id)
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
    return Status(201, detail_of(request, caller, draft))


@endpoint(
    "POST",
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
    openapi_extra=multipart_body(
        DraftSubmitIn, payload_required=False, materials=True, parameters=[IDEMPOTENCY_PARAMETER]
    ),
)
@guarded(write=True)
def draft_submit(request: HttpRequest, draft_id: int) -> Any:
    caller = caller_of(request)
    payload = read_payload(request, DraftSubmitIn, required=False)
    files, _other = read_files(request, materials=True)
    key = _idempotency_key(request)
    draft = visible_case(caller, case_id=draft_id)
    if key is not None and draft.state != State.DRAFT and draft.idempotency_key == key:
        return Status(200, detail_of(request, caller, draft))
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
    return Status(201, detail_of(request, caller, case))


@endpoint(
    "DELETE",
    "/drafts/{draft_id}",
    response={204: None, 401: E, 403: E, 404: E, 409: E},
    auth=AUTH,
    url_name="cases_draft_discard",
    summary="放弃申请草稿",
    description=(
        "删除草稿、它的申请表和已上传的材料文件，不能恢复；不留办件记录，也不发通知。"
        "成功返回 204（无内容）。别人的草稿返回 404；已提交的办件返回 409 `not_a_draft`"
        "（已提交的申请请用 `POST /{number}/withdraw` 撤回）；能查看但无权修改"
        "（只有 view 授权的企业经办人）返回 403。"
    ),
    openapi_extra=ACTING_FOR_EXTRA,
)
@guarded(write=True)
def draft_discard(request: HttpRequest, draft_id: int) -> Any:
    caller = caller_of(request)
    draft = visible_case(caller, case_id=draft_id)
    services.case_draft_discard(
        actor=caller.user, case=draft, acting_for=caller.acting_for, request=request
    )
    return Status(204, None)


# --- After submission: the applicant's steps ----------------------------------------------------


@task(
    "补正后重新提交",
    "multipart/form-data：补正的材料为文件部分 `material_<材料id>`，可选的 JSON 部分 `payload`"
    "（或 JSON 请求体）带更正后的申请表 `form_data` 和 `revision`。告知中列出的材料都须在本轮"
    "补正（此处上传，或事先用 `POST /drafts/{id}/materials` 上传），否则 422 "
    "`supplement_incomplete`。",
    path="resubmit",
    name="cases_resubmit",
    extra=multipart_body(ResubmitIn, payload_required=False, materials=True),
)
def resubmit(request: HttpRequest, number: str) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    payload = read_payload(request, ResubmitIn, required=False)
    files, _other = read_files(request, materials=True)
    check_revision(case, payload.revision)
    services.case_resubmit(
        actor=caller.user,
        case=case,
        files=files,
        form_data=payload.form_data,
        acting_for=caller.acting_for,
        channel=caller.default_channel,
        request=request,
    )
    return detail_of(request, caller, case)


@task(
    "撤回申请",
    "申请人在作出决定前撤回申请，写明原因。",
    path="withdraw",
    name="cases_withdraw",
)
def withdraw(request: HttpRequest, number: str, payload: ReasonIn) -> Any:
    caller = caller_of(request)
    case = visible_case(caller, number=number)
    check_revision(case, payload.revision)
    services.case_withdraw(
        actor=caller.user,
        case=case,
        reason=payload.reason,
        acting_for=caller.acting_for,
        channel=caller.default_channel,
        request=request,
    )
    return detail_of(request, caller, case)
